import { type AcceptedCount, type LakeLayer, type LakeTableName, PROCESSED_TABLE_NAMES, type ParquetFileFacts, parseLakeObjectKey, tableLocation } from "@edge-analytics/lake";
import { TABLE_NAMES } from "@edge-analytics/event-schema";
import { DurableObject } from "cloudflare:workers";

/** A table as `GET /catalog/tables` lists it (CONTRACT.md). */
export interface CatalogTable {
  name: LakeTableName;
  layer: LakeLayer;
  rows: number;
  bytes: number;
  files: number;
  /** The newest schema version seen in a file of the table, null before its first file. */
  schema_version: number | null;
}

export interface CatalogPartition {
  partition: string;
  files: number;
  rows: number;
  bytes: number;
}

export interface CatalogFile {
  key: string;
  partition: string;
  rows: number;
  bytes: number;
  min_timestamp: string | null;
  max_timestamp: string | null;
  schema_version: number;
  registered_at: string;
}

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface SchemaVersion {
  table: LakeTableName;
  version: number;
  columns: SchemaColumn[];
  /** Columns new in this version (by name) and columns the previous version had and this one lacks. */
  added: string[];
  removed: string[];
  first_seen_at: string;
}

/** A registration's outcome. */
export interface RegisteredFile {
  table: LakeTableName;
  partition: string;
  key: string;
  rows: number;
  bytes: number;
  schema_version: number;
  new_schema_version: boolean;
}

export interface ParityRow {
  table: string;
  hour: string;
  accepted: number;
  landed: number;
  buffered: number;
  /**
   * ok: landed == accepted; pending: the difference is still buffered; mismatch: anything else (a
   * loss or a duplicate); unreported: rows landed but no journal reported counts for the hour (files
   * written by Cloudflare Pipelines, whose ingestion path does not count yet).
   */
  status: "ok" | "pending" | "mismatch" | "unreported";
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The lake's catalog: one SQLite Durable Object, so every read sees every committed registration
 * (strong consistency) and a registration is one transaction. Files are keyed by (bucket, key):
 * registering the same object twice updates it in place, which makes registration idempotent.
 */
export class LakeCatalog extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS schema_versions (
         table_name TEXT NOT NULL,
         version INTEGER NOT NULL,
         fingerprint TEXT NOT NULL,
         columns TEXT NOT NULL,
         added TEXT NOT NULL,
         removed TEXT NOT NULL,
         first_seen_at_ms INTEGER NOT NULL,
         PRIMARY KEY (table_name, version)
       );
       CREATE TABLE IF NOT EXISTS files (
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
         PRIMARY KEY (bucket, key)
       ) WITHOUT ROWID;
       CREATE INDEX IF NOT EXISTS files_by_table ON files (table_name, partition);
       CREATE TABLE IF NOT EXISTS file_received_hours (
         bucket TEXT NOT NULL,
         key TEXT NOT NULL,
         hour TEXT NOT NULL,
         rows INTEGER NOT NULL,
         PRIMARY KEY (bucket, key, hour)
       ) WITHOUT ROWID;
       CREATE TABLE IF NOT EXISTS accepted_counts (
         project TEXT NOT NULL,
         table_name TEXT NOT NULL,
         hour TEXT NOT NULL,
         accepted INTEGER NOT NULL,
         buffered INTEGER NOT NULL,
         PRIMARY KEY (project, table_name, hour)
       ) WITHOUT ROWID;`,
    );
  }

  /** Records (or updates) a file from its facts, assigning a schema version when its columns are new. */
  async registerFile(bucket: string, key: string, facts: ParquetFileFacts): Promise<RegisteredFile> {
    const location = parseLakeObjectKey(bucket, key);
    if (!location) throw new Error(`${bucket}/${key} is not a lake table file`);
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const fingerprint = JSON.stringify(facts.columns);
      let version = sql
        .exec<{ version: number }>("SELECT version FROM schema_versions WHERE table_name = ? AND fingerprint = ?", location.table, fingerprint)
        .toArray()[0]?.version;
      let newVersion = false;
      if (version === undefined) {
        const previous = sql
          .exec<{ version: number; columns: string }>(
            "SELECT version, columns FROM schema_versions WHERE table_name = ? ORDER BY version DESC LIMIT 1",
            location.table,
          )
          .toArray()[0];
        const before = new Set(previous ? (JSON.parse(previous.columns) as SchemaColumn[]).map((c) => c.name) : []);
        const after = new Set(facts.columns.map((c) => c.name));
        version = (previous?.version ?? 0) + 1;
        newVersion = true;
        sql.exec(
          "INSERT INTO schema_versions (table_name, version, fingerprint, columns, added, removed, first_seen_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
          location.table,
          version,
          fingerprint,
          fingerprint,
          JSON.stringify([...after].filter((name) => !before.has(name))),
          JSON.stringify([...before].filter((name) => !after.has(name))),
          now,
        );
      }
      sql.exec(
        `INSERT INTO files (bucket, key, table_name, partition, rows, bytes, min_timestamp_ms, max_timestamp_ms, schema_version, registered_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bucket, key) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes,
           min_timestamp_ms = excluded.min_timestamp_ms, max_timestamp_ms = excluded.max_timestamp_ms,
           schema_version = excluded.schema_version`,
        bucket,
        key,
        location.table,
        location.partition,
        facts.rows,
        facts.bytes,
        facts.minTimestampMs,
        facts.maxTimestampMs,
        version,
        now,
      );
      sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
      for (const [hour, rows] of Object.entries(facts.rowsByReceivedHour)) {
        sql.exec("INSERT INTO file_received_hours (bucket, key, hour, rows) VALUES (?, ?, ?, ?)", bucket, key, hour, rows);
      }
      return { table: location.table, partition: location.partition, key, rows: facts.rows, bytes: facts.bytes, schema_version: version, new_schema_version: newVersion };
    });
  }

  /** Forgets a file (deleted from its bucket). Returns whether it was known. */
  async removeFile(bucket: string, key: string): Promise<boolean> {
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
      return this.ctx.storage.sql.exec("DELETE FROM files WHERE bucket = ? AND key = ?", bucket, key).rowsWritten > 0;
    });
  }

  /** Keys the catalog holds under a prefix of a bucket (for the reconcile against a bucket listing). */
  async keysUnder(bucket: string, prefix: string): Promise<string[]> {
    return this.ctx.storage.sql
      .exec<{ key: string }>("SELECT key FROM files WHERE bucket = ? AND substr(key, 1, ?) = ? ORDER BY key", bucket, prefix.length, prefix)
      .toArray()
      .map((row) => row.key);
  }

  /** Every lake table, raw then processed, with totals (zero before its first file). */
  async tables(): Promise<CatalogTable[]> {
    const totals = new Map(
      this.ctx.storage.sql
        .exec<{ table_name: string; rows: number; bytes: number; files: number }>(
          "SELECT table_name, sum(rows) AS rows, sum(bytes) AS bytes, count(*) AS files FROM files GROUP BY table_name",
        )
        .toArray()
        .map((row) => [row.table_name, row]),
    );
    const versions = new Map(
      this.ctx.storage.sql
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

  async partitions(table: LakeTableName): Promise<CatalogPartition[]> {
    return this.ctx.storage.sql
      .exec<{ partition: string; files: number; rows: number; bytes: number }>(
        "SELECT partition, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes FROM files WHERE table_name = ? GROUP BY partition ORDER BY partition",
        table,
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  async files(table: LakeTableName, partition?: string): Promise<CatalogFile[]> {
    const rows = this.ctx.storage.sql
      .exec<{ key: string; partition: string; rows: number; bytes: number; min_ms: number | null; max_ms: number | null; schema_version: number; registered_at_ms: number }>(
        `SELECT key, partition, rows, bytes, min_timestamp_ms AS min_ms, max_timestamp_ms AS max_ms, schema_version, registered_at_ms
         FROM files WHERE table_name = ?1 AND (?2 IS NULL OR partition = ?2) ORDER BY partition, key`,
        table,
        partition ?? null,
      )
      .toArray();
    return rows.map((row) => ({
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

  async schemaVersions(table?: LakeTableName): Promise<SchemaVersion[]> {
    return this.ctx.storage.sql
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

  /** Replaces one project's accepted/buffered counts with its journal's current figures. */
  async recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM accepted_counts WHERE project = ?", project);
      for (const count of counts) {
        this.ctx.storage.sql.exec(
          "INSERT INTO accepted_counts (project, table_name, hour, accepted, buffered) VALUES (?, ?, ?, ?, ?)",
          project,
          count.table,
          count.hour,
          count.accepted,
          count.buffered,
        );
      }
    });
  }

  /**
   * Per raw table and UTC hour of receipt: events ingestion accepted vs rows that landed in
   * files. Landed rows are counted from the files' own `received_at` columns.
   */
  async parity(table?: string): Promise<ParityRow[]> {
    const rows = this.ctx.storage.sql
      .exec<{ table_name: string; hour: string; accepted: number; buffered: number; landed: number; reported: number }>(
        `WITH accepted AS (
           SELECT table_name, hour, sum(accepted) AS accepted, sum(buffered) AS buffered FROM accepted_counts GROUP BY table_name, hour
         ), landed AS (
           SELECT f.table_name, h.hour, sum(h.rows) AS landed
           FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
           WHERE f.bucket = 'analytics-source' GROUP BY f.table_name, h.hour
         ), pairs AS (
           SELECT table_name, hour FROM accepted UNION SELECT table_name, hour FROM landed
         )
         SELECT p.table_name, p.hour, (a.table_name IS NOT NULL) AS reported, coalesce(a.accepted, 0) AS accepted, coalesce(a.buffered, 0) AS buffered, coalesce(l.landed, 0) AS landed
         FROM pairs AS p
         LEFT JOIN accepted AS a ON a.table_name = p.table_name AND a.hour = p.hour
         LEFT JOIN landed AS l ON l.table_name = p.table_name AND l.hour = p.hour
         WHERE ?1 IS NULL OR p.table_name = ?1
         ORDER BY p.table_name, p.hour`,
        table ?? null,
      )
      .toArray();
    return rows.map((row) => ({
      table: row.table_name,
      hour: row.hour,
      accepted: row.accepted,
      landed: row.landed,
      buffered: row.buffered,
      status: !row.reported ? "unreported" : row.landed === row.accepted ? "ok" : row.landed + row.buffered === row.accepted ? "pending" : "mismatch",
    }));
  }

  /** Raw bytes, files and rows registered in the last `hours`, the basis of the cost projection. */
  async recentRawRate(hours: number): Promise<{ bytes: number; files: number; rows: number }> {
    const row = this.ctx.storage.sql
      .exec<{ bytes: number | null; files: number; rows: number | null }>(
        "SELECT sum(bytes) AS bytes, count(*) AS files, sum(rows) AS rows FROM files WHERE bucket = 'analytics-source' AND registered_at_ms >= ?",
        Date.now() - hours * 3_600_000,
      )
      .one();
    return { bytes: row.bytes ?? 0, files: row.files, rows: row.rows ?? 0 };
  }
}
