import { describe, expect, it } from "vitest";
import { defaultInterval, intervalsFor, resolveRange } from "../src/time-range.ts";

// The presets follow the local calendar of the process (TZ); the cases hold in any zone because
// they compare local dates and whole-day spans, not UTC instants.
const NOW = new Date(2026, 11, 5, 15, 30); // 5 Dec 2026, 15:30 local

describe("date presets", () => {
  it.each([
    ["today", "2026-12-05", "2026-12-05"],
    ["yesterday", "2026-12-04", "2026-12-04"],
    ["7d", "2026-11-29", "2026-12-05"],
    ["30d", "2026-11-06", "2026-12-05"],
    ["this-month", "2026-12-01", "2026-12-31"],
    ["last-month", "2026-11-01", "2026-11-30"],
    ["12m", "2026-01-01", "2026-12-31"],
  ] as const)("%s covers %s to %s", (preset, firstDay, lastDay) => {
    const range = resolveRange(preset, NOW);
    expect([range.firstDay, range.lastDay]).toEqual([firstDay, lastDay]);
    expect(new Date(range.start).getTime()).toBe(new Date(Number(firstDay.slice(0, 4)), Number(firstDay.slice(5, 7)) - 1, Number(firstDay.slice(8))).getTime());
  });

  it("takes a custom range of local dates, end inclusive, and falls back on nonsense", () => {
    const range = resolveRange("custom", NOW, { from: "2026-10-01", to: "2026-10-03" });
    expect([range.firstDay, range.lastDay]).toEqual(["2026-10-01", "2026-10-03"]);
    expect(new Date(range.end).getTime()).toBe(new Date(2026, 9, 4).getTime());
    expect(resolveRange("custom", NOW, { from: "2026-10-03", to: "2026-10-01" })).toEqual(resolveRange("7d", NOW));
    expect(resolveRange("custom", NOW, { from: "2026-02-30", to: "2026-03-01" })).toEqual(resolveRange("7d", NOW));
  });
});

describe("intervals", () => {
  it("offers minutes only for short ranges and months only for long ones", () => {
    expect(intervalsFor(resolveRange("today", NOW))).toEqual(["minute", "hour", "day"]);
    expect(intervalsFor(resolveRange("30d", NOW))).toEqual(["hour", "day", "week", "month"]);
    expect(intervalsFor(resolveRange("12m", NOW))).toEqual(["day", "week", "month"]);
    expect(defaultInterval("today", resolveRange("today", NOW))).toBe("hour");
    expect(defaultInterval("30d", resolveRange("30d", NOW))).toBe("day");
    expect(defaultInterval("12m", resolveRange("12m", NOW))).toBe("month");
  });
});
