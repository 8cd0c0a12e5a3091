// The catalog's schema, as an ordered list of versioned migrations. Each runs once, in its own
// transaction with the row that records it, so a database is always at one known version.
import type { CatalogSql } from "./sql.ts";

export interface Migration {
  /** 1, 2, 3 …: applied in this order, each exactly once. Never renumber or edit one that shipped. */
  version: number;
  name: string;
  up(sql: CatalogSql): void;
}

/**
 * Migration 1 is the schema as the catalog had it before migrations were recorded. It adopts a
 * database created by that code (every table present: hence `IF NOT EXISTS` here, and only here)
 * and by older checkouts that lacked `files.state` or `accepted_counts.buffered_known`, without
 * touching a row. Later migrations are plain DDL: they run only on databases at version N-1.
 */
const BASELINE: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS schema_versions (
     table_name TEXT NOT NULL,
     version INTEGER NOT NULL,
     fingerprint TEXT NOT NULL,
     columns TEXT NOT NULL,
     added TEXT NOT NULL,
     removed TEXT NOT NULL,
     first_seen_at_ms INTEGER NOT NULL,
     PRIMARY KEY (table_name, version)
   )`,
  `CREATE TABLE IF NOT EXISTS files (
     bucket TEXT NOT NULL,
     key TEXT NOT NULL,
     table_name TEXT NOT NULL,
     partition TEXT NOT NULL,
     rows INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     min_timestamp_ms INTEGER,
     max_timestamp_ms INTEGER,
     schema_version INTEGER NOT NULL,
     registered_at_ms INTEGER NOT NULL,
     -- active: readers see it; staged: a compaction's output not yet swapped in; retired: a
     -- compaction's input swapped out, its object not yet deleted. Only active files are listed.
     state TEXT NOT NULL DEFAULT 'active',
     PRIMARY KEY (bucket, key)
   ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS files_by_table ON files (table_name, partition)",
  `CREATE TABLE IF NOT EXISTS file_received_hours (
     bucket TEXT NOT NULL,
     key TEXT NOT NULL,
     hour TEXT NOT NULL,
     rows INTEGER NOT NULL,
     PRIMARY KEY (bucket, key, hour)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS compaction_runs (
     run_id TEXT PRIMARY KEY,
     table_name TEXT NOT NULL,
     partition TEXT NOT NULL,
     state TEXT NOT NULL,
     inputs TEXT NOT NULL,
     outputs TEXT NOT NULL,
     lease_until_ms INTEGER NOT NULL,
     started_at_ms INTEGER NOT NULL,
     finished_at_ms INTEGER,
     report TEXT
   ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS compaction_runs_by_partition ON compaction_runs (table_name, partition, state)",
  // snapshots_stale / schemas_stale: '1' when the snapshot in analytics-catalog is behind.
  "CREATE TABLE IF NOT EXISTS catalog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
  // Rows compaction dropped as duplicates, per raw table and hour of receipt: parity's landed
  // counts every copy the sink delivered (at least once), not only the copies still in files.
  `CREATE TABLE IF NOT EXISTS compacted_duplicates (
     table_name TEXT NOT NULL,
     hour TEXT NOT NULL,
     rows INTEGER NOT NULL,
     PRIMARY KEY (table_name, hour)
   ) WITHOUT ROWID`,
  // Distinct event_ids per raw table and hour of receipt, as last counted from the files the
  // signature names (the Worker reads them; a count is stale once the files change).
  `CREATE TABLE IF NOT EXISTS parity_distinct (
     table_name TEXT NOT NULL,
     hour TEXT NOT NULL,
     signature TEXT NOT NULL,
     distinct_ids INTEGER NOT NULL,
     PRIMARY KEY (table_name, hour)
   ) WITHOUT ROWID`,
  // buffered_known 0: the reporter could not know what is buffered (a Pipelines stream).
  `CREATE TABLE IF NOT EXISTS accepted_counts (
     project TEXT NOT NULL,
     table_name TEXT NOT NULL,
     hour TEXT NOT NULL,
     accepted INTEGER NOT NULL,
     buffered INTEGER NOT NULL,
     buffered_known INTEGER NOT NULL DEFAULT 1,
     PRIMARY KEY (project, table_name, hour)
   ) WITHOUT ROWID`,
];

/** `table` is one of this file's own table names, never input. */
function hasColumn(sql: CatalogSql, table: "files" | "accepted_counts", column: string): boolean {
  return sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().some((row) => row.name === column);
}

/** The catalog's migrations, oldest first. Append; never edit or reorder one that shipped. */
export const CATALOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "baseline: files, schema versions, parity, compaction runs",
    up(sql) {
      for (const statement of BASELINE) sql.exec(statement);
      // Catalogs created before these columns existed (local state of an earlier checkout).
      if (!hasColumn(sql, "files", "state")) sql.exec("ALTER TABLE files ADD COLUMN state TEXT NOT NULL DEFAULT 'active'");
      if (!hasColumn(sql, "accepted_counts", "buffered_known")) sql.exec("ALTER TABLE accepted_counts ADD COLUMN buffered_known INTEGER NOT NULL DEFAULT 1");
    },
  },
];

/** The migrations recorded as applied, oldest first. */
export function appliedMigrations(sql: CatalogSql): { version: number; name: string; applied_at_ms: number }[] {
  return sql.exec<{ version: number; name: string; applied_at_ms: number }>("SELECT version, name, applied_at_ms FROM migrations ORDER BY version").toArray();
}

/**
 * Brings the database to the newest version: each migration not yet recorded in `migrations`
 * runs, in order, in one transaction with its record. Returns the versions applied now.
 *
 * @example
 * runMigrations(sql); // in the Durable Object's constructor, before any method runs
 */
export function runMigrations(sql: CatalogSql, migrations: readonly Migration[] = CATALOG_MIGRATIONS, nowMs = Date.now()): number[] {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${i + 1}: versions are 1, 2, 3 … in order`);
  });
  sql.exec("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)");
  const done = new Set(appliedMigrations(sql).map((row) => row.version));
  const newest = Math.max(0, ...done);
  if (newest > migrations.length) throw new Error(`the catalog's database is at version ${newest}, newer than this code's ${migrations.length}`);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    sql.transaction(() => {
      migration.up(sql);
      sql.exec("INSERT INTO migrations (version, name, applied_at_ms) VALUES (?, ?, ?)", migration.version, migration.name, nowMs);
    });
    applied.push(migration.version);
  }
  return applied;
}
