// Cutting an Arrow IPC stream into pieces for DuckDB-WASM's insert (src/arrow-chunks.ts): every
// row once, in order, with the schema in every piece.
import { lakeColumns } from "@edge-analytics/event-schema";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ipcChunks } from "../src/arrow-chunks.ts";
import { arrowSchemaOf, columnData, ipcStreamOf, recordBatchOf } from "../src/arrow-vectors.ts";

const columns = lakeColumns("page_view").filter((c) => ["event_id", "timestamp", "page_url", "time_on_page", "is_bot"].includes(c.name));
const schema = arrowSchemaOf(columns);

function batch(from: number, rows: number) {
  const values: Record<string, unknown[]> = {
    event_id: Array.from({ length: rows }, (_, i) => `e${from + i}`),
    timestamp: Array.from({ length: rows }, (_, i) => BigInt(from + i)),
    page_url: Array.from({ length: rows }, (_, i) => ((from + i) % 7 === 0 ? null : `https://shop.example/ü/${from + i}`)),
    time_on_page: Array.from({ length: rows }, (_, i) => ((from + i) % 5 === 0 ? null : (from + i) / 4)),
    is_bot: Array.from({ length: rows }, (_, i) => (from + i) % 3 === 0),
  };
  return recordBatchOf(schema, columns.map((c) => columnData(c.kind, values[c.name]!)), rows);
}

const rowsOf = (ipc: Uint8Array) => tableFromIPC(ipc).toArray().map((row: { toJSON(): unknown }) => row.toJSON());

describe("ipcChunks", () => {
  const ipc = ipcStreamOf(schema, [batch(0, 5000), batch(5000, 3), batch(5003, 12000)]);

  it("keeps a stream under the limit whole", () => {
    const chunks = ipcChunks(ipc, ipc.byteLength);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toBe(ipc);
  });

  it("slices batches into pieces under the limit, every row once and in order", () => {
    const chunks = ipcChunks(ipc, 64 * 1024);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(tableFromIPC(chunk).schema.fields.map(String)).toEqual(schema.fields.map(String));
      expect(chunk.byteLength).toBeLessThan(96 * 1024);
    }
    expect(chunks.flatMap(rowsOf)).toEqual(rowsOf(ipc));
  });

  it("keeps a stream without batches as it is (an empty table)", () => {
    const empty = ipcStreamOf(schema, []);
    const chunks = ipcChunks(empty);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toBe(empty);
    // Over the limit it is written again, still one schema-only stream.
    const [again, ...rest] = ipcChunks(empty, 1);
    expect(rest).toEqual([]);
    expect(tableFromIPC(again!).numRows).toBe(0);
    expect(tableFromIPC(again!).schema.fields.map(String)).toEqual(schema.fields.map(String));
  });
});

describe("ipcChunks on bad input", () => {
  it("refuses bytes that are not an Arrow IPC stream", () => {
    expect(() => ipcChunks(new TextEncoder().encode("hello world, not arrow at all"))).toThrow();
  });

  it("completes a stream that lacks its end-of-stream marker", () => {
    const whole = ipcStreamOf(schema, [batch(0, 10)]);
    const cut = whole.slice(0, whole.byteLength - 8);
    const [chunk] = ipcChunks(cut);
    expect(Array.from(chunk!.slice(-8))).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
    expect(rowsOf(chunk!)).toEqual(rowsOf(whole));
  });
});
