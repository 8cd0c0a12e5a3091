import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { AcceptedCounterStore, parity, recordAcceptedCounts, runMigrations } from "../src/index.ts";
import { memoryCatalogSql } from "./fixture.ts";

const H9 = "2026-11-25T09";
const H10 = "2026-11-25T10";
const NOW = Date.UTC(2026, 10, 25, 10, 30);

describe("AcceptedCounterStore: parity's accepted side, one row per hour", () => {
  it("adds a mixed batch's six tables with one row written, and asks for a report only the first time", () => {
    const sql = memoryCatalogSql();
    const store = new AcceptedCounterStore(sql);
    let mark = sql.rowsWritten();
    const batch = ["page_views", "user_actions", "api_requests", "video_events", "custom_events", "usage_events"].map((table) => ({ table, hour: H9, accepted: 3 }));
    // The hour's row, the project and the unreported marker.
    expect(store.add("p", batch)).toBe(true);
    expect(sql.rowsWritten() - mark).toBe(3);
    mark = sql.rowsWritten();
    expect(store.add("p", batch)).toBe(false);
    expect(sql.rowsWritten() - mark).toBe(1);
    expect(store.counts().find((c) => c.table === "page_views")).toEqual({ table: "page_views", hour: H9, accepted: 6 });
  });

  it("reports the hours changed since the last report, absolute, and only those", () => {
    const store = new AcceptedCounterStore(memoryCatalogSql());
    store.add("p", [{ table: "page_views", hour: H9, accepted: 2 }]);
    const first = store.takeReport();
    expect(first).toEqual({ project: "p", fromHour: H9, counts: [{ table: "page_views", hour: H9, accepted: 2, buffered: null }] });
    expect(store.takeReport()).toBeUndefined();
    expect(store.add("p", [{ table: "page_views", hour: H10, accepted: 1 }])).toBe(true);
    expect(store.takeReport()?.counts).toEqual([{ table: "page_views", hour: H10, accepted: 1, buffered: null }]);
    // A late flush of the earlier hour widens the next report back to it.
    store.add("p", [{ table: "page_views", hour: H10, accepted: 1 }]);
    expect(store.add("p", [{ table: "custom_events", hour: H9, accepted: 4 }])).toBe(false);
    expect(store.takeReport()?.counts.map((c) => `${c.table}/${c.hour}=${c.accepted}`)).toEqual(["custom_events/2026-11-25T09=4", "page_views/2026-11-25T09=2", "page_views/2026-11-25T10=2"]);
  });

  it("puts a failed report back, and keeps the counts across a restart of the object", () => {
    const db = new DatabaseSync(":memory:");
    const store = new AcceptedCounterStore(memoryCatalogSql(db));
    store.add("p", [{ table: "page_views", hour: H9, accepted: 2 }]);
    const report = store.takeReport();
    if (!report) throw new Error("expected a report");
    // Counts arriving while the report was in flight scheduled their own report.
    expect(store.add("p", [{ table: "page_views", hour: H10, accepted: 1 }])).toBe(true);
    expect(store.reportFailed(report)).toBe(false);
    const restarted = new AcceptedCounterStore(memoryCatalogSql(db));
    expect(restarted.takeReport()).toMatchObject({ project: "p", fromHour: H9 });
    expect(restarted.counts()).toEqual([
      { table: "page_views", hour: H9, accepted: 2 },
      { table: "page_views", hour: H10, accepted: 1 },
    ]);
  });

  it("forgets hours that left the parity window", () => {
    const store = new AcceptedCounterStore(memoryCatalogSql());
    store.add("p", [{ table: "page_views", hour: "2026-01-01T00", accepted: 1 }, { table: "page_views", hour: H9, accepted: 1 }]);
    store.sweep(NOW);
    expect(store.counts().map((c) => c.hour)).toEqual([H9]);
  });

  it("adopts a counter written by the previous layout (a row per table and hour) and reports it", () => {
    const sql = memoryCatalogSql();
    sql.exec("CREATE TABLE accepted_counts (event_table TEXT NOT NULL, hour TEXT NOT NULL, accepted INTEGER NOT NULL, PRIMARY KEY (event_table, hour)) WITHOUT ROWID");
    sql.exec("CREATE TABLE counter_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
    sql.exec("INSERT INTO accepted_counts VALUES ('page_views', ?, 5), ('custom_events', ?, 1), ('page_views', ?, 2)", H9, H9, H10);
    sql.exec("INSERT INTO counter_meta VALUES ('project', 'p'), ('dirty', '0'), ('next_sweep_ms', '1')");
    const store = new AcceptedCounterStore(sql);
    expect(store.takeReport()?.counts.map((c) => `${c.table}/${c.hour}=${c.accepted}`)).toEqual(["custom_events/2026-11-25T09=1", "page_views/2026-11-25T09=5", "page_views/2026-11-25T10=2"]);
    expect(sql.exec("SELECT name FROM counter_meta ORDER BY name").toArray()).toEqual([{ name: "project" }]);
  });
});

describe("recordAcceptedCounts: the catalog keeps each project's hours, rewriting only what changed", () => {
  it("upserts the hours named, keeps the others, and writes no row for an unchanged figure", () => {
    const sql = memoryCatalogSql();
    runMigrations(sql, undefined, NOW);
    recordAcceptedCounts(sql, "p", [{ table: "page_views", hour: H9, accepted: 3, buffered: null }], NOW);
    const mark = sql.rowsWritten();
    recordAcceptedCounts(sql, "p", [{ table: "page_views", hour: H9, accepted: 3, buffered: null }], NOW);
    expect(sql.rowsWritten() - mark).toBe(0);
    recordAcceptedCounts(sql, "p", [{ table: "page_views", hour: H10, accepted: 1, buffered: null }], NOW);
    expect(sql.rowsWritten() - mark).toBe(1);
    recordAcceptedCounts(sql, "q", [{ table: "page_views", hour: H10, accepted: 4, buffered: null }], NOW);
    expect(parity(sql, "page_views", NOW).map((row) => [row.hour, row.accepted])).toEqual([
      [H9, 3],
      [H10, 5],
    ]);
  });
});
