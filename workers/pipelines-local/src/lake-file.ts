// The sink's wiring: Parquet encoding (the lake's writer, with zstd initialised from the bundled
// wasm module) and the roll policy from vars. The catalog is reached over RPC (catalogRpc of
// @edge-analytics/catalog), as Pipelines' files reach it through R2 notifications in production.
import { EVENT_TYPE_BY_TABLE, type TableName } from "@edge-analytics/event-schema";
import { encodeLakeRows, initZstd, type LakeRow } from "@edge-analytics/lake";
// wrangler bundles a `.wasm` import as a compiled WebAssembly.Module: workerd forbids compiling at run time.
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";

/** When the sink rolls a stream's buffered rows into a file. */
export interface LakeRollPolicy {
  /** A row waits at most this long (Cloudflare Pipelines' default roll interval is 300 s). */
  intervalMs: number;
  /** Rows per file at most, and a stream holding this many rolls at once: bounds the encoder's memory. */
  maxRowsPerFile: number;
}

export function lakeRollPolicy(env: Pick<Env, "LAKE_ROLL_INTERVAL_SECONDS" | "LAKE_ROLL_MAX_ROWS">): LakeRollPolicy {
  const seconds = Number(env.LAKE_ROLL_INTERVAL_SECONDS || "300");
  const rows = Number(env.LAKE_ROLL_MAX_ROWS || "25000");
  if (!(seconds > 0) || !Number.isInteger(rows) || rows < 1) {
    throw new Error(`LAKE_ROLL_INTERVAL_SECONDS must be > 0 and LAKE_ROLL_MAX_ROWS a positive integer (got ${seconds}, ${rows})`);
  }
  return { intervalMs: seconds * 1000, maxRowsPerFile: rows };
}

export function encodeLakeFile(table: TableName, rows: unknown[][]): Uint8Array {
  initZstd(zstdWasm);
  // The rows come from the buffer's parsed JSON records (StreamLakeBuffer): text, numbers,
  // booleans, null, and JSON text for `json` columns: all LakeValues.
  return encodeLakeRows(EVENT_TYPE_BY_TABLE[table], rows as LakeRow[]);
}
