import { describe, expect, it } from "vitest";
import { parseTimestampMs } from "../src/parquet/parse-timestamp-ms.ts";

describe("parseTimestampMs", () => {
  it("agrees with Date.parse on canonical toISOString output across four centuries", () => {
    // A fixed pseudo-random walk (no Math.random: a failure must be reproducible).
    let seed = 1;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const from = Date.UTC(1900, 0, 1);
    const span = Date.UTC(2300, 0, 1) - from;
    for (let i = 0; i < 20_000; i++) {
      const text = new Date(from + Math.floor(next() * span)).toISOString();
      expect(parseTimestampMs(text)).toBe(Date.parse(text));
    }
  });

  it("is exact at day, month, year and leap-day boundaries", () => {
    for (const text of [
      "1970-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "2000-02-28T23:59:59.999Z",
      "2000-02-29T00:00:00.000Z",
      "2100-03-01T00:00:00.000Z",
      "2024-12-31T23:59:59.999Z",
      "0000-01-01T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
    ]) {
      expect(parseTimestampMs(text), text).toBe(Date.parse(text));
    }
  });

  it("normalises offsets to UTC and accepts missing seconds or fractions", () => {
    expect(parseTimestampMs("2024-01-15T12:30:00.123+02:00")).toBe(Date.parse("2024-01-15T10:30:00.123Z"));
    expect(parseTimestampMs("2024-01-15T05:00:00.000-05:30")).toBe(Date.parse("2024-01-15T10:30:00.000Z"));
    expect(parseTimestampMs("2024-01-15T10:30Z")).toBe(Date.parse("2024-01-15T10:30:00.000Z"));
    expect(parseTimestampMs("2024-01-15T10:30:00.5Z")).toBe(Date.parse("2024-01-15T10:30:00.500Z"));
  });

  it("is NaN for text that is not ISO-8601 with a zone, even where Date.parse guesses", () => {
    for (const text of [
      "",
      "2024-01-15",
      "2024-01-15T10:30:00.000",
      "2024-01-15 10:30:00.000Z",
      "Mon, 15 Jan 2024 10:30:00 GMT",
      "2024-13-15T10:30:00.000Z",
      "2024-01-15T25:30:00.000Z",
      "2024-01-1xT10:30:00.000Z",
      "+2024-01-15T10:30:00.000Z",
    ]) {
      expect(parseTimestampMs(text), JSON.stringify(text)).toBeNaN();
    }
  });
});
