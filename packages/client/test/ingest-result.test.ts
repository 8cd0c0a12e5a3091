/** The wire result (declared once in @edge-analytics/event-schema) and its run-time check. */
import { describe, expect, expectTypeOf, it } from "vitest";
import { type IngestResult, isIngestResult } from "../src/index.ts";

describe("IngestResult", () => {
  it("is recognised at run time, and a server's error body is not", () => {
    expectTypeOf(isIngestResult).guards.toEqualTypeOf<IngestResult>();
    expect(isIngestResult({ accepted: 0, duplicates: 0, rejected: [] })).toBe(true);
    expect(isIngestResult({ error: { status: 503, message: "x" } })).toBe(false);
    expect(isIngestResult(null)).toBe(false);
  });
});
