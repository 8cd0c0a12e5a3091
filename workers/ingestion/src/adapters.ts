// The implementations behind packages/ingest's interfaces, one per platform binding. Which one
// runs is decided once, in `dependencies.ts`, from the LAKE_SINK / HOT_STORE vars.
import { type AnalyticsEngineDataPoint, type EventRecord, TABLE_BY_EVENT_TYPE, type TableName } from "@edge-analytics/event-schema";
import {
  type AcceptedTally,
  chunkPointsForQueue,
  type ClaimResult,
  type DeadLetter,
  type DeadLetterSink,
  type DeferredPointQueue,
  type EventIdLedger,
  type EventJournal,
  type HotEventWriter,
  type JournalResult,
  type LakeSink,
} from "@edge-analytics/ingest";
import type { DeadLetterBox } from "./durable-objects/dead-letter-box.ts";
import type { EventIdLedger as EventIdLedgerObject } from "./durable-objects/event-id-ledger.ts";
import type { EventJournal as EventJournalObject, JournalEntry } from "./durable-objects/event-journal.ts";

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

/** Ledger in one Durable Object per project (strongly consistent check-and-set). */
export class DurableObjectEventIdLedger implements EventIdLedger {
  constructor(private readonly namespace: DurableObjectNamespace<EventIdLedgerObject>) {}
  private stub(projectId: string) {
    return this.namespace.get(this.namespace.idFromName(projectId));
  }
  claim(projectId: string, eventIds: string[]): Promise<ClaimResult> {
    return this.stub(projectId).claim(eventIds);
  }
  async commit(projectId: string, claim: ClaimResult, tallies: AcceptedTally[]): Promise<void> {
    if (claim.claimId !== null) await this.stub(projectId).commit(projectId, claim.claimId, tallies);
  }
  async release(projectId: string, claim: ClaimResult): Promise<void> {
    if (claim.claimId !== null) await this.stub(projectId).release(claim.claimId);
  }
}

/** The local journal: one EventJournal Durable Object per project (dedup + durable append in one transaction). */
export class DurableObjectJournal implements EventJournal {
  constructor(private readonly namespace: DurableObjectNamespace<EventJournalObject>) {}

  async append(projectId: string, records: EventRecord[]): Promise<JournalResult> {
    const entries: JournalEntry[] = records.map((record) => ({ table: TABLE_BY_EVENT_TYPE[record.type], eventId: record.event_id, record }));
    const statuses = await this.namespace.get(this.namespace.idFromName(projectId)).append(projectId, JSON.stringify(entries));
    const result: JournalResult = { accepted: [], duplicates: [], inFlight: [] };
    statuses.forEach((status, i) => {
      const id = records[i]?.event_id ?? "";
      if (status === "accepted") result.accepted.push(id);
      else result.duplicates.push(id);
    });
    return result;
  }
}

/** A Cloudflare Pipelines stream binding (`send` takes JSON-serialisable records). */
export interface PipelineBinding {
  send(records: object[]): Promise<void>;
}

/** Pipelines requests carry at most 1 MB; stay well below it. */
const PIPELINES_REQUEST_BYTES = 900 * 1024;

/** Production sink: one Cloudflare Pipelines stream per lake table. */
export class PipelinesLakeSink implements LakeSink {
  constructor(private readonly streams: Record<TableName, PipelineBinding>) {}
  async send(records: EventRecord[]): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const [table, group] of groupByTable(records)) {
      let chunk: EventRecord[] = [];
      let bytes = 0;
      for (const record of group) {
        const size = JSON.stringify(record).length * 3;
        if (chunk.length > 0 && bytes + size > PIPELINES_REQUEST_BYTES) {
          sends.push(this.streams[table].send(chunk));
          chunk = [];
          bytes = 0;
        }
        chunk.push(record);
        bytes += size;
      }
      if (chunk.length > 0) sends.push(this.streams[table].send(chunk));
    }
    await Promise.all(sends);
  }
}

/** Production hot store: the Analytics Engine binding (writes are fire-and-forget by design). */
export class AnalyticsEngineBindingWriter implements HotEventWriter {
  constructor(private readonly dataset: AnalyticsEngineDataset) {}
  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    for (const point of points) this.dataset.writeDataPoint(point);
  }
}

/** A queue message of deferred data points. */
export interface DeferredPointsMessage {
  points: AnalyticsEngineDataPoint[];
}

/** Defers data points over the per-invocation cap to a Queue (consumed by this same Worker). */
export class QueueDeferredPoints implements DeferredPointQueue {
  constructor(private readonly queue: Queue<DeferredPointsMessage>) {}
  async defer(points: AnalyticsEngineDataPoint[]): Promise<void> {
    const messages = chunkPointsForQueue(points).map((chunk) => ({ body: { points: chunk } }));
    // sendBatch takes at most 100 messages per call.
    for (let i = 0; i < messages.length; i += 100) await this.queue.sendBatch(messages.slice(i, i + 100));
  }
}

/** Dead letters in one Durable Object. */
export class DurableObjectDeadLetters implements DeadLetterSink {
  constructor(private readonly namespace: DurableObjectNamespace<DeadLetterBox>) {}
  stub() {
    return this.namespace.get(this.namespace.idFromName("dead-letters"));
  }
  async record(letters: DeadLetter[]): Promise<void> {
    await this.stub().record(letters);
  }
}
