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
 * 128Ki rows: a raw file of a few hundred thousand page views gets a few row groups, each a few
 * MB, which readers can skip by their timestamp statistics, while a row group's dictionary pages
 * still amortise over many rows.
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
 * Each row holds its values in column order (see {@link LakeValue} for the accepted forms).
 * Requires {@link initParquetWasm} first. Throws a `LakeRowError` naming the column and row for a
 * null in a non-nullable column or a value of the wrong kind.
 * @example
 * initParquetWasm(wasmModule);
 * const file = encodeLakeRows("page_view", rows); // Uint8Array, ready for R2 put
 */
export function encodeLakeRows(type: EventType, rows: readonly LakeRow[], options: ParquetWriteOptions = {}): Uint8Array {
  assertParquetWasmInitialised("encodeLakeRows");
  const ipc = tableToIPC(lakeRowsToArrow(type, rows), "stream");
  // parquet-wasm objects live in wasm memory, which never shrinks: anything not consumed by
  // writeParquet (which takes ownership of both arguments) is freed here, also on errors.
  const table = WasmTable.fromIPCStream(ipc);
  let properties: WriterProperties | undefined;
  try {
    properties = writerProperties(type, options);
    const consumed = { table, properties };
    properties = undefined;
    return writeParquet(consumed.table, consumed.properties);
  } finally {
    properties?.free();
    freeIfLive(table);
  }
}

/**
 * wasm-bindgen objects passed by value are emptied (pointer 0) by the call that takes them;
 * `free()` on such an object would hand wasm a null pointer.
 */
function freeIfLive(object: { free(): void }): void {
  if ((object as unknown as { __wbg_ptr?: number }).__wbg_ptr) object.free();
}

function writerProperties(type: EventType, options: ParquetWriteOptions): WriterProperties {
  const maxRowGroupRows = options.maxRowGroupRows ?? DEFAULT_MAX_ROW_GROUP_ROWS;
  if (!Number.isSafeInteger(maxRowGroupRows) || maxRowGroupRows < 1) {
    throw new RangeError(`maxRowGroupRows must be a positive integer, got ${maxRowGroupRows}`);
  }
  const columns = lakeColumns(type);
  // Every setter consumes its builder and returns a new one, so there is one live builder at a time.
  let builder = new WriterPropertiesBuilder()
    .setWriterVersion(WriterVersion.V2)
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
  for (const column of columns) {
    if (column.kind === "timestamp") {
      builder = builder.setColumnDictionaryEnabled(column.name, false).setColumnEncoding(column.name, Encoding.DELTA_BINARY_PACKED);
    }
  }
  return builder.build();
}
