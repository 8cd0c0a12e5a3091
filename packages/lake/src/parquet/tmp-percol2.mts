import { readFileSync } from "node:fs";
import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
import { lakeRowsToArrow } from "./lake-rows-to-arrow.ts";
import { initParquetWasm } from "./parquet-wasm.ts";
import { tableToIPC } from "apache-arrow";
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression, WriterVersion, EnabledStatistics, Encoding } from "parquet-wasm/esm";
initParquetWasm(readFileSync("node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm"));
const N = Number(process.argv[2] ?? 100_000);
const rows = toLakeRows(generatePageViews(N));
const table = lakeRowsToArrow("page_view", rows);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
type B = WriterPropertiesBuilder;
const variants: Record<string, (b: B) => B> = {
  "v1 dict": (b) => b,
  "v1 plain": (b) => b.setDictionaryEnabled(false),
  "v1 plain uncompressed": (b) => b.setDictionaryEnabled(false).setCompression(Compression.UNCOMPRESSED),
  "v1 dict uncompressed": (b) => b.setCompression(Compression.UNCOMPRESSED),
  "v2 dict": (b) => b.setWriterVersion(WriterVersion.V2),
  "v2 plain": (b) => b.setWriterVersion(WriterVersion.V2).setDictionaryEnabled(false),
  "v1 delta": (b) => b.setDictionaryEnabled(false).setEncoding(Encoding.DELTA_BINARY_PACKED),
  "v1 dlba": (b) => b.setDictionaryEnabled(false).setEncoding(Encoding.DELTA_LENGTH_BYTE_ARRAY),
  "v1 dba": (b) => b.setDictionaryEnabled(false).setEncoding(Encoding.DELTA_BYTE_ARRAY),
  "v1 bss": (b) => b.setDictionaryEnabled(false).setEncoding(Encoding.BYTE_STREAM_SPLIT),
  "v2 dba": (b) => b.setWriterVersion(WriterVersion.V2).setDictionaryEnabled(false).setEncoding(Encoding.DELTA_BYTE_ARRAY),
  "v2 delta": (b) => b.setWriterVersion(WriterVersion.V2).setDictionaryEnabled(false).setEncoding(Encoding.DELTA_BINARY_PACKED),
};
const colsArg = (process.argv[3] ?? "event_id,timestamp,received_at,time_on_page,session_id,page_url").split(",");
for (const name of colsArg) {
  const ipc = tableToIPC(table.select([name]), "stream");
  for (const [vname, f] of Object.entries(variants)) {
    let best = 1e9, size = 0;
    try {
      for (let k = 0; k < 4; k++) {
        const wt = WasmTable.fromIPCStream(ipc);
        const props = f(new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk)).build();
        const t = cpu(); const out = writeParquet(wt, props); best = Math.min(best, cpu() - t); size = out.length;
      }
      console.log(name.padEnd(14), vname.padEnd(24), (best * 1e6 / N).toFixed(0).padStart(5), "ns/row", (size / N).toFixed(2).padStart(6), "B/row");
    } catch (e) { console.log(name.padEnd(14), vname.padEnd(24), "error", String(e).slice(0, 80)); }
  }
}
