import { readFileSync } from "node:fs";
import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
import { lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { initParquetWasm } from "./parquet-wasm.ts";
import { encodeLakeRows } from "./encode-lake-rows.ts";
import { tableToIPC } from "apache-arrow";
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression, WriterVersion, EnabledStatistics, wasmMemory } from "parquet-wasm/esm";
initParquetWasm(readFileSync("node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm"));
const N = Number(process.argv[2] ?? 50_000);
const rows = toLakeRows(generatePageViews(N));
const best: Record<string, number> = {};
const note = (k: string, v: number) => { best[k] = Math.min(best[k] ?? 1e9, v); };
for (let i = 0; i < Number(process.argv[3] ?? 10); i++) {
  let t = performance.now();
  const table = lakeRowsToArrow("page_view", rows); note("arrow", performance.now() - t); t = performance.now();
  const ipc = tableToIPC(table, "stream"); note("ipc", performance.now() - t); t = performance.now();
  const wt = WasmTable.fromIPCStream(ipc); note("fromIPC", performance.now() - t); t = performance.now();
  const props = new WriterPropertiesBuilder().setWriterVersion(WriterVersion.V2).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Page).build();
  const out = writeParquet(wt, props); note("write", performance.now() - t); t = performance.now();
  const all = encodeLakeRows("page_view", rows); note("encodeLakeRows", performance.now() - t);
  if (i === 0) console.log("bytes/row", (out.length / N).toFixed(1), (all.length / N).toFixed(1));
}
console.log(Object.entries(best).map(([k, v]) => `${k} ${(v * 1e6 / N).toFixed(0)} ns/row`).join(", "), "wasm MB", (wasmMemory().buffer.byteLength / 1e6).toFixed(0));
