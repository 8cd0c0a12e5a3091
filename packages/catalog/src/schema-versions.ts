// Schema versions: a table's version changes when a file arrives whose columns no earlier file of
// the table had (by fingerprint: names, types, nullability, in order).
import type { LakeTableName } from "@edge-analytics/lake";
import type { CatalogSql } from "./sql.ts";
import type { SchemaColumn, SchemaVersion } from "./types.ts";

/**
 * The version of `table` whose columns are `columns`, recorded (with what was added and removed
 * against the newest version) when they are new. Call inside the registration's transaction.
 */
export function schemaVersionOf(sql: CatalogSql, table: LakeTableName, columns: readonly SchemaColumn[], nowMs = Date.now()): { version: number; isNew: boolean } {
  const fingerprint = JSON.stringify(columns);
  const known = sql.exec<{ version: number }>("SELECT version FROM schema_versions WHERE table_name = ? AND fingerprint = ?", table, fingerprint).toArray()[0];
  if (known) return { version: known.version, isNew: false };
  const previous = sql
    .exec<{ version: number; columns: string }>("SELECT version, columns FROM schema_versions WHERE table_name = ? ORDER BY version DESC LIMIT 1", table)
    .toArray()[0];
  const before = new Set(previous ? (JSON.parse(previous.columns) as SchemaColumn[]).map((c) => c.name) : []);
  const after = new Set(columns.map((c) => c.name));
  const version = (previous?.version ?? 0) + 1;
  sql.exec(
    "INSERT INTO schema_versions (table_name, version, fingerprint, columns, added, removed, first_seen_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    table,
    version,
    fingerprint,
    fingerprint,
    JSON.stringify([...after].filter((name) => !before.has(name))),
    JSON.stringify([...before].filter((name) => !after.has(name))),
    nowMs,
  );
  return { version, isNew: true };
}

/** Every recorded version (of one table, or all), by table then version. */
export function schemaVersions(sql: CatalogSql, table?: LakeTableName): SchemaVersion[] {
  return sql
    .exec<{ table_name: LakeTableName; version: number; columns: string; added: string; removed: string; first_seen_at_ms: number }>(
      "SELECT table_name, version, columns, added, removed, first_seen_at_ms FROM schema_versions WHERE ?1 IS NULL OR table_name = ?1 ORDER BY table_name, version",
      table ?? null,
    )
    .toArray()
    .map((row) => ({
      table: row.table_name,
      version: row.version,
      columns: JSON.parse(row.columns) as SchemaColumn[],
      added: JSON.parse(row.added) as string[],
      removed: JSON.parse(row.removed) as string[],
      first_seen_at: new Date(row.first_seen_at_ms).toISOString(),
    }));
}
