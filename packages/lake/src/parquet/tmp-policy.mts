import { readFileSync } from "node:fs";
import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
import { lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { initParquetWasm } from "./parquet-wasm.ts";
import { tableToIPC } from "apache-arrow";
import { lakeColumns } from "@edge-analytics/event-schema";
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression, WriterVersion, EnabledStatistics, Encoding } from "parquet-wasm/esm";
initParquetWasm(readFileSync("node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm"));
const N = Number(process.argv[2] ?? 100_000);
const rows = toLakeRows(generatePageViews(N));
const ipc = tableToIPC(lakeRowsToArrow("page_view", rows), "stream");
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
type B = WriterPropertiesBuilder;
function policy(b: B, fallbackDba: boolean): B {
  for (const c of lakeColumns("page_view")) {
    if (c.name === "event_id") b = b.setColumnDictionaryEnabled(c.name, false).setColumnEncoding(c.name, Encoding.DELTA_BYTE_ARRAY);
    else if (c.kind === "timestamp") b = b.setColumnDictionaryEnabled(c.name, false).setColumnEncoding(c.name, Encoding.DELTA_BINARY_PACKED);
    else if (c.kind === "float64") b = b.setColumnDictionaryEnabled(c.name, false);
    else if ((c.kind === "string" || c.kind === "json") && fallbackDba) b = b.setColumnEncoding(c.name, Encoding.DELTA_BYTE_ARRAY);
  }
  return b;
}
const variants: Record<string, (b: B) => B> = {
  "v1 default chunk": (b) => b.setStatisticsEnabled(EnabledStatistics.Chunk),
  "v2 default chunk": (b) => b.setWriterVersion(WriterVersion.V2).setStatisticsEnabled(EnabledStatistics.Chunk),
  "v1 policy chunk": (b) => policy(b.setStatisticsEnabled(EnabledStatistics.Chunk), false),
  "v1 policy+dba chunk": (b) => policy(b.setStatisticsEnabled(EnabledStatistics.Chunk), true),
  "v1 policy+dba page": (b) => policy(b.setStatisticsEnabled(EnabledStatistics.Page), true),
  "v2 policy chunk": (b) => policy(b.setWriterVersion(WriterVersion.V2).setStatisticsEnabled(EnabledStatistics.Chunk), false),
  "v2 policy page": (b) => policy(b.setWriterVersion(WriterVersion.V2).setStatisticsEnabled(EnabledStatistics.Page), false),
  "v1 policy+dba none": (b) => policy(b.setStatisticsEnabled(EnabledStatistics.None), true),
};
for (let round = 0; round < 2; round++) for (const [vname, f] of Object.entries(variants)) {
  let best = 1e9, wall = 1e9, size = 0;
  for (let k = 0; k < 3; k++) {
    const wt = WasmTable.fromIPCStream(ipc);
    const props = f(new WriterPropertiesBuilder().setCompression(Compression.ZSTD)).build();
    const t = cpu(); const w = performance.now(); const out = writeParquet(wt, props); best = Math.min(best, cpu() - t); wall = Math.min(wall, performance.now() - w); size = out.length;
  }
  if (round) console.log(vname.padEnd(24), (best * 1e6 / N).toFixed(0).padStart(5), "ns/row cpu", (wall * 1e6 / N).toFixed(0).padStart(5), "wall", (size / N).toFixed(2).padStart(6), "B/row");
}
