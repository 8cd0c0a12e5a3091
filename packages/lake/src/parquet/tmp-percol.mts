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
const table = lakeRowsToArrow("page_view", rows);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const mode = process.argv[3] ?? "dict";
let total = 0, totalSize = 0;
for (const c of lakeColumns("page_view")) {
  const ipc = tableToIPC(table.select([c.name]), "stream");
  let best = 1e9, size = 0;
  for (let k = 0; k < 5; k++) {
    const wt = WasmTable.fromIPCStream(ipc);
    let b = new WriterPropertiesBuilder().setWriterVersion(WriterVersion.V1).setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk);
    if (mode === "plain") b = b.setDictionaryEnabled(false);
    if (mode === "delta" && (c.kind === "timestamp")) b = b.setDictionaryEnabled(false).setEncoding(Encoding.DELTA_BINARY_PACKED);
    const props = b.build();
    const t = cpu(); const out = writeParquet(wt, props); best = Math.min(best, cpu() - t); size = out.length;
  }
  total += best; totalSize += size;
  console.log(c.name.padEnd(16), (best * 1e6 / N).toFixed(0).padStart(5), "ns/row", (size / N).toFixed(2).padStart(6), "B/row");
}
console.log("total", (total * 1e6 / N).toFixed(0), "ns/row", (totalSize / N).toFixed(2), "B/row");
