import { describe, expect, it } from "vitest";
import { QueryError } from "../src/errors.ts";
import { resolveTimeRange, zonedMidnightMs } from "../src/time-range.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("resolveTimeRange", () => {
  it("takes dates as whole days, both inclusive (the design's January)", () => {
    const range = resolveTimeRange({ start: "2024-01-01", end: "2024-01-31" });
    expect([iso(range.fromMs), iso(range.toMs)]).toEqual(["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"]);
  });

  it("takes instants exactly, the end exclusive", () => {
    const range = resolveTimeRange({ start: "2024-01-01T10:00:00Z", end: "2024-01-01T12:30:00+01:00" });
    expect([iso(range.fromMs), iso(range.toMs)]).toEqual(["2024-01-01T10:00:00.000Z", "2024-01-01T11:30:00.000Z"]);
  });

  it("places dates in a time zone, across a daylight-saving change", () => {
    const range = resolveTimeRange({ start: "2024-03-30", end: "2024-03-31" }, "Europe/Berlin");
    // March 31 2024 is 23 hours long in Berlin (clocks go forward at 02:00).
    expect([iso(range.fromMs), iso(range.toMs)]).toEqual(["2024-03-29T23:00:00.000Z", "2024-03-31T22:00:00.000Z"]);
    expect(iso(zonedMidnightMs(2024, 10, 27, "America/New_York"))).toBe("2024-10-27T04:00:00.000Z");
  });

  it.each([
    [{ start: "2024-02-30", end: "2024-03-01" }, "timeRange.start", "not a calendar date"],
    [{ start: "yesterday", end: "2024-03-01" }, "timeRange.start", "neither a date"],
    [{ start: "2024-01-01T10:00:00", end: "2024-03-01" }, "timeRange.start", "with an offset"],
    [{ start: "2024-03-02", end: "2024-03-01" }, "timeRange", "after"],
    [{ start: "2024-01-01'; DROP TABLE x; --", end: "2024-03-01" }, "timeRange.start", "neither a date"],
  ])("refuses %j at %s", (input, argument, message) => {
    const error = (() => {
      try {
        resolveTimeRange(input);
      } catch (e) {
        return e;
      }
      throw new Error("expected a QueryError");
    })();
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).argument).toBe(argument);
    expect((error as QueryError).message).toContain(message);
  });

  it("refuses an unknown time zone", () => {
    expect(() => resolveTimeRange({ start: "2024-01-01", end: "2024-01-02" }, "Mars/Olympus")).toThrow('unknown time zone "Mars/Olympus"');
  });
});
