import { readFileSync } from "node:fs";
import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
import { lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { initParquetWasm } from "./parquet-wasm.ts";
import { tableToIPC } from "apache-arrow";
import { lakeColumns } from "@edge-analytics/event-schema";
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression, WriterVersion, EnabledStatistics, Encoding } from "parquet-wasm/esm";
initParquetWasm(readFileSync("node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm"));
const N = Number(process.argv[2] ?? 50_000);
const rows = toLakeRows(generatePageViews(N));
const ipc = tableToIPC(lakeRowsToArrow("page_view", rows), "stream");
type B = WriterPropertiesBuilder;
const cols = lakeColumns("page_view");
const ts = (b: B, enc?: Encoding) => { for (const c of cols) if (c.kind === "timestamp") { b = b.setColumnDictionaryEnabled(c.name, false); if (enc !== undefined) b = b.setColumnEncoding(c.name, enc); } return b; };
const configs: Record<string, (b: B) => B> = {
  "v1 plain zstd none": (b) => b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.None),
  "v1 dict zstd chunk": (b) => b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk),
  "v1 dict zstd page": (b) => b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Page),
  "v2 dict zstd page": (b) => b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Page),
  "v2 dict zstd chunk": (b) => b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk),
  "v2 dict uncompressed chunk": (b) => b.setWriterVersion(WriterVersion.V2).setCompression(Compression.UNCOMPRESSED).setStatisticsEnabled(EnabledStatistics.Chunk),
  "v2 dict snappy chunk": (b) => b.setWriterVersion(WriterVersion.V2).setCompression(Compression.SNAPPY).setStatisticsEnabled(EnabledStatistics.Chunk),
  "v1 chunk ts-delta": (b) => ts(b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED),
  "v2 chunk ts-delta": (b) => ts(b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED),
  "v2 chunk ts-nodict": (b) => ts(b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk)),
  "v2 chunk ts-delta id-dba": (b) => ts(b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED).setColumnDictionaryEnabled("event_id", false).setColumnEncoding("event_id", Encoding.DELTA_BYTE_ARRAY),
  "v2 chunk ts-delta id-plain": (b) => ts(b.setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED).setColumnDictionaryEnabled("event_id", false).setColumnEncoding("event_id", Encoding.PLAIN),
  "v1 chunk ts-delta id-plain": (b) => ts(b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED).setColumnDictionaryEnabled("event_id", false).setColumnEncoding("event_id", Encoding.PLAIN),
  "v1 chunk ts-delta id-dba": (b) => ts(b.setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk), Encoding.DELTA_BINARY_PACKED).setColumnDictionaryEnabled("event_id", false).setColumnEncoding("event_id", Encoding.DELTA_BYTE_ARRAY),
};
const only = process.argv[3];
for (let round = 0; round < 2; round++) for (const [name, f] of Object.entries(configs)) {
  if (only && !name.includes(only)) continue;
  let best = 1e9, size = 0;
  for (let k = 0; k < 3; k++) {
    const wt = WasmTable.fromIPCStream(ipc);
    const props = f(new WriterPropertiesBuilder()).build();
    const t = performance.now(); const out = writeParquet(wt, props); best = Math.min(best, performance.now() - t); size = out.length;
  }
  if (round === 1) console.log(name.padEnd(30), (best * 1e6 / N).toFixed(0).padStart(5), "ns/row", (size / N).toFixed(2), "B/row");
}
