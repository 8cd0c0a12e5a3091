import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { decompress as zstdDecompress } from "fzstd";

/** What the catalog records about one Parquet file, read from the file itself. */
export interface ParquetFileFacts {
  rows: number;
  bytes: number;
  /** Smallest and largest event `timestamp` (epoch ms), null when the file has no such column or no rows. */
  minTimestampMs: number | null;
  maxTimestampMs: number | null;
  /** The file's top-level columns, in file order, with their Parquet type: the schema version's identity. */
  columns: { name: string; type: string; nullable: boolean }[];
  /** Rows per UTC hour of `received_at` (`2026-11-25T09`), for parity with what ingestion accepted. */
  rowsByReceivedHour: Record<string, number>;
}

/** A read-only view of an object that serves byte ranges (an R2 object, a file, a buffer). */
export interface RangeReader {
  byteLength: number;
  read(offset: number, length: number): Promise<ArrayBuffer>;
}

/** hyparquet's view of a range reader. */
export function asyncBufferOf(reader: RangeReader): AsyncBuffer {
  return { byteLength: reader.byteLength, slice: (start, end) => reader.read(start, (end ?? reader.byteLength) - start) };
}

/** A range reader over an R2 object: one ranged GET per read, as hyparquet asks for footer and column chunks. */
export function r2RangeReader(bucket: R2BucketLike, key: string, size: number): RangeReader {
  return {
    byteLength: size,
    async read(offset, length) {
      const object = await bucket.get(key, { range: { offset, length } });
      if (!object) throw new Error(`${key} disappeared while it was read`);
      return object.arrayBuffer();
    },
  };
}

/** The slice of the R2 binding the lake code uses (so packages stay free of Worker globals). */
export interface R2BucketLike {
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

// Snappy is built into hyparquet; zstd (our sink's and Pipelines' default) comes from fzstd, pure JS,
// because workerd forbids compiling WebAssembly at run time (hyparquet-compressors' snappy does).
export const PARQUET_COMPRESSORS = {
  ZSTD: (input: Uint8Array, outputLength: number) => zstdDecompress(input, new Uint8Array(outputLength)),
};

// Timestamps as epoch-ms numbers whatever unit the writer chose (our sink: ms; Pipelines may use µs).
export const TIMESTAMPS_AS_MS = {
  timestampFromMilliseconds: (value: bigint) => Number(value),
  timestampFromMicroseconds: (value: bigint) => Number(value / 1000n),
  timestampFromNanoseconds: (value: bigint) => Number(value / 1_000_000n),
};

function asMs(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  if (value instanceof Date) return value.getTime();
  return null;
}

/**
 * Min and max (epoch ms) of a top-level column over the whole file from the row groups' footer
 * statistics, or undefined when any row group lacks them.
 */
function footerRange(metadata: FileMetaData, column: string): { min: number; max: number; nulls: number } | undefined {
  let min: number | undefined;
  let max: number | undefined;
  let nulls = 0;
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column);
    const stats = chunk?.meta_data?.statistics;
    const low = asMs(stats?.min_value ?? stats?.min);
    const high = asMs(stats?.max_value ?? stats?.max);
    if (low === null || high === null) return undefined;
    min = min === undefined ? low : Math.min(min, low);
    max = max === undefined ? high : Math.max(max, high);
    nulls += Number(stats?.null_count ?? 0);
  }
  return min === undefined || max === undefined ? undefined : { min, max, nulls };
}

function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/**
 * Reads a Parquet file's facts from the file alone: the footer for rows and schema, and the
 * `timestamp` and `received_at` columns for the time range and the received-hour histogram. The
 * catalog uses it for every file, ours and Cloudflare Pipelines' alike, so its numbers are what
 * the bytes say rather than what a writer claims.
 */
export async function readParquetFileFacts(reader: RangeReader): Promise<ParquetFileFacts> {
  const file = asyncBufferOf(reader);
  const metadata = await parquetMetadataAsync(file, { parsers: TIMESTAMPS_AS_MS });
  const schema = parquetSchema(metadata);
  const columns = schema.children.map((child) => ({
    name: child.element.name,
    type: String(child.element.logical_type?.type ?? child.element.converted_type ?? child.element.type ?? "GROUP"),
    nullable: child.element.repetition_type !== "REQUIRED",
  }));
  const names = new Set(columns.map((c) => c.name));
  const rows = Number(metadata.num_rows);
  let minTimestampMs: number | null = null;
  let maxTimestampMs: number | null = null;
  const rowsByReceivedHour: Record<string, number> = {};
  if (rows === 0) return { rows, bytes: reader.byteLength, minTimestampMs, maxTimestampMs, columns, rowsByReceivedHour };

  // The footer's statistics answer without reading data when every row group has them (our sink
  // writes them); a file whose rows were all received within one hour needs no histogram either.
  const timestampStats = footerRange(metadata, "timestamp");
  const receivedStats = footerRange(metadata, "received_at");
  const receivedInOneHour = receivedStats !== undefined && receivedStats.nulls === 0 && hourOf(receivedStats.min) === hourOf(receivedStats.max);
  if (timestampStats) {
    minTimestampMs = timestampStats.min;
    maxTimestampMs = timestampStats.max;
  }
  if (receivedInOneHour) rowsByReceivedHour[hourOf(receivedStats.min)] = rows;

  const wanted = [
    ...(!timestampStats && names.has("timestamp") ? ["timestamp"] : []),
    ...(!receivedInOneHour && names.has("received_at") ? ["received_at"] : []),
  ];
  if (wanted.length > 0) {
    const data = await parquetReadObjects({ file, metadata, columns: wanted, compressors: PARQUET_COMPRESSORS, parsers: TIMESTAMPS_AS_MS });
    for (const row of data) {
      if (wanted.includes("timestamp")) {
        const timestamp = asMs(row.timestamp);
        if (timestamp !== null) {
          if (minTimestampMs === null || timestamp < minTimestampMs) minTimestampMs = timestamp;
          if (maxTimestampMs === null || timestamp > maxTimestampMs) maxTimestampMs = timestamp;
        }
      }
      if (wanted.includes("received_at")) {
        const received = asMs(row.received_at);
        if (received !== null) {
          const hour = hourOf(received);
          rowsByReceivedHour[hour] = (rowsByReceivedHour[hour] ?? 0) + 1;
        }
      }
    }
  }
  return { rows, bytes: reader.byteLength, minTimestampMs, maxTimestampMs, columns, rowsByReceivedHour };
}

/**
 * A file's event_ids grouped by UTC hour of `received_at`, keeping only `hours` (column-projected
 * read: `event_id` and `received_at` only). For parity's distinct counts.
 */
export async function readEventIdsByReceivedHour(reader: RangeReader, hours: ReadonlySet<string>, into: Map<string, Set<string>> = new Map()): Promise<Map<string, Set<string>>> {
  const file = asyncBufferOf(reader);
  const metadata = await parquetMetadataAsync(file, { parsers: TIMESTAMPS_AS_MS });
  const names = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  if (!names.has("event_id") || !names.has("received_at") || Number(metadata.num_rows) === 0) return into;
  const rows = await parquetReadObjects({ file, metadata, columns: ["event_id", "received_at"], compressors: PARQUET_COMPRESSORS, parsers: TIMESTAMPS_AS_MS });
  for (const row of rows) {
    const received = asMs(row.received_at);
    if (received === null) continue;
    const hour = hourOf(received);
    if (!hours.has(hour)) continue;
    let ids = into.get(hour);
    if (!ids) into.set(hour, (ids = new Set()));
    ids.add(String(row.event_id));
  }
  return into;
}
