import { type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { tableToIPC } from "apache-arrow";
import {
  Compression,
  EnabledStatistics,
  Encoding,
  Table as WasmTable,
  type WriterProperties,
  WriterPropertiesBuilder,
  WriterVersion,
  writeParquet,
} from "parquet-wasm/esm";
import { type LakeRow, lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { assertParquetWasmInitialised } from "./parquet-wasm.ts";
import { schemaFingerprint } from "./schema-fingerprint.ts";

/** Options of {@link encodeLakeRows}. */
export interface ParquetWriteOptions {
  /** Rows per row group (default {@link DEFAULT_MAX_ROW_GROUP_ROWS}). */
  readonly maxRowGroupRows?: number;
}

/**
 * 128Ki rows (about 3.5 MB of page views): what a Worker can encode in one call (tens of
 * thousands of rows, see encodeLakeRows) is one row group; larger files get row groups that
 * readers can skip by their timestamp statistics, each large enough for its dictionary pages to
 * pay off.
 */
export const DEFAULT_MAX_ROW_GROUP_ROWS = 128 * 1024;

/** `created_by` of every file: the writer application, as Parquet tools display it. */
export const PARQUET_CREATED_BY = "edge-analytics";
/** Key-value metadata key holding the event type of the file's rows. */
export const EVENT_TYPE_METADATA_KEY = "edge-analytics.event_type";
/** Key-value metadata key holding {@link schemaFingerprint} of the file's columns. */
export const SCHEMA_METADATA_KEY = "edge-analytics.schema";

/**
 * Encodes lake rows of one event type as a Parquet file: columns `lakeColumns(type)` with the
 * Arrow schema `arrowSchemaFor(type)`, ZSTD, dictionary pages, page statistics (so the footer has
 * min/max of `timestamp`), and `edge-analytics.event_type` / `edge-analytics.schema` metadata.
 * Each row holds its values in column order (see `LakeValue` for the accepted forms).
 *
 * Requires {@link initParquetWasm} first. Throws a `LakeRowError` naming the column and row for a
 * row of the wrong length, a null in a non-nullable column or a value of the wrong kind.
 *
 * Memory: parquet-wasm's wasm memory grows to two to three times the Arrow size of the rows
 * (about 350 bytes per page_view: 37 MB after one call with 50k page views, 54 MB after many)
 * and never shrinks, so in a Worker (128 MB) encode at most a few tens of thousands of rows per
 * call.
 * @example
 * initParquetWasm(wasmModule);
 * const file = encodeLakeRows("page_view", rows); // Uint8Array, ready for R2 put
 */
export function encodeLakeRows(type: EventType, rows: readonly LakeRow[], options: ParquetWriteOptions = {}): Uint8Array {
  assertParquetWasmInitialised("encodeLakeRows");
  const maxRowGroupRows = options.maxRowGroupRows ?? DEFAULT_MAX_ROW_GROUP_ROWS;
  if (!Number.isSafeInteger(maxRowGroupRows) || maxRowGroupRows < 1) {
    throw new RangeError(`maxRowGroupRows must be a positive integer, got ${maxRowGroupRows}`);
  }
  const ipc = tableToIPC(lakeRowsToArrow(type, rows), "stream");
  // wasm memory never shrinks and a Worker has 128 MB: every parquet-wasm object made here is
  // either handed to writeParquet, which takes ownership of both its arguments (and frees them
  // on success and on error), or freed here.
  const table = WasmTable.fromIPCStream(ipc);
  let properties: WriterProperties;
  try {
    properties = writerProperties(type, maxRowGroupRows);
  } catch (error) {
    table.free();
    throw error;
  }
  return writeParquet(table, properties);
}

/**
 * Columns whose every value is distinct: a dictionary would only grow until the writer gives up
 * on it. UUIDv7 ids in time order share their leading digits with the previous id, which
 * DELTA_BYTE_ARRAY stores once (measured: 13.4 instead of 14.3 bytes per id, and half the time).
 */
const UNIQUE_PER_ROW_COLUMNS: ReadonlySet<string> = new Set(["event_id"]);

/**
 * String columns that keep statistics. Min/max of the others (ids, URLs, titles, countries) span
 * almost their whole range in any row group, so no reader can skip anything with them, and
 * computing them was 15% of the write time of page_view rows; these three are constant or
 * nearly so within a file, cost nothing, and let a reader skip files of another type, project or
 * environment.
 */
const STRING_COLUMNS_WITH_STATISTICS: ReadonlySet<string> = new Set(["type", "project_id", "environment"]);

/**
 * Writer properties, chosen by measuring realistic page_view rows (bench/lake-encode.mjs; bytes per
 * row at 100k rows, ZSTD):
 * - Writer version 1 (data page v1): the widest reader support (older Spark, Athena engine 2),
 *   and with the same per-column encodings version 2 was no smaller (27.6 vs 27.3 B/row). The
 *   delta encodings below are chosen per column instead of relying on version 2's fallbacks.
 * - Dictionary on for strings, JSON and int64 (low cardinality: page, country, browser, status
 *   code...), with the default PLAIN fallback for a dictionary that outgrows its page. Not a
 *   DELTA_BYTE_ARRAY fallback: it was no smaller here, and its encoders made the writer's wasm
 *   memory 34 MB larger for 10k rows (wasm memory never shrinks; a Worker has 128 MB).
 * - Timestamps: no dictionary, DELTA_BINARY_PACKED: events a few ms apart delta-encode to under
 *   half a byte (0.44 B/row; a dictionary: 2.95 B/row at seven times the time).
 * - float64: no dictionary, PLAIN: measurements such as time_on_page are nearly unique
 *   (dictionary 5.7 B/row, BYTE_STREAM_SPLIT 6.6, PLAIN 3.6).
 * - Page-level statistics (min/max/null count in the footer and the page index, so readers skip
 *   row groups and pages by `timestamp`), except for most string columns (see above).
 * Total: 27.3 B/row with this policy against 35.5 with parquet-wasm's defaults.
 * An encoding that does not fit a column's physical type aborts the wasm module ("unreachable"),
 * so encodings are set by column kind only.
 */
function writerProperties(type: EventType, maxRowGroupRows: number): WriterProperties {
  const columns = lakeColumns(type);
  // Every setter consumes its builder and returns a new one: there is one live builder at a time.
  let builder = new WriterPropertiesBuilder()
    .setWriterVersion(WriterVersion.V1)
    .setCompression(Compression.ZSTD)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .setMaxRowGroupSize(maxRowGroupRows)
    .setCreatedBy(PARQUET_CREATED_BY)
    .setKeyValueMetadata(
      new Map([
        [EVENT_TYPE_METADATA_KEY, type],
        [SCHEMA_METADATA_KEY, schemaFingerprint(columns)],
      ]),
    );
  for (const { name, kind } of columns) {
    switch (kind) {
      case "string":
      case "json":
        if (UNIQUE_PER_ROW_COLUMNS.has(name)) {
          builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, Encoding.DELTA_BYTE_ARRAY);
        }
        if (!STRING_COLUMNS_WITH_STATISTICS.has(name)) builder = builder.setColumnStatisticsEnabled(name, EnabledStatistics.None);
        break;
      case "timestamp":
        builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, Encoding.DELTA_BINARY_PACKED);
        break;
      case "float64":
        builder = builder.setColumnDictionaryEnabled(name, false).setColumnEncoding(name, Encoding.PLAIN);
        break;
      case "int64":
      case "boolean":
        // The defaults: int64 codes and counts are dictionary-encoded; booleans are bit-packed.
        break;
    }
  }
  return builder.build();
}
