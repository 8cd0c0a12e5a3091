import { describe, expect, it } from "vitest";
import { csvFileName, toCsv } from "../src/csv.ts";
import { formatChange, formatCount, formatDuration, formatPercent } from "../src/format.ts";

describe("CSV export", () => {
  it("quotes what would break a row and defuses spreadsheet formulas", () => {
    const csv = toCsv(["referrer", "page_views"], [
      { referrer: "https://a.example/?q=1,2", page_views: 3 },
      { referrer: null, page_views: 10 },
      { referrer: '=HYPERLINK("x")', page_views: -1 },
    ]);
    expect(csv).toBe('referrer,page_views\r\n"https://a.example/?q=1,2",3\r\n,10\r\n"\'=HYPERLINK(""x"")",-1\r\n');
  });

  it("names the file after the breakdown and the range", () => {
    expect(csvFileName("UTM campaigns", "2026-11-01", "2026-11-30")).toBe("utm-campaigns-2026-11-01-to-2026-11-30.csv");
  });
});

describe("formats", () => {
  it("reads counts, shares and durations", () => {
    expect(formatCount(12345.4)).toBe("12,345");
    expect(formatCount(null)).toBe("–");
    expect(formatPercent(0.4321)).toBe("43.2%");
    expect(formatDuration(42.4)).toBe("42s");
    expect(formatDuration(75)).toBe("1m 15s");
    expect(formatDuration(3725)).toBe("1h 02m");
  });

  it("says the change relative for counts and in points for rates", () => {
    expect(formatChange(120, 100, "relative")).toBe("+20%");
    expect(formatChange(80, 100, "relative")).toBe("−20%");
    expect(formatChange(5, 0, "relative")).toBe("new");
    expect(formatChange(0.45, 0.5, "points")).toBe("−5 pp");
    expect(formatChange(1, null, "relative")).toBeUndefined();
  });
});
