// Its own test file: vitest gives each file a fresh module graph, so the compressor starts
// uninitialised here whatever the other files do.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { lakeColumns } from "@edge-analytics/event-schema";
import { decompress } from "fzstd";
import { describe, expect, it } from "vitest";
import { encodeLakeRows } from "../src/parquet/encode-lake-rows.ts";
import { initZstd, isZstdInitialised, zstdCompress } from "../src/parquet/writer/zstd.ts";

const wasmBytes = readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm"));

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

describe("initZstd", () => {
  it("encodeLakeRows before initialisation fails with a message saying what to do", () => {
    expect(isZstdInitialised()).toBe(false);
    expect(() => encodeLakeRows("custom", [customRow])).toThrow(/zstd compressor is not initialised; call initZstd/);
    expect(() => zstdCompress(new Uint8Array(8))).toThrow(/call initZstd/);
  });

  it("initialises from a compiled WebAssembly.Module (as a Worker does), once", () => {
    initZstd(new WebAssembly.Module(wasmBytes));
    expect(isZstdInitialised()).toBe(true);
    const file = encodeLakeRows("custom", [customRow]);
    expect(new TextDecoder().decode(file.subarray(0, 4))).toBe("PAR1");
    // A second call (here with bytes, as Node tests pass) is a no-op; the writer is deterministic.
    initZstd(wasmBytes);
    expect(encodeLakeRows("custom", [customRow])).toEqual(file);
  });

  it("compresses to frames an independent decoder (fzstd) restores, small and larger than one wasm page", () => {
    const text = new TextEncoder().encode("page_view,https://shop.example/products/42,Chrome,Windows,desktop\n".repeat(5_000));
    const random = new Uint8Array(300_000).map((_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff);
    for (const input of [new Uint8Array(0), new Uint8Array([1, 2, 3]), text, random]) {
      const frame = zstdCompress(input);
      expect(decompress(frame)).toEqual(input);
    }
    expect(zstdCompress(text).length).toBeLessThan(text.length / 50);
  });
});
