import { describe, expect, it } from "vitest";
import { distinctByFirstHour, previousHour } from "../src/parity.ts";

describe("distinctByFirstHour", () => {
  it("counts copies within an hour once, and a copy of the hour before not at all", () => {
    const ids = new Map([
      ["2026-11-25T09", new Set(["a", "b"])],
      ["2026-11-25T10", new Set(["b", "c", "d"])],
    ]);
    expect(distinctByFirstHour(ids, ["2026-11-25T09", "2026-11-25T10", "2026-11-25T11"])).toEqual(
      new Map([
        ["2026-11-25T09", 2],
        ["2026-11-25T10", 2],
        ["2026-11-25T11", 0],
      ]),
    );
  });

  it("steps back over day and year ends", () => {
    expect(previousHour("2026-01-01T00")).toBe("2025-12-31T23");
    expect(previousHour("2026-03-01T00")).toBe("2026-02-28T23");
  });
});
