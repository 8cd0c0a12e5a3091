import {
  type AcceptedCount,
  type LakeTableName,
  PROCESSED_TABLE_NAMES,
  type ParquetFileFacts,
  parityCutoffHour,
  parseLakeObjectKey,
  tableLocation,
} from "@edge-analytics/lake";
import { TABLE_NAMES } from "@edge-analytics/event-schema";
import { DurableObject } from "cloudflare:workers";
import type {
  CatalogFile,
  CatalogPartition,
  CatalogTable,
  CompactionAnswer,
  CompactionCandidate,
  CompactionPlan,
  CompactionRun,
  CompactionRunState,
  DistinctWork,
  FileState,
  ParityRow,
  PartitionFile,
  RegisteredFile,
  SchemaColumn,
  SchemaVersion,
} from "@edge-analytics/catalog";
import { writeSnapshots } from "../snapshots.ts";


/**
 * Per raw table and UTC hour of receipt H (bound ?2: the parity window's first hour): the active
 * files that hold rows received in H or in the hour before (a resend's first copy may be there),
 * as a signature (files, rows, newest registration: any change of those files changes it), their
 * keys, their rows in those two hours, and their rows in H itself.
 */
const DISTINCT_SIGNATURES_SQL = `
  SELECT table_name, hour, count(DISTINCT key) || '/' || sum(rows) || '/' || max(registered_at_ms) AS signature,
         json_group_array(DISTINCT key) AS keys, sum(rows) AS rows, sum(CASE WHEN own THEN rows ELSE 0 END) AS own_rows
  FROM (
    SELECT f.table_name, h.hour AS hour, f.key, h.rows, f.registered_at_ms, 1 AS own
    FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
    WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2
    UNION ALL
    SELECT f.table_name, strftime('%Y-%m-%dT%H', h.hour || ':00:00', '+1 hour') AS hour, f.key, h.rows, f.registered_at_ms, 0 AS own
    FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
    WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2
  )
  GROUP BY table_name, hour`;

/**
 * How long after an hour ends a stream may still land its rows: Pipelines rolls a file at least
 * every 300 s by default, plus delivery; after this, rows still missing are a mismatch.
 */
export const STREAM_PARITY_GRACE_MS = 15 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Snapshots follow changes after this long: a burst of registrations (a flush of every table, a
 * backlog of Pipelines notifications) costs one rewrite, not one per file, and a registration
 * never waits for the snapshot's listing of every partition.
 */
export const SNAPSHOT_DEBOUNCE_MS = 5_000;
/** After a failed snapshot write, the next attempt. */
const SNAPSHOT_RETRY_MS = 60_000;

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
         -- active: readers see it; staged: a compaction's output not yet swapped in; retired: a
         -- compaction's input swapped out, its object not yet deleted. Only active files are listed.
         state TEXT NOT NULL DEFAULT 'active',
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
       CREATE TABLE IF NOT EXISTS compaction_runs (
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
       ) WITHOUT ROWID;
       CREATE INDEX IF NOT EXISTS compaction_runs_by_partition ON compaction_runs (table_name, partition, state);
       -- snapshots_stale / schemas_stale: '1' when the snapshot in analytics-catalog is behind.
       CREATE TABLE IF NOT EXISTS catalog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
       -- Rows compaction dropped as duplicates, per raw table and hour of receipt: parity's landed
       -- counts every copy the sink delivered (at least once), not only the copies still in files.
       CREATE TABLE IF NOT EXISTS compacted_duplicates (
         table_name TEXT NOT NULL,
         hour TEXT NOT NULL,
         rows INTEGER NOT NULL,
         PRIMARY KEY (table_name, hour)
       ) WITHOUT ROWID;
       -- Distinct event_ids per raw table and hour of receipt, as last counted from the files the
       -- signature names (the Worker reads them; a count is stale once the files change).
       CREATE TABLE IF NOT EXISTS parity_distinct (
         table_name TEXT NOT NULL,
         hour TEXT NOT NULL,
         signature TEXT NOT NULL,
         distinct_ids INTEGER NOT NULL,
         PRIMARY KEY (table_name, hour)
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
    // Catalogs created before file states existed (local state of an earlier checkout).
    const columns = ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(files)").toArray();
    if (!columns.some((c) => c.name === "state")) ctx.storage.sql.exec("ALTER TABLE files ADD COLUMN state TEXT NOT NULL DEFAULT 'active'");
    // ... and before a reporter could say it does not know what is buffered (0 = unknown).
    if (!ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(accepted_counts)").toArray().some((c) => c.name === "buffered_known")) {
      ctx.storage.sql.exec("ALTER TABLE accepted_counts ADD COLUMN buffered_known INTEGER NOT NULL DEFAULT 1");
    }
  }

  private meta(name: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM catalog_meta WHERE name = ?", name).toArray()[0]?.value;
  }

  private setMeta(name: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO catalog_meta (name, value) VALUES (?, ?)", name, value);
  }

  /**
   * The catalog changed (a file registered or removed): the snapshot in analytics-catalog is
   * rewritten by the alarm within {@link SNAPSHOT_DEBOUNCE_MS}; `schemas` when a schema version
   * was added.
   */
  async snapshotsChanged(schemas: boolean): Promise<void> {
    this.setMeta("snapshots_stale", "1");
    if (schemas) this.setMeta("schemas_stale", "1");
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_DEBOUNCE_MS);
  }

  /** Whether the snapshot is behind the catalog (for tests and operators). */
  async snapshotsStale(): Promise<boolean> {
    return this.meta("snapshots_stale") === "1";
  }

  /** Rewrites a stale snapshot; a failure is retried, changes made meanwhile get another run. */
  override async alarm(): Promise<void> {
    if (this.meta("snapshots_stale") !== "1") return;
    const schemas = this.meta("schemas_stale") === "1";
    // Cleared first: a registration during the write marks them again and gets its own rewrite.
    this.setMeta("snapshots_stale", "0");
    this.setMeta("schemas_stale", "0");
    try {
      await writeSnapshots(this.env.CATALOG_BUCKET, this, { schemas });
    } catch (error) {
      this.setMeta("snapshots_stale", "1");
      if (schemas) this.setMeta("schemas_stale", "1");
      console.error(JSON.stringify({ level: "error", stage: "catalog-snapshot", message: error instanceof Error ? error.message : String(error) }));
      await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_RETRY_MS);
      return;
    }
    if (this.meta("snapshots_stale") === "1" && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_DEBOUNCE_MS);
    }
  }

  /** Records (or updates) a file from its facts, assigning a schema version when its columns are new. */
  async registerFile(bucket: string, key: string, facts: ParquetFileFacts): Promise<RegisteredFile> {
    const location = parseLakeObjectKey(bucket, key);
    if (!location) throw new Error(`${bucket}/${key} is not a lake table file`);
    return this.ctx.storage.transactionSync(() => this.upsertFile(bucket, key, location, facts));
  }

  /** The body of a registration (inside the caller's transaction). A file keeps its state. */
  private upsertFile(bucket: string, key: string, location: { table: LakeTableName; partition: string }, facts: ParquetFileFacts): RegisteredFile {
    const sql = this.ctx.storage.sql;
    {
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
        now,
      );
      sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
      for (const [hour, rows] of Object.entries(facts.rowsByReceivedHour)) {
        sql.exec("INSERT INTO file_received_hours (bucket, key, hour, rows) VALUES (?, ?, ?, ?)", bucket, key, hour, rows);
      }
      return { table: location.table, partition: location.partition, key, rows: facts.rows, bytes: facts.bytes, schema_version: version, new_schema_version: newVersion };
    }
  }

  /** Forgets a file (deleted from its bucket). Returns whether it was known. */
  async removeFile(bucket: string, key: string): Promise<boolean> {
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM file_received_hours WHERE bucket = ? AND key = ?", bucket, key);
      return this.ctx.storage.sql.exec("DELETE FROM files WHERE bucket = ? AND key = ?", bucket, key).rowsWritten > 0;
    });
  }

  /**
   * Every key the catalog holds under a prefix, in any state, with its size: the reconcile must
   * neither register a compaction's staged output or retired input as a new file nor drop them.
   */
  async keysUnder(bucket: string, prefix: string): Promise<{ key: string; bytes: number; state: FileState; registeredAtMs: number }[]> {
    return this.ctx.storage.sql
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
  async tables(): Promise<CatalogTable[]> {
    const totals = new Map(
      this.ctx.storage.sql
        .exec<{ table_name: string; rows: number; bytes: number; files: number }>(
          "SELECT table_name, sum(rows) AS rows, sum(bytes) AS bytes, count(*) AS files FROM files WHERE state = 'active' GROUP BY table_name",
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
        "SELECT partition, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes FROM files WHERE table_name = ? AND state = 'active' GROUP BY partition ORDER BY partition",
        table,
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  async files(table: LakeTableName, partition?: string): Promise<CatalogFile[]> {
    const rows = this.ctx.storage.sql
      .exec<{ key: string; partition: string; rows: number; bytes: number; min_ms: number | null; max_ms: number | null; schema_version: number; registered_at_ms: number }>(
        `SELECT key, partition, rows, bytes, min_timestamp_ms AS min_ms, max_timestamp_ms AS max_ms, schema_version, registered_at_ms
         FROM files WHERE table_name = ?1 AND state = 'active' AND (?2 IS NULL OR partition = ?2) ORDER BY partition, key`,
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

  /** Replaces one project's accepted/buffered counts with its reporter's current figures. */
  async recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM accepted_counts WHERE project = ?", project);
      for (const count of counts) {
        this.ctx.storage.sql.exec(
          "INSERT INTO accepted_counts (project, table_name, hour, accepted, buffered, buffered_known) VALUES (?, ?, ?, ?, ?, ?)",
          project,
          count.table,
          count.hour,
          count.accepted,
          count.buffered ?? 0,
          count.buffered === null ? 0 : 1,
        );
      }
    });
  }

  /**
   * Per raw table and UTC hour of receipt, within the last PARITY_WINDOW_DAYS: events ingestion
   * accepted vs rows that landed in files (counted from the files' own `received_at` columns,
   * plus the duplicates compaction removed since) and the distinct events among them.
   */
  async parity(table?: string, nowMs = Date.now()): Promise<ParityRow[]> {
    const rows = this.ctx.storage.sql
      .exec<{
        table_name: string;
        hour: string;
        accepted: number;
        buffered: number;
        buffered_known: number;
        landed: number;
        reported: number;
        distinct_ids: number | null;
      }>(
        `WITH accepted AS (
           SELECT table_name, hour, sum(accepted) AS accepted, sum(buffered) AS buffered, min(buffered_known) AS buffered_known
           FROM accepted_counts WHERE hour >= ?2 GROUP BY table_name, hour
         ), in_files AS (
           SELECT f.table_name, h.hour, sum(h.rows) AS rows
           FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
           WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2 GROUP BY f.table_name, h.hour
         ), landed AS (
           SELECT table_name, hour, sum(rows) AS landed FROM (
             SELECT table_name, hour, rows FROM in_files
             UNION ALL SELECT table_name, hour, rows FROM compacted_duplicates WHERE hour >= ?2
           ) GROUP BY table_name, hour
         ), pairs AS (
           SELECT table_name, hour FROM accepted UNION SELECT table_name, hour FROM landed
         ), signatures AS (${DISTINCT_SIGNATURES_SQL})
         SELECT p.table_name, p.hour, (a.table_name IS NOT NULL) AS reported, coalesce(a.accepted, 0) AS accepted, coalesce(a.buffered, 0) AS buffered,
                coalesce(a.buffered_known, 1) AS buffered_known, coalesce(l.landed, 0) AS landed,
                CASE WHEN coalesce(l.landed, 0) = 0 THEN 0 WHEN d.signature = s.signature THEN d.distinct_ids END AS distinct_ids
         FROM pairs AS p
         LEFT JOIN accepted AS a ON a.table_name = p.table_name AND a.hour = p.hour
         LEFT JOIN landed AS l ON l.table_name = p.table_name AND l.hour = p.hour
         LEFT JOIN signatures AS s ON s.table_name = p.table_name AND s.hour = p.hour
         LEFT JOIN parity_distinct AS d ON d.table_name = p.table_name AND d.hour = p.hour
         WHERE ?1 IS NULL OR p.table_name = ?1
         ORDER BY p.table_name, p.hour`,
        table ?? null,
        parityCutoffHour(nowMs),
      )
      .toArray();
    return rows.map((row) => {
      const known = row.buffered_known === 1;
      // A stream's rows may land until the grace period after the hour's end.
      const streamMayHold = !known && row.landed < row.accepted && Date.parse(`${row.hour}:00:00Z`) + HOUR_MS + STREAM_PARITY_GRACE_MS > nowMs;
      const status: ParityRow["status"] = !row.reported
        ? "unreported"
        : row.landed >= row.accepted
          ? "ok"
          : (known && row.landed + row.buffered >= row.accepted) || streamMayHold
            ? "pending"
            : "mismatch";
      return {
        table: row.table_name,
        hour: row.hour,
        accepted: row.accepted,
        landed: row.landed,
        distinct: row.distinct_ids,
        buffered: known ? row.buffered : null,
        status,
      };
    });
  }

  /**
   * The hours (within the parity window, with rows in files) whose distinct count is missing or
   * stale, oldest first: the files to read for each. The Worker reads them and records the counts.
   */
  async distinctWork(table?: string, nowMs = Date.now()): Promise<DistinctWork[]> {
    const rows = this.ctx.storage.sql
      .exec<{ table_name: LakeTableName; hour: string; signature: string; keys: string; rows: number }>(
        `WITH signatures AS (${DISTINCT_SIGNATURES_SQL})
         SELECT s.table_name, s.hour, s.signature, s.keys, s.rows
         FROM signatures AS s LEFT JOIN parity_distinct AS d ON d.table_name = s.table_name AND d.hour = s.hour
         WHERE s.own_rows > 0 AND (?1 IS NULL OR s.table_name = ?1) AND (d.signature IS NULL OR d.signature <> s.signature)
         ORDER BY s.table_name, s.hour`,
        table ?? null,
        parityCutoffHour(nowMs),
      )
      .toArray();
    return rows.map((row) => ({ table: row.table_name, hour: row.hour, signature: row.signature, keys: JSON.parse(row.keys) as string[], rows: row.rows }));
  }

  /** Records distinct counts the Worker read from the files a signature names. */
  async recordDistinct(table: LakeTableName, counts: { hour: string; signature: string; distinct: number }[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const count of counts) {
        this.ctx.storage.sql.exec(
          `INSERT INTO parity_distinct (table_name, hour, signature, distinct_ids) VALUES (?, ?, ?, ?)
           ON CONFLICT (table_name, hour) DO UPDATE SET signature = excluded.signature, distinct_ids = excluded.distinct_ids`,
          table,
          count.hour,
          count.signature,
          count.distinct,
        );
      }
      this.ctx.storage.sql.exec("DELETE FROM parity_distinct WHERE hour < ?", parityCutoffHour(Date.now()));
    });
  }

  // --- Compaction: a run swaps a partition's small files for merged ones, atomically here. -------

  /** Active files of one partition, oldest first (the compaction's inputs). */
  async partitionFiles(table: LakeTableName, partition: string): Promise<PartitionFile[]> {
    return this.ctx.storage.sql
      .exec<{ key: string; rows: number; bytes: number }>(
        "SELECT key, rows, bytes FROM files WHERE table_name = ? AND partition = ? AND state = 'active' ORDER BY min_timestamp_ms, key",
        table,
        partition,
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  /**
   * Partitions worth compacting: raw, closed (before `openPartition`, the hour the sink writes
   * into now), holding at least two active files smaller than `targetBytes`, and no unfinished run.
   */
  async compactionCandidates(openPartition: string, targetBytes: number, table?: string): Promise<CompactionCandidate[]> {
    return this.ctx.storage.sql
      .exec<{ table: CompactionCandidate["table"]; partition: string; files: number; bytes: number }>(
        `SELECT f.table_name AS "table", f.partition, count(*) AS files, sum(f.bytes) AS bytes FROM files AS f
         WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND f.bytes < ?2 AND f.partition < ?1 AND (?3 IS NULL OR f.table_name = ?3)
           AND NOT EXISTS (SELECT 1 FROM compaction_runs AS r WHERE r.table_name = f.table_name AND r.partition = f.partition AND r.state IN ('planned', 'staged', 'swapped', 'aborting'))
         GROUP BY f.table_name, f.partition HAVING count(*) >= 2 ORDER BY f.partition, f.table_name`,
        openPartition,
        targetBytes,
        table ?? null,
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  /**
   * Starts a run: the compare-and-swap that makes concurrent runs on one partition impossible. It
   * refuses while another run of the partition is unfinished, or when an input is no longer an
   * active file of the partition. The output keys are recorded (as staged, invisible files) BEFORE
   * any is written, so neither an R2 notification nor the reconcile can make one visible early.
   */
  async beginCompaction(run: CompactionPlan): Promise<CompactionAnswer> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const busy = sql
        .exec<{ run_id: string }>("SELECT run_id FROM compaction_runs WHERE table_name = ? AND partition = ? AND state IN ('planned', 'staged', 'swapped', 'aborting')", run.table, run.partition)
        .toArray()[0];
      if (busy) return { ok: false as const, reason: `run ${busy.run_id} on ${run.table}/${run.partition} is unfinished` };
      const active = sql
        .exec<{ n: number }>(
          "SELECT count(*) AS n FROM files WHERE bucket = 'analytics-source' AND state = 'active' AND table_name = ? AND partition = ? AND key IN (SELECT value FROM json_each(?))",
          run.table,
          run.partition,
          JSON.stringify(run.inputs),
        )
        .one().n;
      if (active !== run.inputs.length) return { ok: false as const, reason: "the partition's files changed since the run was planned" };
      const now = Date.now();
      sql.exec(
        "INSERT INTO compaction_runs (run_id, table_name, partition, state, inputs, outputs, lease_until_ms, started_at_ms) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)",
        run.runId,
        run.table,
        run.partition,
        JSON.stringify(run.inputs),
        JSON.stringify(run.outputs),
        now + run.leaseMs,
        now,
      );
      for (const key of run.outputs) {
        sql.exec(
          `INSERT INTO files (bucket, key, table_name, partition, rows, bytes, schema_version, registered_at_ms, state)
           VALUES ('analytics-source', ?, ?, ?, 0, 0, 0, ?, 'staged')`,
          key,
          run.table,
          run.partition,
          now,
        );
      }
      return { ok: true as const };
    });
  }

  private runningRun(runId: string, states: CompactionRunState[]): CompactionRun {
    const run = this.compactionRun(runId);
    if (!run) throw new Error(`no compaction run ${runId}`);
    if (!states.includes(run.state)) throw new Error(`compaction run ${runId} is ${run.state}, expected ${states.join(" or ")}`);
    if (Date.parse(run.lease_until) <= Date.now()) throw new Error(`compaction run ${runId} lost its lease (it expired at ${run.lease_until})`);
    return run;
  }

  /**
   * Records the written outputs' facts (read from the objects by the Worker); they stay invisible.
   * Planned outputs that were not written (a pass with no rows) are dropped from the run.
   */
  async stageCompactionOutputs(runId: string, outputs: { key: string; facts: ParquetFileFacts }[]): Promise<void> {
    const run = this.runningRun(runId, ["planned"]);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      for (const output of outputs) {
        if (!run.outputs.includes(output.key)) throw new Error(`${output.key} is not an output of run ${runId}`);
        this.upsertFile("analytics-source", output.key, { table: run.table, partition: run.partition }, output.facts);
      }
      const written = outputs.map((o) => o.key);
      const unwritten = run.outputs.filter((key) => !written.includes(key));
      sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'staged' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(unwritten));
      sql.exec("UPDATE compaction_runs SET state = 'staged', outputs = ? WHERE run_id = ?", JSON.stringify(written), runId);
    });
  }

  /**
   * The swap, in one transaction: the outputs become the partition's files, the inputs retire, and
   * the rows the run dropped as duplicates are kept per hour of receipt, so parity's landed still
   * counts every copy the sink delivered.
   */
  async commitCompaction(runId: string): Promise<void> {
    const run = this.runningRun(runId, ["staged"]);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      sql.exec(
        `INSERT INTO compacted_duplicates (table_name, hour, rows)
         SELECT ?1, hour, sum(rows) FROM (
           SELECT hour, rows FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?2))
           UNION ALL
           SELECT hour, -rows FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?3))
         ) GROUP BY hour HAVING sum(rows) > 0
         ON CONFLICT (table_name, hour) DO UPDATE SET rows = rows + excluded.rows`,
        run.table,
        JSON.stringify(run.inputs),
        JSON.stringify(run.outputs),
      );
      sql.exec("DELETE FROM compacted_duplicates WHERE hour < ?", parityCutoffHour(Date.now()));
      sql.exec("UPDATE files SET state = 'retired' WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(run.inputs));
      sql.exec("UPDATE files SET state = 'active' WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(run.outputs));
      sql.exec("UPDATE compaction_runs SET state = 'swapped' WHERE run_id = ?", runId);
    });
  }

  /** After the inputs' objects are deleted: forgets them and records the run's report. */
  async finishCompaction(runId: string, report: Record<string, unknown>): Promise<void> {
    const run = this.compactionRun(runId);
    if (!run || run.state !== "swapped") throw new Error(`compaction run ${runId} is ${run?.state ?? "unknown"}, expected swapped`);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      const inputs = JSON.stringify(run.inputs);
      sql.exec("DELETE FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", inputs);
      sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'retired' AND key IN (SELECT value FROM json_each(?))", inputs);
      sql.exec("UPDATE compaction_runs SET state = 'done', finished_at_ms = ?, report = ? WHERE run_id = ?", Date.now(), JSON.stringify(report), runId);
    });
  }

  /**
   * Starts undoing a run that did not swap (refused once it has: the swap is final). Its outputs
   * stay recorded as staged, so the reconcile cannot mistake their objects for new files, until
   * `closeAbortedCompaction` after the objects are deleted.
   */
  async abortCompaction(runId: string, reason: string): Promise<CompactionAnswer> {
    const run = this.compactionRun(runId);
    // A refusal is an answer, not an exception: callers ask precisely to learn whether the swap happened.
    if (!run || (run.state !== "planned" && run.state !== "staged" && run.state !== "aborting")) {
      return { ok: false, reason: `compaction run ${runId} is ${run?.state ?? "unknown"}, cannot be aborted` };
    }
    this.ctx.storage.sql.exec("UPDATE compaction_runs SET state = 'aborting', report = ? WHERE run_id = ?", JSON.stringify({ aborted: reason }), runId);
    return { ok: true };
  }

  /** After an aborted run's output objects are deleted: forgets them. */
  async closeAbortedCompaction(runId: string): Promise<void> {
    const run = this.compactionRun(runId);
    if (!run || run.state !== "aborting") throw new Error(`compaction run ${runId} is ${run?.state ?? "unknown"}, expected aborting`);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      const outputs = JSON.stringify(run.outputs);
      sql.exec("DELETE FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", outputs);
      sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'staged' AND key IN (SELECT value FROM json_each(?))", outputs);
      sql.exec("UPDATE compaction_runs SET state = 'aborted', finished_at_ms = ? WHERE run_id = ?", Date.now(), runId);
    });
  }

  compactionRun(runId: string): CompactionRun | undefined {
    return this.compactionRunsWhere("run_id = ?", [runId], 1)[0];
  }

  /** Runs that neither finished nor were aborted: what a crash left (or a run in progress). */
  async unfinishedCompactions(): Promise<CompactionRun[]> {
    return this.compactionRunsWhere("state IN ('planned', 'staged', 'swapped', 'aborting')", [], 1000);
  }

  /** The latest runs, newest first (`GET /compact/status`). */
  async recentCompactions(limit: number): Promise<CompactionRun[]> {
    return this.compactionRunsWhere("1 = 1", [], limit);
  }

  private compactionRunsWhere(where: string, bindings: (string | number)[], limit: number): CompactionRun[] {
    return this.ctx.storage.sql
      .exec<{ run_id: string; table_name: LakeTableName; partition: string; state: CompactionRunState; inputs: string; outputs: string; lease_until_ms: number; started_at_ms: number; finished_at_ms: number | null; report: string | null }>(
        `SELECT * FROM compaction_runs WHERE ${where} ORDER BY started_at_ms DESC, run_id LIMIT ${Math.max(1, Math.floor(limit))}`,
        ...bindings,
      )
      .toArray()
      .map((row) => ({
        run_id: row.run_id,
        table: row.table_name,
        partition: row.partition,
        state: row.state,
        inputs: JSON.parse(row.inputs) as string[],
        outputs: JSON.parse(row.outputs) as string[],
        lease_until: new Date(row.lease_until_ms).toISOString(),
        started_at: new Date(row.started_at_ms).toISOString(),
        finished_at: iso(row.finished_at_ms),
        report: row.report === null ? null : (JSON.parse(row.report) as Record<string, unknown>),
      }));
  }

  /** Raw bytes, files and rows registered in the last `hours`, the basis of the cost projection. */
  async recentRawRate(hours: number): Promise<{ bytes: number; files: number; rows: number }> {
    const row = this.ctx.storage.sql
      .exec<{ bytes: number | null; files: number; rows: number | null }>(
        "SELECT sum(bytes) AS bytes, count(*) AS files, sum(rows) AS rows FROM files WHERE bucket = 'analytics-source' AND state = 'active' AND registered_at_ms >= ? AND key NOT LIKE '%/compacted-%'",
        Date.now() - hours * 3_600_000,
      )
      .one();
    return { bytes: row.bytes ?? 0, files: row.files, rows: row.rows ?? 0 };
  }
}
