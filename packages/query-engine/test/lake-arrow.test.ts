// Lake Parquet → Arrow IPC (src/lake-arrow.ts) in Node, over files from the lake's own writer and
// from arrow-rs (parquet-wasm: another writer, an older schema, microsecond timestamps). Values
// are compared with the records the files were written from; the IPC is read back with
// apache-arrow, independently of DuckDB.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { lakeColumns } from "@edge-analytics/event-schema";
import { initZstd } from "@edge-analytics/lake";
import { Field, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Table, tableFromIPC, TimeUnit, Timestamp, Utf8 } from "apache-arrow";
import { Compression, initSync as initParquetWasm, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from "parquet-wasm/esm";
import { beforeAll, describe, expect, it } from "vitest";
import { readLakeFile, readLakeFiles } from "../src/lake-arrow.ts";
import { LakeFileError } from "../src/lake-file-error.ts";
import { FOOTER_READ_AHEAD, memoryAsyncBuffer } from "../src/r2-async-buffer.ts";
import { type PageViewRecord, pageViewFile, pageViews } from "./page-views.ts";

const require = createRequire(import.meta.url);
const START = Date.parse("2026-11-25T10:00:00.000Z");
const records = pageViews(5000, { start: START, stepMs: 1000, seed: 7 });
let file: Uint8Array;

beforeAll(() => {
  initZstd(readFileSync(require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  initParquetWasm({ module: readFileSync(require.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")) });
  // Row groups of 1000 rows: five, each 1000 seconds of events.
  file = pageViewFile(records, 1000);
});

/** A row of the IPC as plain values: timestamps as epoch ms, text as strings. */
function rowsOf(ipc: Uint8Array): Record<string, unknown>[] {
  const table = tableFromIPC(ipc);
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
}

/** What a record must come back as: properties as the JSON text the writer stored. */
function expectedRow(record: PageViewRecord, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    columns.map((name) => {
      const value = record[name as keyof PageViewRecord];
      return [name, name === "properties" && value !== null ? JSON.stringify(value) : value];
    }),
  );
}

describe("readLakeFile", () => {
  it("decodes every column of every row, nulls and non-ASCII text included", async () => {
    const result = await readLakeFile({ file: memoryAsyncBuffer(file), type: "page_view" });
    expect(result).toMatchObject({ rows: 5000, rowGroupsRead: 5, rowGroupsSkipped: 0 });
    const names = lakeColumns("page_view").map((c) => c.name);
    expect(tableFromIPC(result.ipc).schema.fields.map((f) => `${f.name}:${f.type}`)).toContain("timestamp:Timestamp<MILLISECOND>");
    expect(rowsOf(result.ipc)).toEqual(records.map((r) => expectedRow(r, names)));
  });

  it("reads only the requested columns, in the requested order", async () => {
    const buffer = memoryAsyncBuffer(file);
    const result = await readLakeFile({ file: buffer, type: "page_view", columns: ["page_url", "timestamp"] });
    expect(tableFromIPC(result.ipc).schema.fields.map((f) => f.name)).toEqual(["page_url", "timestamp"]);
    expect(rowsOf(result.ipc)).toEqual(records.map((r) => expectedRow(r, ["page_url", "timestamp"])));
    const all = memoryAsyncBuffer(file);
    await readLakeFile({ file: all, type: "page_view" });
    expect(result.bytesRead).toBe(buffer.stats.bytesRead);
    expect(result.bytesRead).toBeLessThan(all.stats.bytesRead / 2);
  });

  it("skips row groups outside the time range by their statistics", async () => {
    // Rows 1500..3499: row groups 1, 2 and 3 (of 0..4) hold some of them.
    const gte = START + 1500 * 1000;
    const lt = START + 3500 * 1000;
    const result = await readLakeFile({ file: memoryAsyncBuffer(file), type: "page_view", columns: ["event_id", "timestamp"], rowGroups: { timestamp: { gte, lt } } });
    expect(result).toMatchObject({ rows: 3000, rowGroupsRead: 3, rowGroupsSkipped: 2 });
    expect(rowsOf(result.ipc).map((r) => r.event_id)).toEqual(records.slice(1000, 4000).map((r) => r.event_id));
  });

  it("skips a file of another project after reading only its footer", async () => {
    const buffer = memoryAsyncBuffer(file);
    const result = await readLakeFile({ file: buffer, type: "page_view", rowGroups: { project_id: { in: ["blog"] } } });
    expect(result).toMatchObject({ rows: 0, rowGroupsRead: 0, rowGroupsSkipped: 5 });
    expect(result.bytesRead).toBeLessThanOrEqual(FOOTER_READ_AHEAD);
    expect(tableFromIPC(result.ipc).numRows).toBe(0);
    expect(tableFromIPC(result.ipc).schema.fields).toHaveLength(lakeColumns("page_view").length);
  });

  it("names the file and the problem", async () => {
    await expect(readLakeFile({ file: memoryAsyncBuffer(file), key: "events/x.parquet", type: "page_view", columns: ["nope"] })).rejects.toThrow(
      new LakeFileError("events/x.parquet", 'the page_view table has no column "nope"'),
    );
    const garbage = memoryAsyncBuffer(new TextEncoder().encode("not parquet at all"));
    await expect(readLakeFile({ file: garbage, key: "events/bad.parquet", type: "page_view" })).rejects.toThrow(/^events\/bad.parquet: not a readable Parquet file/);
  });
});

describe("readLakeFiles", () => {
  it("makes one stream of several files, skipping row groups in each", async () => {
    const later = pageViews(2000, { start: START + 10_000_000, stepMs: 1000, seed: 8, idPrefix: "b" });
    const other = pageViews(1000, { start: START, stepMs: 1000, seed: 9, projectId: "blog", idPrefix: "c" });
    const files = [file, pageViewFile(later, 1000), pageViewFile(other, 1000)].map((bytes, i) => ({ key: `f${i}`, file: memoryAsyncBuffer(bytes) }));
    const result = await readLakeFiles(files, { type: "page_view", columns: ["event_id", "project_id"], rowGroups: { project_id: { in: ["shop"] }, timestamp: { gte: START + 4000 * 1000 } } });
    expect(result).toMatchObject({ rows: 3000, rowGroupsRead: 3, rowGroupsSkipped: 5 });
    expect(rowsOf(result.ipc).map((r) => r.event_id)).toEqual([...records.slice(4000), ...later].map((r) => r.event_id));
    expect(result.bytesRead).toBe(files.reduce((sum, f) => sum + f.file.stats.bytesRead, 0));
  });
});

describe("a file from another writer and an older schema (arrow-rs, microsecond timestamps)", () => {
  it("reads it, with the columns it predates as nulls", async () => {
    const times = [START, START + 1500];
    const schema = new Schema([
      new Field("type", new Utf8(), false),
      new Field("event_id", new Utf8(), false),
      new Field("timestamp", new Timestamp(TimeUnit.MICROSECOND, "UTC"), false),
      new Field("page_url", new Utf8(), false),
    ]);
    const text = (values: string[]) => {
      const bytes = values.map((v) => new TextEncoder().encode(v));
      const offsets = new Int32Array(values.length + 1);
      bytes.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
      const data = new Uint8Array(offsets[values.length]!);
      bytes.forEach((b, i) => data.set(b, offsets[i]!));
      return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data });
    };
    const columns = [
      text(["page_view", "page_view"]),
      text(["e1", "e2"]),
      makeData({ type: new Timestamp(TimeUnit.MICROSECOND, "UTC"), length: 2, data: BigInt64Array.from(times.map((t) => BigInt(t) * 1000n + 999n)) }),
      text(["https://a.example/", "https://b.example/ü"]),
    ];
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: columns }));
    const ipc = RecordBatchStreamWriter.writeAll(new Table([batch])).toUint8Array(true);
    const parquet = writeParquet(WasmTable.fromIPCStream(ipc), new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build());
    const result = await readLakeFile({ file: memoryAsyncBuffer(parquet), type: "page_view", columns: ["event_id", "timestamp", "page_url", "channel", "time_on_page"] });
    expect(rowsOf(result.ipc)).toEqual([
      { event_id: "e1", timestamp: times[0], page_url: "https://a.example/", channel: null, time_on_page: null },
      { event_id: "e2", timestamp: times[1], page_url: "https://b.example/ü", channel: null, time_on_page: null },
    ]);
    await expect(readLakeFile({ file: memoryAsyncBuffer(parquet), key: "old.parquet", type: "page_view", columns: ["session_id"] })).rejects.toThrow(
      'old.parquet: the file lacks the non-null page_view column "session_id"',
    );
  });
});

const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
const NO_CODEGEN_SCRIPT = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initZstd } from "@edge-analytics/lake";
import { readLakeFile } from ${source("../src/lake-arrow.ts")};
import { memoryAsyncBuffer } from ${source("../src/r2-async-buffer.ts")};
import { pageViewFile, pageViews } from ${source("./page-views.ts")};
initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
const file = pageViewFile(pageViews(3000, { start: 0, stepMs: 1000 }), 1000);
const result = await readLakeFile({ file: memoryAsyncBuffer(file), type: "page_view" });
let refused = "no";
try { new Function("return 1"); } catch (error) { refused = error.name; }
process.stdout.write(result.rows + " rows, " + result.ipc.length + " bytes; new Function: " + refused + "\\n");
`;

describe("without code generation from strings (as in workerd)", () => {
  // Node strips the sources' types itself from 22.18 (process.features.typescript).
  it.skipIf(!process.features.typescript)("decodes a file to Arrow IPC", () => {
    const child = spawnSync(process.execPath, ["--disallow-code-generation-from-strings", "--input-type=module", "-e", NO_CODEGEN_SCRIPT], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
    });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.stdout).toMatch(/^3000 rows, \d+ bytes; new Function: EvalError\n$/);
    expect(child.status).toBe(0);
  });
});
