// Row-group skipping from footer statistics, on hand-made row groups (lake-arrow.test.ts checks it
// on files from the lake's writer).
import type { RowGroup, Statistics } from "hyparquet";
import { describe, expect, it } from "vitest";
import { canSkipRowGroup } from "../src/row-group-predicate.ts";

function group(rows: number, columns: Record<string, { type: "INT64" | "BYTE_ARRAY" | "DOUBLE"; statistics?: Statistics }>): RowGroup {
  return {
    num_rows: BigInt(rows),
    total_byte_size: 0n,
    columns: Object.entries(columns).map(([name, column]) => ({
      file_offset: 0n,
      meta_data: {
        type: column.type,
        encodings: [],
        path_in_schema: [name],
        codec: "ZSTD",
        num_values: BigInt(rows),
        total_uncompressed_size: 0n,
        total_compressed_size: 0n,
        data_page_offset: 0n,
        ...(column.statistics ? { statistics: column.statistics } : {}),
      },
    })),
  } as RowGroup;
}

const T0 = Date.parse("2026-11-25T10:00:00Z");
const HOUR = 3_600_000;
const hour = group(100, {
  timestamp: { type: "INT64", statistics: { min_value: T0, max_value: T0 + HOUR - 1, null_count: 0n } },
  project_id: { type: "BYTE_ARRAY", statistics: { min_value: "shop", max_value: "shop", null_count: 0n } },
  page_url: { type: "BYTE_ARRAY", statistics: { null_count: 0n } },
});

describe("canSkipRowGroup", () => {
  it("skips a group entirely before or after a time range, and keeps one that overlaps at either edge", () => {
    expect(canSkipRowGroup(hour, { timestamp: { gte: T0 + HOUR, lt: T0 + 2 * HOUR } })).toBe(true);
    expect(canSkipRowGroup(hour, { timestamp: { gte: T0 - HOUR, lt: T0 } })).toBe(true);
    expect(canSkipRowGroup(hour, { timestamp: { gte: T0 - HOUR, lt: T0 + 1 } })).toBe(false);
    expect(canSkipRowGroup(hour, { timestamp: { gte: T0 + HOUR - 1, lt: T0 + 2 * HOUR } })).toBe(false);
    expect(canSkipRowGroup(hour, { timestamp: { gt: T0 + HOUR - 1 } })).toBe(true);
    expect(canSkipRowGroup(hour, { timestamp: { lte: T0 } })).toBe(false);
    expect(canSkipRowGroup(hour, { timestamp: { lte: T0 - 1 } })).toBe(true);
  });

  it("skips a group of other projects, by membership", () => {
    expect(canSkipRowGroup(hour, { project_id: { in: ["blog"] } })).toBe(true);
    expect(canSkipRowGroup(hour, { project_id: { in: ["blog", "shop"] } })).toBe(false);
    expect(canSkipRowGroup(hour, { project_id: { in: [] } })).toBe(true);
  });

  it("needs only one column to prove the group empty", () => {
    expect(canSkipRowGroup(hour, { timestamp: { gte: T0 }, project_id: { in: ["blog"] } })).toBe(true);
  });

  it("never skips on a column without min/max or absent from the group, or on values of another kind", () => {
    expect(canSkipRowGroup(hour, { page_url: { in: ["x"] } })).toBe(false);
    expect(canSkipRowGroup(hour, { country: { in: ["x"] } })).toBe(false);
    expect(canSkipRowGroup(hour, { timestamp: { gte: "2030-01-01" } })).toBe(false);
  });

  it("skips a group where the column is null in every row (NULL meets no condition)", () => {
    const nulls = group(10, { user_id: { type: "BYTE_ARRAY", statistics: { null_count: 10n } } });
    expect(canSkipRowGroup(nulls, { user_id: { gte: "" } })).toBe(true);
  });

  it("orders text by UTF-8 bytes, as Parquet's statistics do", () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts after U+1F389 (4 bytes, F0 9F 8E 89) in UTF-16 but before it in UTF-8.
    const text = group(1, { page_url: { type: "BYTE_ARRAY", statistics: { min_value: "～", max_value: "～" } } });
    expect(canSkipRowGroup(text, { page_url: { lt: "🎉" } })).toBe(false);
    expect(canSkipRowGroup(text, { page_url: { gt: "🎉" } })).toBe(true);
  });

  it("ignores the deprecated signed-byte min/max of text, but uses it for numbers", () => {
    const legacy = group(5, {
      project_id: { type: "BYTE_ARRAY", statistics: { min: "a", max: "b" } },
      time_on_page: { type: "DOUBLE", statistics: { min: 1, max: 2 } },
    });
    expect(canSkipRowGroup(legacy, { project_id: { in: ["z"] } })).toBe(false);
    expect(canSkipRowGroup(legacy, { time_on_page: { gt: 2 } })).toBe(true);
  });
});
