import { describe, expect, it } from "vitest";
import { files, keysUnder, partitions, recentRawRate, registerFile, removeFile, schemaVersions, tables } from "../src/index.ts";
import { COLUMNS, facts, keyIn, HOUR9, migratedCatalogSql, NOW } from "./fixture.ts";

describe("file registration", () => {
  it("is idempotent: the same object twice is one file, updated in place", () => {
    const sql = migratedCatalogSql();
    const key = keyIn("page_views", HOUR9, "a");
    registerFile(sql, "analytics-source", key, facts({ "2026-11-25T09": 3 }), NOW);
    const again = registerFile(sql, "analytics-source", key, facts({ "2026-11-25T09": 5 }), NOW + 1);
    expect(again).toEqual({ table: "page_views", partition: "year=2026/month=11/day=25/hour=09", key, rows: 5, bytes: 500, schema_version: 1, new_schema_version: false });
    expect(files(sql, "page_views")).toEqual([
      {
        key,
        partition: "year=2026/month=11/day=25/hour=09",
        rows: 5,
        bytes: 500,
        min_timestamp: new Date(1_000).toISOString(),
        max_timestamp: new Date(2_000).toISOString(),
        schema_version: 1,
        registered_at: new Date(NOW + 1).toISOString(),
      },
    ]);
    expect(sql.db.prepare("SELECT hour, rows FROM file_received_hours").all()).toEqual([{ hour: "2026-11-25T09", rows: 5 }]);
  });

  it("refuses an object that is not a lake table file", () => {
    expect(() => registerFile(migratedCatalogSql(), "analytics-source", "elsewhere/x.parquet", facts({}), NOW)).toThrow("is not a lake table file");
  });

  it("starts a schema version when columns are new, recording what was added and removed", () => {
    const sql = migratedCatalogSql();
    registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "a"), facts({}), NOW);
    const wider = [COLUMNS[1]!, { name: "country", type: "BYTE_ARRAY", nullable: true }];
    const second = registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "b"), facts({}, { columns: wider }), NOW);
    expect(second).toMatchObject({ schema_version: 2, new_schema_version: true });
    // A file with the first columns again is version 1, not a third version.
    expect(registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "c"), facts({}), NOW)).toMatchObject({ schema_version: 1, new_schema_version: false });
    expect(schemaVersions(sql, "page_views").map(({ version, added, removed }) => ({ version, added, removed }))).toEqual([
      { version: 1, added: ["event_id", "timestamp"], removed: [] },
      { version: 2, added: ["country"], removed: ["event_id"] },
    ]);
    expect(tables(sql).find((t) => t.name === "page_views")).toMatchObject({ layer: "raw", files: 3, schema_version: 2 });
    expect(tables(sql).find((t) => t.name === "usage_events")).toMatchObject({ rows: 0, files: 0, schema_version: null });
  });

  it("removes a file with its hours and says whether it was known", () => {
    const sql = migratedCatalogSql();
    const key = keyIn("page_views", HOUR9, "a");
    registerFile(sql, "analytics-source", key, facts({ "2026-11-25T09": 1 }), NOW);
    expect(removeFile(sql, "analytics-source", key)).toBe(true);
    expect(removeFile(sql, "analytics-source", key)).toBe(false);
    expect(files(sql, "page_views")).toEqual([]);
    expect(sql.db.prepare("SELECT count(*) AS n FROM file_received_hours").get()).toEqual({ n: 0 });
  });

  it("lists partitions, keys under a prefix in every state, and the recent raw rate", () => {
    const sql = migratedCatalogSql();
    registerFile(sql, "analytics-source", keyIn("page_views", HOUR9, "a"), facts({ "2026-11-25T09": 2 }), NOW - 1000);
    registerFile(sql, "analytics-source", keyIn("page_views", HOUR9 + 3_600_000, "b"), facts({ "2026-11-25T10": 4 }), NOW - 48 * 3_600_000);
    expect(partitions(sql, "page_views")).toEqual([
      { partition: "year=2026/month=11/day=25/hour=09", files: 1, rows: 2, bytes: 200 },
      { partition: "year=2026/month=11/day=25/hour=10", files: 1, rows: 4, bytes: 400 },
    ]);
    expect(keysUnder(sql, "analytics-source", "events/page_views/year=2026/month=11/day=25/hour=09/")).toEqual([
      { key: keyIn("page_views", HOUR9, "a"), bytes: 200, state: "active", registeredAtMs: NOW - 1000 },
    ]);
    expect(recentRawRate(sql, 24, NOW)).toEqual({ bytes: 200, files: 1, rows: 2 });
  });
});
