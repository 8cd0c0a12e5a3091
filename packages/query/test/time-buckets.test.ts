import { describe, expect, it } from "vitest";
import { offsetSchedule } from "../src/time-buckets.ts";

describe("offsetSchedule", () => {
  it("finds a zone's changes to the minute", () => {
    const schedule = offsetSchedule("Europe/Berlin", Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1));
    expect(schedule.starts.map((ms) => new Date(ms).toISOString())).toEqual(["2024-01-01T00:00:00.000Z", "2024-03-31T01:00:00.000Z", "2024-10-27T01:00:00.000Z"]);
    expect(schedule.offsets).toEqual([3_600_000, 7_200_000, 3_600_000]);
  });

  it("probes only the span events can have: a range from year 0 answers at once (a fuzzed timeRange froze the API)", () => {
    const from = Date.parse("0000-01-01T00:00:00Z");
    const schedule = offsetSchedule("Europe/Berlin", from, Date.UTC(2026, 11, 1));
    // Two changes a year from 2000 to 2026, and the first entry at the range's start.
    expect(schedule.starts[0]).toBe(from);
    expect(schedule.starts.length).toBe(1 + 2 * 27);
    expect(offsetSchedule("UTC", from, Date.parse("9999-12-31T00:00:00Z"))).toEqual({ starts: [from], offsets: [0] });
  });
});
