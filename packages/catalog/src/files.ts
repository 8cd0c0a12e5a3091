// File registration and the catalog's reads of files: tables, partitions, files, keys. Files are
// keyed by (bucket, key): registering the same object twice updates it in place, which makes
// registration idempotent.
import { TABLE_NAMES } from "@edge-analytics/event-schema";
import { type LakeTableName, PROCESSED_TABLE_NAMES, type ParquetFileFacts, parseLakeObjectKey, tableLocation } from "@edge-analytics/lake";
import { schemaVersionOf } from "./schema-versions.ts";
import type { CatalogSql } from "./sql.ts";
import type { CatalogFile, CatalogPartition, CatalogTable, FileState, RegisteredFile } from "./types.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Records (or updates) a file from its facts, assigning a schema version when its columns are new. One transaction. */
export function registerFile(sql: CatalogSql, bucket: string, key: string, facts: ParquetFileFacts, nowMs = Date.now()): RegisteredFile {
  const location = parseLakeObjectKey(bucket, key);
  if (!location) throw new Error(`${bucket}/${key} is not a lake table file`);
  return sql.transaction(() => upsertFile(sql, bucket, key, location, facts, nowMs));
}

/**
 * The body of a registration, inside the caller's transaction (compaction stages its outputs
 * through it too). A file keeps its state: a staged output stays invisible.
 */
export function upsertFile(
  sql: CatalogSql,
  bucket: string,
  key: string,
  location: { table: LakeTableName; partition: string },
  facts: ParquetFileFacts,
  nowMs = Date.now(),
): RegisteredFile {
  const { version, isNew } = schemaVersionOf(sql, location.table, facts.columns, nowMs);
  sql.exec(
    `INSERT INTO files (bucket, key, table_name, partition, rows, bytes, min_timestamp_ms, max_timestamp_ms, schema_version, registered_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (bucket, key) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes,
       min_timestamp_ms = excluded.min_timestamp_ms, max_timestamp_ms = excluded.max_timestamp_ms,
       schema_version = excluded.schema_version, registered_at_ms = excluded.registered_at_ms`,
    bucket,
    key,
    location.table,
    location.partition,
    facts.rows,
    facts.bytes,
    facts.minTimestampMs,
    facts.maxTimestampMs,
    version,
    nowMs,
  );
  sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
  for (const [hour, rows] of Object.entries(facts.rowsByReceivedHour)) {
    sql.exec("INSERT INTO file_received_hours (bucket, key, hour, rows) VALUES (?, ?, ?, ?)", bucket, key, hour, rows);
  }
  return { table: location.table, partition: location.partition, key, rows: facts.rows, bytes: facts.bytes, schema_version: version, new_schema_version: isNew };
}

/** Forgets a file (deleted from its bucket). Returns whether it was known. */
export function removeFile(sql: CatalogSql, bucket: string, key: string): boolean {
  return sql.transaction(() => {
    sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
    return sql.exec("DELETE FROM files WHERE bucket = ? AND key = ?", bucket, key).rowsWritten > 0;
  });
}

/**
 * Every key the catalog holds under a prefix, in any state, with its size: the reconcile must
 * neither register a compaction's staged output or retired input as a new file nor drop them.
 */
export function keysUnder(sql: CatalogSql, bucket: string, prefix: string): { key: string; bytes: number; state: FileState; registeredAtMs: number }[] {
  return sql
    .exec<{ key: string; bytes: number; state: FileState; registeredAtMs: number }>(
      "SELECT key, bytes, state, registered_at_ms AS registeredAtMs FROM files WHERE bucket = ? AND substr(key, 1, ?) = ? ORDER BY key",
      bucket,
      prefix.length,
      prefix,
    )
    .toArray()
    .map((row) => ({ ...row }));
}

/** Every lake table, raw then processed, with totals (zero before its first file). */
export function tables(sql: CatalogSql): CatalogTable[] {
  const totals = new Map(
    sql
      .exec<{ table_name: string; rows: number; bytes: number; files: number }>(
        "SELECT table_name, sum(rows) AS rows, sum(bytes) AS bytes, count(*) AS files FROM files WHERE state = 'active' GROUP BY table_name",
      )
      .toArray()
      .map((row) => [row.table_name, row]),
  );
  const versions = new Map(
    sql
      .exec<{ table_name: string; version: number }>("SELECT table_name, max(version) AS version FROM schema_versions GROUP BY table_name")
      .toArray()
      .map((row) => [row.table_name, row.version]),
  );
  return ([...TABLE_NAMES, ...PROCESSED_TABLE_NAMES] as LakeTableName[]).map((name) => {
    const total = totals.get(name);
    return {
      name,
      layer: tableLocation(name).layer,
      rows: total?.rows ?? 0,
      bytes: total?.bytes ?? 0,
      files: total?.files ?? 0,
      schema_version: versions.get(name) ?? null,
    };
  });
}

/** A table's partitions with active files, in order. */
export function partitions(sql: CatalogSql, table: LakeTableName): CatalogPartition[] {
  return sql
    .exec<{ partition: string; files: number; rows: number; bytes: number }>(
      "SELECT partition, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes FROM files WHERE table_name = ? AND state = 'active' GROUP BY partition ORDER BY partition",
      table,
    )
    .toArray()
    .map((row) => ({ ...row }));
}

/** A table's active files (of one partition, or all), by partition then key. */
export function files(sql: CatalogSql, table: LakeTableName, partition?: string): CatalogFile[] {
  return sql
    .exec<{ key: string; partition: string; rows: number; bytes: number; min_ms: number | null; max_ms: number | null; schema_version: number; registered_at_ms: number }>(
      `SELECT key, partition, rows, bytes, min_timestamp_ms AS min_ms, max_timestamp_ms AS max_ms, schema_version, registered_at_ms
       FROM files WHERE table_name = ?1 AND state = 'active' AND (?2 IS NULL OR partition = ?2) ORDER BY partition, key`,
      table,
      partition ?? null,
    )
    .toArray()
    .map((row) => ({
      key: row.key,
      partition: row.partition,
      rows: row.rows,
      bytes: row.bytes,
      min_timestamp: iso(row.min_ms),
      max_timestamp: iso(row.max_ms),
      schema_version: row.schema_version,
      registered_at: new Date(row.registered_at_ms).toISOString(),
    }));
}

/** Raw bytes, files and rows registered in the last `hours`, the basis of the cost projection (compaction outputs excluded). */
export function recentRawRate(sql: CatalogSql, hours: number, nowMs = Date.now()): { bytes: number; files: number; rows: number } {
  const row = sql
    .exec<{ bytes: number | null; files: number; rows: number | null }>(
      "SELECT sum(bytes) AS bytes, count(*) AS files, sum(rows) AS rows FROM files WHERE bucket = 'analytics-source' AND state = 'active' AND registered_at_ms >= ? AND key NOT LIKE '%/compacted-%'",
      nowMs - hours * 3_600_000,
    )
    .one();
  return { bytes: row.bytes ?? 0, files: row.files, rows: row.rows ?? 0 };
}
