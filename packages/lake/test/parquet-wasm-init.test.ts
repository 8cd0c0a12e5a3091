// Its own test file: vitest gives each file a fresh module graph, so parquet-wasm starts
// uninitialised here whatever the other files do.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { lakeColumns } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { encodeLakeRows } from "../src/parquet/encode-lake-rows.ts";
import { initParquetWasm, isParquetWasmInitialised } from "../src/parquet/parquet-wasm.ts";

const wasmBytes = readFileSync(createRequire(import.meta.url).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm"));

const customRow = lakeColumns("custom").map((column) => {
  switch (column.kind) {
    case "timestamp":
      return "2024-01-15T10:30:00.000Z";
    case "boolean":
      return false;
    default:
      return column.nullable ? null : "x";
  }
});

describe("initParquetWasm", () => {
  it("encodeLakeRows before initialisation fails with a message saying what to do", () => {
    expect(isParquetWasmInitialised()).toBe(false);
    expect(() => encodeLakeRows("custom", [customRow])).toThrow(/parquet-wasm is not initialised; call initParquetWasm/);
  });

  it("initialises from a compiled WebAssembly.Module (as a Worker does), once", () => {
    initParquetWasm(new WebAssembly.Module(wasmBytes));
    expect(isParquetWasmInitialised()).toBe(true);
    const file = encodeLakeRows("custom", [customRow]);
    expect(new TextDecoder().decode(file.subarray(0, 4))).toBe("PAR1");
    // A second call (here with bytes, as Node tests pass) is a no-op, not a second instance.
    // (Files are compared by length: parquet-wasm orders key-value metadata from a Rust HashMap,
    // so the bytes of two encodings of the same rows may differ in that order.)
    initParquetWasm(wasmBytes);
    expect(encodeLakeRows("custom", [customRow]).length).toBe(file.length);
  });
});
