import { createExecutionContext, env } from "cloudflare:test";
import { TABLE_BY_EVENT_TYPE, type EventRecord, type TableName } from "@edge-analytics/event-schema";
import { DEFAULT_LIMITS, enrichEvent, validateEvent } from "@edge-analytics/ingest";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { PipelineStream } from "../src/index.ts";
import { streamBuffer } from "../src/stream-buffer-stub.ts";

/** Events as ingestion sends them to a stream: validated and enriched by the real ingestion code. */
export function acceptedRecords(events: Record<string, unknown>[], project = "sinktest", receivedAt = new Date()): EventRecord[] {
  return events.map((raw) => {
    const validation = validateEvent(raw, DEFAULT_LIMITS);
    if (!validation.ok) throw new Error(`invalid test event: ${JSON.stringify(validation.errors)}`);
    return enrichEvent(validation.event, project, { receivedAt }, { is_bot: false });
  });
}

/** A stream binding as ingestion holds it: the PipelineStream entrypoint with its props. */
export function stream(name: string): PipelineStream {
  const ctx = Object.assign(createExecutionContext(), { props: { stream: name } });
  return new PipelineStream(ctx, env);
}

/** Sends records to their tables' streams, as ingestion's PipelinesLakeSink does. */
export async function sendToStreams(records: EventRecord[]): Promise<void> {
  const byTable = new Map<TableName, EventRecord[]>();
  for (const record of records) byTable.set(TABLE_BY_EVENT_TYPE[record.type], [...(byTable.get(TABLE_BY_EVENT_TYPE[record.type]) ?? []), record]);
  await Promise.all([...byTable].map(([table, group]) => stream(table).send(group as unknown as Record<string, unknown>[])));
}

export function buffer() {
  return streamBuffer(env);
}

/** The records a stream holds and has not written yet, parsed. */
export async function bufferedRecords(stream: TableName): Promise<Record<string, unknown>[]> {
  return JSON.parse(await buffer().read(stream, 100_000)) as Record<string, unknown>[];
}

/** A Parquet object of analytics-source, read with hyparquet (an independent reader), timestamps as epoch ms. */
export async function readParquetObject(key: string): Promise<{ rows: Record<string, unknown>[]; codec: string[]; numRows: number }> {
  const object = await env.SOURCE_BUCKET.get(key);
  if (!object) throw new Error(`no object ${key}`);
  const { rows, metadata } = await readParquetBytes(await object.arrayBuffer());
  const codec = [...new Set(metadata.row_groups.flatMap((group) => group.columns.map((column) => String(column.meta_data?.codec))))];
  return { rows, codec, numRows: Number(metadata.num_rows) };
}

/** Every object key under a prefix of analytics-source. */
export async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SOURCE_BUCKET.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** Every row of every file of a table, with the file it came from. */
export async function rowsOfTable(table: TableName): Promise<{ key: string; row: Record<string, unknown> }[]> {
  const out: { key: string; row: Record<string, unknown> }[] = [];
  for (const key of await listKeys(`events/${table}/`)) {
    for (const row of (await readParquetObject(key)).rows) out.push({ key, row });
  }
  return out;
}

/** How many rows carry each of `ids`. */
export function countIds(rows: { row: Record<string, unknown> }[], ids: string[]): Map<string, number> {
  const wanted = new Set(ids);
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const { row } of rows) if (wanted.has(String(row.event_id))) counts.set(String(row.event_id), (counts.get(String(row.event_id)) ?? 0) + 1);
  return counts;
}

/** Calls the catalog Worker over the service binding with the admin key. */
export async function catalogGet<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const response = await env.CATALOG.fetch(`https://catalog.internal${pathAndQuery}`, { headers: { "x-api-key": "local-admin-key" } });
  return { status: response.status, body: (await response.json()) as T };
}
