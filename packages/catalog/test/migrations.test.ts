import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { appliedMigrations, CATALOG_MIGRATIONS, files, type Migration, parity, registerFile, runMigrations } from "../src/index.ts";
import { facts, keyIn, memoryCatalogSql } from "./fixture.ts";

const NOW = Date.UTC(2026, 10, 25, 12);

/** The tables as the catalog created them before migrations were recorded (its constructor, verbatim but for `-- columns` noted). */
function legacySchema(withLaterColumns: boolean): string {
  return `
    CREATE TABLE IF NOT EXISTS schema_versions (table_name TEXT NOT NULL, version INTEGER NOT NULL, fingerprint TEXT NOT NULL, columns TEXT NOT NULL,
      added TEXT NOT NULL, removed TEXT NOT NULL, first_seen_at_ms INTEGER NOT NULL, PRIMARY KEY (table_name, version));
    CREATE TABLE IF NOT EXISTS files (bucket TEXT NOT NULL, key TEXT NOT NULL, table_name TEXT NOT NULL, partition TEXT NOT NULL, rows INTEGER NOT NULL,
      bytes INTEGER NOT NULL, min_timestamp_ms INTEGER, max_timestamp_ms INTEGER, schema_version INTEGER NOT NULL, registered_at_ms INTEGER NOT NULL,
      ${withLaterColumns ? "state TEXT NOT NULL DEFAULT 'active'," : ""} PRIMARY KEY (bucket, key)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS files_by_table ON files (table_name, partition);
    CREATE TABLE IF NOT EXISTS file_received_hours (bucket TEXT NOT NULL, key TEXT NOT NULL, hour TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (bucket, key, hour)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS compaction_runs (run_id TEXT PRIMARY KEY, table_name TEXT NOT NULL, partition TEXT NOT NULL, state TEXT NOT NULL, inputs TEXT NOT NULL,
      outputs TEXT NOT NULL, lease_until_ms INTEGER NOT NULL, started_at_ms INTEGER NOT NULL, finished_at_ms INTEGER, report TEXT) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS compaction_runs_by_partition ON compaction_runs (table_name, partition, state);
    CREATE TABLE IF NOT EXISTS catalog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS compacted_duplicates (table_name TEXT NOT NULL, hour TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (table_name, hour)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS parity_distinct (table_name TEXT NOT NULL, hour TEXT NOT NULL, signature TEXT NOT NULL, distinct_ids INTEGER NOT NULL, PRIMARY KEY (table_name, hour)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS accepted_counts (project TEXT NOT NULL, table_name TEXT NOT NULL, hour TEXT NOT NULL, accepted INTEGER NOT NULL, buffered INTEGER NOT NULL,
      ${withLaterColumns ? "buffered_known INTEGER NOT NULL DEFAULT 1," : ""} PRIMARY KEY (project, table_name, hour)) WITHOUT ROWID;`;
}

function tableNames(db: DatabaseSync): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
}

describe("runMigrations", () => {
  it("creates the schema on an empty database and records migration 1", () => {
    const sql = memoryCatalogSql();
    expect(runMigrations(sql, CATALOG_MIGRATIONS, NOW)).toEqual([1]);
    expect(appliedMigrations(sql)).toEqual([{ version: 1, name: CATALOG_MIGRATIONS[0]?.name, applied_at_ms: NOW }]);
    expect(tableNames(sql.db)).toEqual([
      "accepted_counts",
      "catalog_meta",
      "compacted_duplicates",
      "compaction_runs",
      "file_received_hours",
      "files",
      "migrations",
      "parity_distinct",
      "schema_versions",
    ]);
  });

  it("runs each migration once: a second run applies nothing and writes no schema", () => {
    const sql = memoryCatalogSql();
    runMigrations(sql, CATALOG_MIGRATIONS, NOW);
    sql.statements.length = 0;
    expect(runMigrations(sql, CATALOG_MIGRATIONS, NOW + 1)).toEqual([]);
    expect(sql.statements.filter((s) => /^\s*(CREATE TABLE (?!IF NOT EXISTS migrations)|ALTER|INSERT)/.test(s))).toEqual([]);
    expect(appliedMigrations(sql)).toHaveLength(1);
  });

  it("adopts a database the catalog created before migrations were recorded, keeping every row", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(legacySchema(true));
    const hour = "2026-11-25T09";
    const key = keyIn("page_views", Date.UTC(2026, 10, 25, 9), "legacy");
    db.prepare("INSERT INTO files (bucket, key, table_name, partition, rows, bytes, min_timestamp_ms, max_timestamp_ms, schema_version, registered_at_ms, state) VALUES (?, ?, 'page_views', ?, 3, 300, 1, 2, 1, ?, 'active')").run(
      "analytics-source",
      key,
      key.split("/").slice(2, 6).join("/"),
      NOW - 1000,
    );
    db.prepare("INSERT INTO file_received_hours (bucket, key, hour, rows) VALUES ('analytics-source', ?, ?, 3)").run(key, hour);
    db.prepare("INSERT INTO accepted_counts (project, table_name, hour, accepted, buffered, buffered_known) VALUES ('p', 'page_views', ?, 3, 0, 1)").run(hour);
    const sql = memoryCatalogSql(db);

    expect(runMigrations(sql, CATALOG_MIGRATIONS, NOW)).toEqual([1]);
    expect(files(sql, "page_views").map((f) => [f.key, f.rows])).toEqual([[key, 3]]);
    expect(parity(sql, "page_views", NOW)).toMatchObject([{ hour, accepted: 3, landed: 3, status: "ok" }]);
  });

  it("adds the columns an older checkout's database lacks, with their defaults", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(legacySchema(false));
    const key = keyIn("page_views", Date.UTC(2026, 10, 25, 9), "older");
    db.prepare("INSERT INTO files (bucket, key, table_name, partition, rows, bytes, schema_version, registered_at_ms) VALUES ('analytics-source', ?, 'page_views', 'p', 1, 1, 1, 0)").run(key);
    db.prepare("INSERT INTO accepted_counts (project, table_name, hour, accepted, buffered) VALUES ('p', 'page_views', '2026-11-25T09', 1, 0)").run();
    const sql = memoryCatalogSql(db);

    runMigrations(sql, CATALOG_MIGRATIONS, NOW);
    expect(db.prepare("SELECT state FROM files").all()).toEqual([{ state: "active" }]);
    expect(db.prepare("SELECT buffered_known FROM accepted_counts").all()).toEqual([{ buffered_known: 1 }]);
  });

  it("applies appended migrations in order, after those already recorded", () => {
    const sql = memoryCatalogSql();
    runMigrations(sql, CATALOG_MIGRATIONS, NOW);
    const next: Migration[] = [
      ...CATALOG_MIGRATIONS,
      { version: 2, name: "a note per file", up: (s) => s.exec("ALTER TABLE files ADD COLUMN note TEXT") },
      { version: 3, name: "an index on it", up: (s) => s.exec("CREATE INDEX files_by_note ON files (note)") },
    ];
    expect(runMigrations(sql, next, NOW + 1)).toEqual([2, 3]);
    expect(appliedMigrations(sql).map((m) => m.version)).toEqual([1, 2, 3]);
    expect(runMigrations(sql, next, NOW + 2)).toEqual([]);
  });

  it("rolls a failing migration back whole and does not record it", () => {
    const sql = memoryCatalogSql();
    runMigrations(sql, CATALOG_MIGRATIONS, NOW);
    const failing: Migration = {
      version: 2,
      name: "half done",
      up(s) {
        s.exec("CREATE TABLE half (x INTEGER)");
        throw new Error("disk full");
      },
    };
    expect(() => runMigrations(sql, [...CATALOG_MIGRATIONS, failing], NOW)).toThrow("disk full");
    expect(tableNames(sql.db)).not.toContain("half");
    expect(appliedMigrations(sql).map((m) => m.version)).toEqual([1]);
  });

  it("refuses a database newer than the code, and a list out of order", () => {
    const sql = memoryCatalogSql();
    runMigrations(sql, [...CATALOG_MIGRATIONS, { version: 2, name: "newer", up: () => undefined }], NOW);
    expect(() => runMigrations(sql, CATALOG_MIGRATIONS, NOW)).toThrow("newer than this code's 1");
    expect(() => runMigrations(memoryCatalogSql(), [{ version: 2, name: "skips one", up: () => undefined }], NOW)).toThrow("expected 1");
  });

  it("keeps registering into an adopted database", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(legacySchema(true));
    const sql = memoryCatalogSql(db);
    runMigrations(sql, CATALOG_MIGRATIONS, NOW);
    const registered = registerFile(sql, "analytics-source", keyIn("page_views", Date.UTC(2026, 10, 25, 9), "after"), facts({ "2026-11-25T09": 2 }), NOW);
    expect(registered).toMatchObject({ table: "page_views", rows: 2, schema_version: 1, new_schema_version: true });
  });
});
