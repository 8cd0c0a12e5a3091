import { type EventRecord, TABLE_BY_EVENT_TYPE, type TableName } from "@edge-analytics/event-schema";
import type { PipelineStreamBinding } from "./bindings.ts";
import type { LakeSink } from "./ports.ts";

/**
 * Pipelines takes at most 1 MB per request. Each record's size is bounded from above by three
 * bytes per UTF-16 unit of its JSON, which needs no encoding; the margin covers the array's own
 * punctuation.
 */
const PIPELINES_REQUEST_BYTES = 900 * 1024;

/**
 * The lake sink: one Cloudflare Pipelines stream per lake table (locally the Pipelines stand-in
 * Worker behind the same binding shape). A table's records go out in requests below Pipelines'
 * size limit, all tables' requests at once; `send` resolves when every stream accepted its share.
 */
export class PipelinesLakeSink implements LakeSink {
  constructor(private readonly streams: Readonly<Record<TableName, PipelineStreamBinding>>) {}

  async send(records: EventRecord[]): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const [table, group] of groupByTable(records)) {
      const stream = this.streams[table];
      let chunk: EventRecord[] = [];
      let bytes = 0;
      for (const record of group) {
        const size = JSON.stringify(record).length * 3;
        if (chunk.length > 0 && bytes + size > PIPELINES_REQUEST_BYTES) {
          sends.push(stream.send(chunk));
          chunk = [];
          bytes = 0;
        }
        chunk.push(record);
        bytes += size;
      }
      if (chunk.length > 0) sends.push(stream.send(chunk));
    }
    await Promise.all(sends);
  }
}

function groupByTable(records: EventRecord[]): Map<TableName, EventRecord[]> {
  const groups = new Map<TableName, EventRecord[]>();
  for (const record of records) {
    const table = TABLE_BY_EVENT_TYPE[record.type];
    const group = groups.get(table);
    if (group) group.push(record);
    else groups.set(table, [record]);
  }
  return groups;
}
