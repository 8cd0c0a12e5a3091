import { env } from "cloudflare:test";
import { type EventType, lakeColumns, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { encodeLakeRows, initZstd, type LakeRow, rawObjectKey } from "@edge-analytics/lake";
import { makeVector, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { initSync as initParquetWasm, readParquet, Table as WasmTable, writeParquet } from "parquet-wasm/esm";
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";
import wasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";

// The lake's encoder needs zstd; parquet-wasm writes files as another writer (Pipelines) would.
initZstd(zstdWasm);
initParquetWasm({ module: wasm });

export const ADMIN = { "x-api-key": "local-admin-key" };

/** Lake rows of `type` (values in lakeColumns order) with the given timestamps (ms). */
export function rowsOf(type: EventType, timestamps: number[], receivedAt: number | number[]): LakeRow[] {
  return timestamps.map((timestamp, i) =>
    lakeColumns(type).map((column): LakeValue => {
      switch (column.name) {
        case "type":
          return type;
        case "event_id":
          return crypto.randomUUID();
        case "timestamp":
          return timestamp;
        case "received_at":
          return Array.isArray(receivedAt) ? (receivedAt[i] ?? null) : receivedAt;
        case "project_id":
          return "local";
        case "version":
          return "1.0.0";
        case "session_id":
          return `s-${i % 3}`;
        case "environment":
          return "production";
        case "is_bot":
          return false;
        default:
          return column.nullable ? null : column.kind === "string" ? "x" : column.kind === "boolean" ? false : 1;
      }
    }),
  );
}
type LakeValue = LakeRow[number];

/** Writes a raw file straight into analytics-source, as Cloudflare Pipelines would (no catalog call). */
export async function putRawFile(type: EventType, rows: LakeRow[], writtenAt = new Date()): Promise<{ key: string; bytes: number }> {
  const key = rawObjectKey(TABLE_BY_EVENT_TYPE[type], writtenAt, crypto.randomUUID());
  const bytes = encodeLakeRows(type, rows);
  await env.SOURCE_BUCKET.put(key, bytes);
  return { key, bytes: bytes.byteLength };
}

/** The same file with one more (optional) column: the next schema version of its table. */
export async function putRawFileWithExtraColumn(type: EventType, rows: LakeRow[], column: string, writtenAt = new Date()): Promise<{ key: string }> {
  const original = tableFromIPC(readParquet(encodeLakeRows(type, rows)).intoIPCStream());
  const widened = original.assign(new Table({ [column]: makeVector(new Float64Array(rows.length).fill(1.5)) }));
  const key = rawObjectKey(TABLE_BY_EVENT_TYPE[type], writtenAt, crypto.randomUUID());
  await env.SOURCE_BUCKET.put(key, writeParquet(WasmTable.fromIPCStream(tableToIPC(widened, "stream"))));
  return { key };
}
