import { describe, expect, it } from "vitest";
import { distinctWork, parity, recordAcceptedCounts, recordDistinct, registerFile, STREAM_PARITY_GRACE_MS } from "../src/index.ts";
import { facts, keyIn, HOUR9, migratedCatalogSql, NOW } from "./fixture.ts";

describe("parity", () => {
  it("compares accepted with landed per table and hour of receipt", () => {
    const sql = migratedCatalogSql();
    recordAcceptedCounts(sql, "p", [
      { table: "page_views", hour: "2026-11-25T09", accepted: 3, buffered: 0 },
      { table: "page_views", hour: "2026-11-25T10", accepted: 4, buffered: 2 },
      { table: "page_views", hour: "2026-11-25T08", accepted: 5, buffered: 0 },
    ]);
    registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "a"), facts({ "2026-11-25T09": 3, "2026-11-25T10": 2 }), NOW);
    registerFile(sql, "analytics-source", keyIn("usage_events", HOUR9, "b"), facts({ "2026-11-25T09": 1 }), NOW);
    expect(parity(sql, undefined, NOW).map(({ table, hour, accepted, landed, buffered, status }) => ({ table, hour, accepted, landed, buffered, status }))).toEqual([
      { table: "page_views", hour: "2026-11-25T08", accepted: 5, landed: 0, buffered: 0, status: "mismatch" },
      { table: "page_views", hour: "2026-11-25T09", accepted: 3, landed: 3, buffered: 0, status: "ok" },
      { table: "page_views", hour: "2026-11-25T10", accepted: 4, landed: 2, buffered: 2, status: "pending" },
      { table: "usage_events", hour: "2026-11-25T09", accepted: 0, landed: 1, buffered: 0, status: "unreported" },
    ]);
  });

  it("gives a stream (buffered unknown) the grace period after its hour, then calls the gap a mismatch", () => {
    const sql = migratedCatalogSql();
    recordAcceptedCounts(sql, "p", [{ table: "page_views", hour: "2026-11-25T11", accepted: 2, buffered: null }]);
    const hourEnd = Date.UTC(2026, 10, 25, 12);
    expect(parity(sql, "page_views", hourEnd + STREAM_PARITY_GRACE_MS - 1)[0]).toMatchObject({ buffered: null, status: "pending" });
    expect(parity(sql, "page_views", hourEnd + STREAM_PARITY_GRACE_MS)[0]).toMatchObject({ buffered: null, status: "mismatch" });
  });

  it("leaves hours older than the parity window out", () => {
    const sql = migratedCatalogSql();
    recordAcceptedCounts(sql, "p", [{ table: "page_views", hour: "2026-01-01T00", accepted: 1, buffered: 0 }]);
    expect(parity(sql, "page_views", NOW)).toEqual([]);
  });

  it("asks for the distinct count of an hour until it is recorded, and again once the files change", () => {
    const sql = migratedCatalogSql();
    const a = keyIn("page_views", HOUR9, "a");
    registerFile(sql, "analytics-source", a, facts({ "2026-11-25T09": 3 }), NOW);
    const [work] = distinctWork(sql, "page_views", NOW);
    // The hour's files and the hour before's (none): a resend's first copy may be there.
    expect(work).toMatchObject({ table: "page_views", hour: "2026-11-25T09", keys: [a], rows: 3 });
    expect(parity(sql, "page_views", NOW)[0]?.distinct).toBeNull();

    recordDistinct(sql, "page_views", [{ hour: "2026-11-25T09", signature: work!.signature, distinct: 2 }], NOW);
    expect(distinctWork(sql, "page_views", NOW).filter((w) => w.hour === "2026-11-25T09")).toEqual([]);
    expect(parity(sql, "page_views", NOW)[0]).toMatchObject({ landed: 3, distinct: 2 });

    registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "b"), facts({ "2026-11-25T09": 1 }), NOW + 1);
    expect(parity(sql, "page_views", NOW)[0]).toMatchObject({ landed: 4, distinct: null });
    expect(distinctWork(sql, "page_views", NOW).map((w) => w.hour)).toContain("2026-11-25T09");
  });
});
