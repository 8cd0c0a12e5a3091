import { env } from "cloudflare:test";
import { type CatalogRpc, catalogRpc } from "@edge-analytics/catalog";
import { type EventType, lakeColumns, TABLE_BY_EVENT_TYPE, type TableName } from "@edge-analytics/event-schema";
import { encodeLakeRows, initZstd, type LakeRow, type LakeValue, rawObjectKey } from "@edge-analytics/lake";
import { tableFromIPC, tableToIPC } from "apache-arrow";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { initSync as initParquetWasm, readParquet, Table as WasmTable, writeParquet } from "parquet-wasm/esm";
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";
import wasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";

initZstd(zstdWasm);
initParquetWasm({ module: wasm });

export const ADMIN = { "x-api-key": "local-admin-key" };

/** The catalog Worker's RPC methods the tests call (the compaction Worker's CATALOG binding). */
export function catalog(): CatalogRpc {
  return catalogRpc(env.CATALOG);
}

let hourSeed = 0;
/**
 * A closed hour partition no other test uses, with the 5 hours after it free too: a test may put
 * retries into the next hours, and a window of up to 5 hours looks back at nothing of another test.
 */
export function freshClosedHour(): Date {
  hourSeed += 1;
  return new Date(Date.UTC(2025, 0, 1, 0) + hourSeed * 6 * 3_600_000);
}

/** The hour `hours` after `hour`. */
export const hoursAfter = (hour: Date, hours: number) => new Date(hour.getTime() + hours * 3_600_000);

/** Page-view lake rows with fresh ids, timestamps spread over the hour. */
export function pageViewRows(count: number, hour: Date): LakeRow[] {
  return Array.from({ length: count }, (_, i) =>
    lakeColumns("page_view").map((column): LakeValue => {
      switch (column.name) {
        case "type":
          return "page_view";
        case "event_id":
          return crypto.randomUUID();
        case "timestamp":
          return hour.getTime() + Math.floor(Math.random() * 3_600_000);
        case "received_at":
          return hour.getTime() + 1000 + i;
        case "project_id":
          return "local";
        case "session_id":
          return `s-${i % 7}`;
        case "environment":
          return "production";
        case "is_bot":
          return false;
        case "page_url":
          return `https://shop.example/p/${i % 13}`;
        case "time_on_page":
          return i % 5 === 0 ? null : i / 10;
        default:
          return null;
      }
    }),
  );
}

/** Writes a raw file into the partition of `hour` and registers it, as the sink does. */
export async function putRegistered(type: EventType, rows: LakeRow[], hour: Date, bytes?: Uint8Array): Promise<string> {
  const key = rawObjectKey(TABLE_BY_EVENT_TYPE[type], hour, crypto.randomUUID());
  await env.SOURCE_BUCKET.put(key, bytes ?? encodeLakeRows(type, rows));
  await catalog().registerFile("analytics-source", key);
  return key;
}

/** A file of an older schema version: the same rows without one (optional) column. */
export function encodeWithoutColumn(type: EventType, rows: LakeRow[], column: string): Uint8Array {
  const table = tableFromIPC(readParquet(encodeLakeRows(type, rows)).intoIPCStream());
  const narrower = table.select(table.schema.fields.map((f) => f.name).filter((name) => name !== column));
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(narrower, "stream")));
}

export async function readObject(key: string): Promise<{ rows: Record<string, unknown>[]; rowGroups: number; columns: string[] }> {
  const object = await env.SOURCE_BUCKET.get(key);
  if (!object) throw new Error(`no object ${key}`);
  const { rows, metadata } = await readParquetBytes(await object.arrayBuffer());
  return { rows, rowGroups: metadata.row_groups.length, columns: metadata.schema.slice(1).map((s) => s.name) };
}

/** What a reader of the catalog sees in a partition: every row of every listed file. */
export async function readerView(table: TableName, partition: string): Promise<{ keys: string[]; ids: string[]; rows: Record<string, unknown>[] }> {
  const response = await env.CATALOG.fetch(`https://catalog.internal/catalog/files?table=${table}&partition=${encodeURIComponent(partition)}`, { headers: ADMIN });
  const body = (await response.json()) as { files: { key: string }[] };
  const rows: Record<string, unknown>[] = [];
  for (const file of body.files) rows.push(...(await readObject(file.key)).rows);
  return { keys: body.files.map((f) => f.key), ids: rows.map((r) => String(r.event_id)), rows };
}

export async function listKeys(prefix: string): Promise<string[]> {
  return (await env.SOURCE_BUCKET.list({ prefix })).objects.map((o) => o.key);
}

export const idsOf = (rows: LakeRow[]) => rows.map((row) => String(row[lakeColumns("page_view").findIndex((c) => c.name === "event_id")]));
