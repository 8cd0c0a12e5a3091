import { EVENT_TYPES, type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { type LakeRow, LakeRowError } from "./lake-row.ts";
import { schemaFingerprint } from "./schema-fingerprint.ts";
import { type ColumnPolicy, columnCollector, FileParts, schemaLeafOf } from "./writer/column-chunk.ts";
import { fileMetadataBytes, MAGIC, type RowGroupMeta } from "./writer/parquet-format.ts";
import { assertZstdInitialised } from "./writer/zstd.ts";

/** Options of {@link encodeLakeRows}. */
export interface ParquetWriteOptions {
  /** Rows per row group (default {@link DEFAULT_MAX_ROW_GROUP_ROWS}). */
  readonly maxRowGroupRows?: number;
}

/**
 * 128Ki rows (about 3.5 MB of page views): a sink roll (25k rows) is one row group; larger files
 * get row groups that readers can skip by their timestamp statistics, each large enough for its
 * dictionary pages to pay off.
 */
export const DEFAULT_MAX_ROW_GROUP_ROWS = 128 * 1024;

/** `created_by` of every file: the writer application, as Parquet tools display it. */
export const PARQUET_CREATED_BY = "edge-analytics";
/** Key-value metadata key holding the event type of the file's rows. */
export const EVENT_TYPE_METADATA_KEY = "edge-analytics.event_type";
/** Key-value metadata key holding {@link schemaFingerprint} of the file's columns. */
export const SCHEMA_METADATA_KEY = "edge-analytics.schema";

/**
 * Columns whose every value is distinct: a dictionary would only grow until it is dropped. UUIDv7
 * ids in time order share their leading digits with the previous id, which DELTA_BYTE_ARRAY
 * stores once.
 */
export const UNIQUE_PER_ROW_COLUMNS: ReadonlySet<string> = new Set(["event_id"]);

/**
 * String columns with min/max statistics. Min/max of the others (ids, URLs, titles, countries)
 * span almost their whole range in any row group, so no reader can skip anything with them;
 * these three are constant or nearly so within a file and let a reader skip files of another
 * type, project or environment. Numbers, timestamps and booleans always have them.
 */
export const STRING_COLUMNS_WITH_STATISTICS: ReadonlySet<string> = new Set(["type", "project_id", "environment"]);

/** Rows each column collects before the next column takes the same rows (see ColumnCollector). */
const BLOCK_ROWS = 1024;

function policyOf(name: string): ColumnPolicy {
  return {
    stringEncoding: UNIQUE_PER_ROW_COLUMNS.has(name) ? "delta" : "dictionary",
    minMax: STRING_COLUMNS_WITH_STATISTICS.has(name),
  };
}

/**
 * Encodes lake rows of one event type as a Parquet file: columns `lakeColumns(type)` (the zod
 * schemas' lake columns: strings and JSON as UTF-8 text, int64, double, boolean, UTC timestamps
 * in ms), data pages v1, ZSTD, and `edge-analytics.event_type` / `edge-analytics.schema`
 * key-value metadata. Each row holds its values in column order (see `LakeValue` for the forms
 * accepted).
 *
 * Written by the lake's own Parquet writer (./writer), chosen per column kind by measuring
 * realistic rows (bench/lake-encode.mjs):
 * - strings: a dictionary page and RLE_DICTIONARY indices (page, country, browser, status...),
 *   PLAIN once the dictionary passes 65,536 entries or 1 Mi characters; `event_id` DELTA_BYTE_ARRAY;
 * - timestamps: DELTA_BINARY_PACKED (events ms apart delta-encode to under half a byte);
 * - int64: dictionary; float64: PLAIN (measurements such as time_on_page are nearly unique);
 *   booleans bit-packed;
 * - statistics: null counts everywhere; min/max of numbers, timestamps, booleans and of `type`,
 *   `project_id`, `environment`, so the footer has min/max of `timestamp`.
 * It replaces parquet-wasm, whose writer alone took ~1.9 µs per page_view row (the lake-sink
 * benchmark in docs/benchmarks.md) and whose wasm memory never shrank. Memory here is plain JS
 * (per column of a row group: typed arrays, the dictionary, the compressed pages), released when
 * the call returns; zstd's wasm memory grows only to the largest page.
 *
 * Requires {@link initZstd} first. Throws a `LakeRowError` naming the column and row for a row of
 * the wrong length, a null in a non-nullable column or a value of the wrong kind.
 * @example
 * initZstd(zstdWasmModule);
 * const file = encodeLakeRows("page_view", rows); // Uint8Array, ready for R2 put
 */
export function encodeLakeRows(type: EventType, rows: readonly LakeRow[], options: ParquetWriteOptions = {}): Uint8Array {
  assertZstdInitialised("encodeLakeRows");
  // The type often comes from a partition key or a queue message, not from typed code.
  if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${JSON.stringify(type)}`);
  const maxRowGroupRows = options.maxRowGroupRows ?? DEFAULT_MAX_ROW_GROUP_ROWS;
  if (!Number.isSafeInteger(maxRowGroupRows) || maxRowGroupRows < 1) {
    throw new RangeError(`maxRowGroupRows must be a positive integer, got ${maxRowGroupRows}`);
  }
  const columns = lakeColumns(type);
  for (let r = 0; r < rows.length; r++) {
    const length = rows[r]?.length;
    if (length !== columns.length) {
      throw new LakeRowError(undefined, r, `row has ${length ?? "no"} values, the ${type} table has ${columns.length} columns`);
    }
  }
  const policies = columns.map((column) => policyOf(column.name));
  const file = new FileParts();
  file.push(MAGIC);
  const rowGroups: RowGroupMeta[] = [];
  for (let start = 0; start < rows.length; start += maxRowGroupRows) {
    const end = Math.min(rows.length, start + maxRowGroupRows);
    const fileOffset = file.offset;
    const collectors = columns.map((column, index) => columnCollector(column, index, start, end - start, policies[index] as ColumnPolicy));
    for (let blockStart = start; blockStart < end; blockStart += BLOCK_ROWS) {
      const blockEnd = Math.min(end, blockStart + BLOCK_ROWS);
      for (const collector of collectors) collector.collect(rows, blockStart, blockEnd);
    }
    const chunks = collectors.map((collector) => collector.write(file));
    rowGroups.push({ columns: chunks, numRows: end - start, fileOffset });
  }
  const footer = fileMetadataBytes({
    leaves: columns.map(schemaLeafOf),
    numRows: rows.length,
    rowGroups,
    keyValueMetadata: new Map([
      [EVENT_TYPE_METADATA_KEY, type],
      [SCHEMA_METADATA_KEY, schemaFingerprint(columns)],
    ]),
    createdBy: PARQUET_CREATED_BY,
  });
  file.push(footer);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  file.push(length);
  file.push(MAGIC);
  return file.concat();
}
