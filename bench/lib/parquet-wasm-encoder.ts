// The lake's previous encoder, kept as a reference for bench/lake-encode.mjs: Arrow built from the
// rows (lakeRowsToArrow) and written by parquet-wasm (arrow-rs) with the same per-column choices
// the lake's own writer makes (packages/lake/src/parquet/encode-lake-rows.ts). It was replaced
// because arrow-rs's writer alone took ~1.9 µs per page_view row in wasm and its memory never
// shrank; the benchmark prints both so the gap stays measured.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { tableToIPC } from "apache-arrow";
import {
  Compression,
  EnabledStatistics,
  Encoding,
  initSync,
  Table as WasmTable,
  type WriterProperties,
  WriterPropertiesBuilder,
  WriterVersion,
  wasmMemory,
  writeParquet,
} from "parquet-wasm/esm";
import {
  EVENT_TYPE_METADATA_KEY,
  PARQUET_CREATED_BY,
  SCHEMA_METADATA_KEY,
  STRING_COLUMNS_WITH_STATISTICS,
  UNIQUE_PER_ROW_COLUMNS,
} from "../../packages/lake/src/parquet/encode-lake-rows.ts";
import type { LakeRow } from "../../packages/lake/src/parquet/lake-row.ts";
import { lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { schemaFingerprint } from "../../packages/lake/src/parquet/schema-fingerprint.ts";

let initialised = false;

/** Encodes rows as the previous encoder did (parquet-wasm initialised from node_modules on first use). */
export function encodeWithParquetWasm(type: EventType, rows: readonly LakeRow[], maxRowGroupRows = 128 * 1024): Uint8Array {
  if (!initialised) {
    const require = createRequire(import.meta.url);
    const path = require.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm", { paths: [fileURLToPath(new URL("../../packages/lake/", import.meta.url))] });
    initSync({ module: readFileSync(path) });
    initialised = true;
  }
  const ipc = tableToIPC(lakeRowsToArrow(type, rows), "stream");
  // writeParquet takes ownership of (and frees) both arguments.
  return writeParquet(WasmTable.fromIPCStream(ipc), writerProperties(type, maxRowGroupRows));
}

/** parquet-wasm's linear memory in bytes: it never shrinks. */
export function parquetWasmMemoryBytes(): number {
  return initialised ? wasmMemory().buffer.byteLength : 0;
}

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
 *   row groups and pages by `timestamp`), except for most string columns (STRING_COLUMNS_WITH_STATISTICS;
 *   computing them was 15% of parquet-wasm's write time of page_view rows).
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
