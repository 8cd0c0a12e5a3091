import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type ColumnSpec, EVENT_TYPES, type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { arrowSchemaFor } from "@edge-analytics/event-schema/arrow";
import { tableFromIPC } from "apache-arrow";
import { type ColumnChunk, type FileMetaData, parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { initSync as initParquetWasmReader, readParquet, readSchema } from "parquet-wasm/esm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  encodeLakeRows,
  EVENT_TYPE_METADATA_KEY,
  PARQUET_CREATED_BY,
  SCHEMA_METADATA_KEY,
} from "../src/parquet/encode-lake-rows.ts";
import { type LakeRow, LakeRowError, type LakeValue } from "../src/parquet/lake-row.ts";
import { initZstd } from "../src/parquet/writer/zstd.ts";
import { schemaFingerprint } from "../src/parquet/schema-fingerprint.ts";

beforeAll(() => {
  const require = createRequire(import.meta.url);
  // As in Node: the wasm bytes (a Worker passes the imported WebAssembly.Module).
  initZstd(readFileSync(require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  // parquet-wasm (arrow-rs) is a second independent reader of the files.
  initParquetWasmReader({ module: readFileSync(require.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")) });
});

/** A value as the independent reader (hyparquet) returns it, for comparison. */
type ReadValue = string | number | bigint | boolean | null;

/**
 * One cell of a test row: what goes into the encoder, and what must come back. Timestamps come
 * back as epoch milliseconds, int64 as bigint, booleans as booleans.
 */
interface Cell {
  input: LakeValue;
  expected: ReadValue;
}

/**
 * Inputs of each column kind in every form the SQLite extraction may hand over, cycled through
 * by row. Expected timestamps are computed with Date.parse, independently of the encoder's parser.
 */
const CELLS_BY_KIND: { [K in ColumnSpec["kind"]]: readonly Cell[] } = {
  string: [
    { input: "plain ascii", expected: "plain ascii" },
    { input: "naïve café – 東京 🎉👩‍💻", expected: "naïve café – 東京 🎉👩‍💻" },
    { input: "", expected: "" },
    { input: 'quotes " and \\ and \n newline', expected: 'quotes " and \\ and \n newline' },
  ],
  json: [
    { input: '{"plan":"pro","seats":3,"trial":false}', expected: '{"plan":"pro","seats":3,"trial":false}' },
    { input: '{"greeting":"grüß dich 👋","n":null}', expected: '{"greeting":"grüß dich 👋","n":null}' },
    { input: "{}", expected: "{}" },
  ],
  float64: [
    { input: 31.5, expected: 31.5 },
    { input: 0, expected: 0 },
    { input: 0.1 + 0.2, expected: 0.1 + 0.2 },
    { input: 86_400, expected: 86_400 },
    { input: 1e-300, expected: 1e-300 },
  ],
  int64: [
    { input: 200, expected: 200n },
    { input: 404n, expected: 404n },
    { input: Number.MAX_SAFE_INTEGER, expected: BigInt(Number.MAX_SAFE_INTEGER) },
    { input: -1, expected: -1n },
    { input: 9_223_372_036_854_775_807n, expected: 9_223_372_036_854_775_807n },
  ],
  boolean: [
    { input: true, expected: true },
    { input: 0, expected: false },
    { input: 1, expected: true },
    { input: false, expected: false },
  ],
  timestamp: [
    { input: "2024-01-15T10:30:00.123Z", expected: Date.parse("2024-01-15T10:30:00.123Z") },
    // An offset is normalised to UTC: this is the same instant as 10:30:00.123Z.
    { input: "2024-01-15T12:30:00.123+02:00", expected: Date.parse("2024-01-15T10:30:00.123Z") },
    { input: 1_705_314_600_456, expected: 1_705_314_600_456 },
    { input: "2024-02-29T23:59:59.999Z", expected: Date.parse("2024-02-29T23:59:59.999Z") },
    { input: "2024-03-01T00:00:00Z", expected: Date.parse("2024-03-01T00:00:00.000Z") },
    { input: "2023-12-31T21:15:00.5-05:30", expected: Date.parse("2024-01-01T02:45:00.500Z") },
  ],
};

const NULL_CELL: Cell = { input: null, expected: null };

/**
 * Rows of `type` covering every input form of every column, with every nullable column null in
 * rows 1 and 4 (so both nulls and values share a column chunk).
 */
function testRows(type: EventType, count = 7): { rows: LakeRow[]; expected: ReadValue[][] } {
  const columns = lakeColumns(type);
  const cells = Array.from({ length: count }, (_, row) =>
    columns.map((column, index): Cell => {
      if (column.nullable && (row === 1 || row === 4)) return NULL_CELL;
      const choices = CELLS_BY_KIND[column.kind];
      return choices[(row + index) % choices.length] as Cell;
    }),
  );
  return { rows: cells.map((row) => row.map((cell) => cell.input)), expected: cells.map((row) => row.map((cell) => cell.expected)) };
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Reads a Parquet file back with hyparquet, as rows of values in `lakeColumns(type)` order. */
async function readBack(type: EventType, file: Uint8Array): Promise<ReadValue[][]> {
  const objects = await parquetReadObjects({ file: arrayBufferOf(file), compressors });
  const columns = lakeColumns(type);
  return objects.map((object) =>
    columns.map(({ name }) => {
      const value: unknown = object[name];
      if (value instanceof Date) return value.getTime();
      if (value === undefined) throw new Error(`hyparquet returned no column ${name}`);
      return value as ReadValue;
    }),
  );
}

function metadataOf(file: Uint8Array): FileMetaData {
  return parquetMetadata(arrayBufferOf(file));
}

function keyValue(metadata: FileMetaData, key: string): string | undefined {
  return metadata.key_value_metadata?.find((entry) => entry.key === key)?.value;
}

function chunkOf(metadata: FileMetaData, rowGroup: number, name: string): ColumnChunk {
  const chunk = metadata.row_groups[rowGroup]?.columns.find((c) => c.meta_data?.path_in_schema.join(".") === name);
  if (!chunk) throw new Error(`no column chunk ${name} in row group ${rowGroup}`);
  return chunk;
}

describe("encodeLakeRows round trip (read back with hyparquet)", () => {
  it.each(EVENT_TYPES)("%s: every column and every input form comes back", async (type) => {
    const { rows, expected } = testRows(type);
    const file = encodeLakeRows(type, rows);
    expect(await readBack(type, file)).toEqual(expected);
  });

  it("strings round-trip across blocks, when only some blocks hold non-ASCII text", async () => {
    // 5000 rows: the encoder works in blocks of 1024 rows; non-ASCII text only in the third
    // block and the last row shifts the byte offsets of every block after it.
    const { rows } = testRows("page_view", 5000);
    const title = lakeColumns("page_view").findIndex((c) => c.name === "page_title");
    const titles = rows.map((_, r) => (r === 2100 || r === 2101 || r === 4999 ? `Größe ${r} 🎉` : r % 97 === 0 ? null : `Page ${r}`));
    const withTitles = rows.map((row, r) => row.map((value, c) => (c === title ? (titles[r] ?? null) : value)));
    const file = encodeLakeRows("page_view", withTitles);
    const objects = await parquetReadObjects({ file: arrayBufferOf(file), columns: ["page_title"], compressors });
    expect(objects.map((o) => o.page_title)).toEqual(titles);
  });

  it.each(EVENT_TYPES)("%s: a second reader (parquet-wasm, arrow-rs) reads the same values", (type) => {
    const { rows, expected } = testRows(type);
    const table = tableFromIPC(readParquet(encodeLakeRows(type, rows)).intoIPCStream());
    const columns = lakeColumns(type);
    const read = table.toArray().map((row) =>
      columns.map(({ name, kind }) => {
        const value: unknown = row[name];
        // Arrow gives int64 as bigint and timestamps as epoch ms numbers, like the expectations.
        return kind === "timestamp" && typeof value === "bigint" ? Number(value) : (value as ReadValue);
      }),
    );
    expect(read).toEqual(expected);
  });

  it.each(EVENT_TYPES)("%s: columns that are null in every row (empty dictionaries) read back as nulls by both readers", async (type) => {
    const columns = lakeColumns(type);
    const { rows, expected } = testRows(type, 3);
    const nulled = rows.map((row) => row.map((value, c) => (columns[c]?.nullable ? null : value)));
    const wanted = expected.map((row) => row.map((value, c) => (columns[c]?.nullable ? null : value)));
    const file = encodeLakeRows(type, nulled);
    expect(await readBack(type, file)).toEqual(wanted);
    const table = tableFromIPC(readParquet(file).intoIPCStream());
    for (const column of columns.filter((c) => c.nullable)) {
      expect(table.getChild(column.name)?.nullCount, column.name).toBe(3);
      expect(chunkOf(metadataOf(file), 0, column.name).meta_data?.statistics?.null_count, column.name).toBe(3n);
    }
  });

  it("is deterministic: the same rows give the same bytes", () => {
    const { rows } = testRows("page_view", 50);
    expect(encodeLakeRows("page_view", rows)).toEqual(encodeLakeRows("page_view", rows));
  });

  it("a dictionary that outgrows its limit falls back to PLAIN mid-column; pages split every 32Ki rows", async () => {
    // 70k rows: two data pages per column; page_url distinct per row from row 1000 on, so its
    // dictionary passes 65,536 entries and is dropped after the first values were indexed.
    const count = 70_000;
    const { rows } = testRows("page_view", count);
    const columns = lakeColumns("page_view");
    const url = columns.findIndex((c) => c.name === "page_url");
    const title = columns.findIndex((c) => c.name === "page_title");
    const urls = rows.map((_, r) => (r < 1000 ? `https://a.example/${r % 7}` : `https://a.example/p/${r}`));
    const titles = rows.map((_, r) => (r % 3 === 0 ? null : `T${r % 5}`));
    const edited = rows.map((row, r) => row.map((value, c) => (c === url ? urls[r]! : c === title ? titles[r]! : value)));
    const file = encodeLakeRows("page_view", edited);
    const metadata = metadataOf(file);
    expect(chunkOf(metadata, 0, "page_url").meta_data?.encodings).toEqual(["PLAIN", "RLE"]);
    expect(chunkOf(metadata, 0, "page_title").meta_data?.encodings).toContain("RLE_DICTIONARY");
    const objects = await parquetReadObjects({ file: arrayBufferOf(file), columns: ["page_url", "page_title"], compressors });
    expect(objects.map((o) => o.page_url)).toEqual(urls);
    expect(objects.map((o) => o.page_title)).toEqual(titles);
  });

  it("runs and literals of every length, dictionary widths across byte boundaries, unordered and far-apart timestamps", async () => {
    // Run lengths 1..40 cycle through 300 distinct values (9-bit indices); timestamps jump
    // backwards and across centuries (DELTA_BINARY_PACKED with negative and 40-bit deltas).
    const columns = lakeColumns("api_request");
    const { rows } = testRows("api_request", 6000);
    const path = columns.findIndex((c) => c.name === "path");
    const status = columns.findIndex((c) => c.name === "status_code");
    const timestamp = columns.findIndex((c) => c.name === "timestamp");
    const paths: string[] = [];
    for (let run = 1, value = 0; paths.length < rows.length; run = (run % 40) + 1, value = (value + 37) % 300) {
      for (let k = 0; k < run && paths.length < rows.length; k++) paths.push(`/v1/items/${value}`);
    }
    const statuses = rows.map((_, r) => (r % 11 < 9 ? 200n : BigInt(400 + (r % 300))));
    const times = rows.map((_, r) => [0, -86_400_000, 4_102_444_800_000, 1_705_314_600_000 + r][r % 4]! + r);
    const edited = rows.map((row, r) =>
      row.map((value, c) => (c === path ? paths[r]! : c === status ? statuses[r]! : c === timestamp ? times[r]! : value)),
    );
    const file = encodeLakeRows("api_request", edited);
    const objects = await parquetReadObjects({ file: arrayBufferOf(file), columns: ["path", "status_code", "timestamp"], compressors });
    expect(objects.map((o) => o.path)).toEqual(paths);
    expect(objects.map((o) => o.status_code)).toEqual(statuses);
    expect(objects.map((o) => (o.timestamp as Date).getTime())).toEqual(times);
    const statistics = chunkOf(metadataOf(file), 0, "timestamp").meta_data?.statistics;
    expect((statistics?.min_value as Date).getTime()).toBe(Math.min(...times));
    expect((statistics?.max_value as Date).getTime()).toBe(Math.max(...times));
  });

  it("an int64 column with more distinct values than a dictionary holds is written PLAIN", async () => {
    const columns = lakeColumns("api_request");
    const { rows } = testRows("api_request", 80_000);
    // The encoder stores what it is given: the zod range of status_code is ingestion's business.
    const status = columns.findIndex((c) => c.name === "status_code");
    const codes = rows.map((_, r) => (r % 10 === 0 ? -(2n ** 62n) : r * 3 - 1000));
    const file = encodeLakeRows("api_request", rows.map((row, r) => row.map((value, c) => (c === status ? codes[r]! : value))));
    expect(chunkOf(metadataOf(file), 0, "status_code").meta_data?.encodings).toEqual(["PLAIN", "RLE"]);
    const objects = await parquetReadObjects({ file: arrayBufferOf(file), columns: ["status_code"], compressors });
    expect(objects.map((o) => o.status_code)).toEqual(codes.map((d) => BigInt(d)));
  });

  it("an empty batch is a valid file with no rows", async () => {
    const file = encodeLakeRows("custom", []);
    expect(metadataOf(file).num_rows).toBe(0n);
    expect(await readBack("custom", file)).toEqual([]);
  });
});

describe("encodeLakeRows file metadata", () => {
  it("has the row count, ZSTD on every column, created_by and the key-value metadata", () => {
    const { rows } = testRows("page_view", 10);
    const metadata = metadataOf(encodeLakeRows("page_view", rows));
    expect(metadata.num_rows).toBe(10n);
    expect(metadata.created_by).toMatch(new RegExp(`^${PARQUET_CREATED_BY}`));
    expect(keyValue(metadata, EVENT_TYPE_METADATA_KEY)).toBe("page_view");
    expect(keyValue(metadata, SCHEMA_METADATA_KEY)).toBe(schemaFingerprint(lakeColumns("page_view")));
    const chunks = metadata.row_groups.flatMap((group) => group.columns);
    expect(chunks).toHaveLength(lakeColumns("page_view").length);
    for (const chunk of chunks) expect(chunk.meta_data?.codec).toBe("ZSTD");
  });

  it("has min/max statistics of the timestamp columns in the footer", () => {
    const { rows, expected } = testRows("page_view", 7);
    const metadata = metadataOf(encodeLakeRows("page_view", rows));
    for (const name of ["timestamp", "received_at"]) {
      const index = lakeColumns("page_view").findIndex((c) => c.name === name);
      const millis = expected.map((row) => row[index] as number);
      const statistics = chunkOf(metadata, 0, name).meta_data?.statistics;
      expect((statistics?.min_value as Date).getTime()).toBe(Math.min(...millis));
      expect((statistics?.max_value as Date).getTime()).toBe(Math.max(...millis));
      expect(statistics?.null_count).toBe(0n);
    }
  });

  it("splits rows into row groups of maxRowGroupRows, each with its own timestamp range", () => {
    const start = Date.parse("2026-11-25T00:00:00.000Z");
    const { rows } = testRows("custom", 2500);
    const timestamp = lakeColumns("custom").findIndex((c) => c.name === "timestamp");
    const timed = rows.map((row, r) => row.map((value, c) => (c === timestamp ? new Date(start + r * 1000).toISOString() : value)));
    const metadata = metadataOf(encodeLakeRows("custom", timed, { maxRowGroupRows: 1000 }));
    expect(metadata.row_groups.map((group) => group.num_rows)).toEqual([1000n, 1000n, 500n]);
    const ranges = metadata.row_groups.map((_, g) => {
      const statistics = chunkOf(metadata, g, "timestamp").meta_data?.statistics;
      return [(statistics?.min_value as Date).getTime(), (statistics?.max_value as Date).getTime()];
    });
    expect(ranges).toEqual([
      [start, start + 999_000],
      [start + 1_000_000, start + 1_999_000],
      [start + 2_000_000, start + 2_499_000],
    ]);
  });

  it("stores the Arrow schema arrowSchemaFor(type): names, types, nullability, UTC millisecond timestamps", () => {
    for (const type of EVENT_TYPES) {
      const file = encodeLakeRows(type, testRows(type).rows);
      const schema = tableFromIPC(readSchema(file).intoIPCStream()).schema;
      const expected = arrowSchemaFor(type);
      expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(
        expected.fields.map((f) => [f.name, String(f.type), f.nullable]),
      );
    }
    const file = encodeLakeRows("page_view", testRows("page_view").rows);
    const timestamp = metadataOf(file).schema.find((element) => element.name === "timestamp");
    expect(timestamp?.logical_type).toEqual({ type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" });
    expect(timestamp?.repetition_type).toBe("REQUIRED");
  });
});

describe("encodeLakeRows rejects rows it cannot store", () => {
  const columns = lakeColumns("page_view");
  const indexOf = (name: string) => columns.findIndex((c) => c.name === name);
  const rowsWith = (row: number, name: string, value: LakeValue): LakeRow[] => {
    const { rows } = testRows("page_view", 3);
    return rows.map((cells, r) => (r === row ? cells.map((cell, c) => (c === indexOf(name) ? value : cell)) : cells));
  };
  const rejection = (fn: () => unknown): LakeRowError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof LakeRowError) return error;
      throw error;
    }
    throw new Error("expected a LakeRowError");
  };

  it("a null in a non-nullable column, naming the column and the row", () => {
    const error = rejection(() => encodeLakeRows("page_view", rowsWith(2, "session_id", null)));
    expect(error.column).toBe("session_id");
    expect(error.row).toBe(2);
    expect(error.message).toBe('column "session_id", row 2: null in a non-nullable column');
  });

  it("a null in a non-nullable timestamp, boolean or the type column", () => {
    for (const name of ["timestamp", "received_at", "is_bot", "type", "page_url"]) {
      expect(() => encodeLakeRows("page_view", rowsWith(0, name, null))).toThrow(`column "${name}", row 0: null in a non-nullable column`);
    }
  });

  it("a value of the wrong kind", () => {
    expect(() => encodeLakeRows("page_view", rowsWith(1, "time_on_page", "31.5"))).toThrow(
      /column "time_on_page", row 1: expected a value of kind float64, got string "31.5"/,
    );
    expect(() => encodeLakeRows("page_view", rowsWith(0, "page_url", 42))).toThrow(/column "page_url", row 0: expected a value of kind string, got number 42/);
    expect(() => encodeLakeRows("page_view", rowsWith(0, "is_bot", 2))).toThrow(/column "is_bot", row 0: expected a value of kind boolean, got number 2/);
    expect(() => encodeLakeRows("api_request", [testRows("api_request").rows[0]!.map((v, c) => (lakeColumns("api_request")[c]?.name === "status_code" ? 200.5 : v))])).toThrow(
      /column "status_code", row 0: expected an integer, got 200.5/,
    );
  });

  it("a timestamp that is not ISO-8601 with a zone, or not whole milliseconds", () => {
    for (const bad of ["2024-01-15 10:30:00", "2024-01-15T10:30:00", "Jan 15 2024", "2024-13-01T00:00:00.000Z", ""]) {
      expect(() => encodeLakeRows("page_view", rowsWith(1, "timestamp", bad))).toThrow(/column "timestamp", row 1: not an ISO-8601 timestamp/);
    }
    expect(() => encodeLakeRows("page_view", rowsWith(1, "received_at", 1.5))).toThrow(/column "received_at", row 1: epoch milliseconds must be an integer/);
  });

  it("a row with too few or too many values, and an unknown event type", () => {
    const { rows } = testRows("page_view", 2);
    const columns = lakeColumns("page_view").length;
    expect(() => encodeLakeRows("page_view", [rows[0]!, rows[1]!.slice(1)])).toThrow(`row 1: row has ${columns - 1} values, the page_view table has ${columns} columns`);
    expect(() => encodeLakeRows("page_view", [[...rows[0]!, "extra"]])).toThrow(`row 0: row has ${columns + 1} values`);
    expect(() => encodeLakeRows("no_such_type" as EventType, [])).toThrow('unknown event type "no_such_type"');
  });

  it("an invalid maxRowGroupRows", () => {
    expect(() => encodeLakeRows("custom", [], { maxRowGroupRows: 0 })).toThrow(RangeError);
  });
});
