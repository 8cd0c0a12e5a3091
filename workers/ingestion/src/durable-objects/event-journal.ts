import { TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";
import { type AcceptedCount, LakeFileWriter, type WrittenLakeFile } from "@edge-analytics/lake";
import { DurableObject } from "cloudflare:workers";
import { catalogRpc, encodeLakeFile, lakeRollPolicy, type LakeRollPolicy } from "../lake-sink.ts";
import { ACCEPTED_COUNTS_TABLE, pruneAcceptedCounts } from "./accepted-counts.ts";
import { JournalLakeBuffer } from "./journal-lake-buffer.ts";

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** After a failed write (R2 or the catalog unavailable), try again this much later. */
const WRITE_RETRY_MS = 30_000;

/** What the journal did with one entry. */
export type JournalStatus = "accepted" | "duplicate";

/** One record as the Worker hands it over (inside a JSON array): its table, id and the record. */
export interface JournalEntry {
  table: string;
  eventId: string;
  record: object;
}

/** What one flush or roll of a journal wrote. */
export interface JournalFlushResult {
  project: string;
  files: WrittenLakeFile[];
}

/**
 * The local journal of one project: the durable sink that stands in for Cloudflare Pipelines
 * (miniflare's binding discards data) and the idempotency ledger, in one SQLite database, so
 * that deduplication and the durable write are ONE transaction: exactly once, with no window in
 * which a crash could lose or double an event. It then rolls `buffered_events` into Parquet files
 * in R2, per table, on time and size like Pipelines (`LakeFileWriter`, exactly once).
 */
export class EventJournal extends DurableObject<Env> {
  private readonly windowMs: number;
  private readonly policy: LakeRollPolicy;
  private readonly buffer: JournalLakeBuffer;
  /** The alarm as last set by this instance (undefined: not read yet). */
  private alarmAtMs: number | null | undefined;
  private rowsSinceSizeCheck = 0;
  /** Writes run one at a time (alarm and flush may overlap). */
  private writing: Promise<unknown> = Promise.resolve();
  /** After a failed write, no roll before this instant (appends must not re-trigger it at once). */
  private writeBlockedUntilMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.windowMs = Number(env.DEDUP_WINDOW_HOURS || "24") * 60 * 60 * 1000;
    this.policy = lakeRollPolicy(env);
    this.buffer = new JournalLakeBuffer(ctx.storage);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS event_ids (
         event_id TEXT PRIMARY KEY,
         accepted_at_ms INTEGER NOT NULL
       ) WITHOUT ROWID;
       CREATE TABLE IF NOT EXISTS buffered_events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         event_table TEXT NOT NULL,
         event_id TEXT NOT NULL,
         buffered_at_ms INTEGER NOT NULL,
         record TEXT NOT NULL,
         -- UTC hour of receipt ('2026-11-25T09'), for parity counts without parsing records.
         received_hour TEXT
       );
       CREATE INDEX IF NOT EXISTS buffered_events_by_table ON buffered_events (event_table, seq);
       ${ACCEPTED_COUNTS_TABLE}
       CREATE TABLE IF NOT EXISTS journal_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    );
    JournalLakeBuffer.createTables(ctx.storage.sql);
    // Journals created before received_hour existed (local state of an earlier checkout).
    if (!ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(buffered_events)").toArray().some((c) => c.name === "received_hour")) {
      ctx.storage.sql.exec("ALTER TABLE buffered_events ADD COLUMN received_hour TEXT");
      ctx.storage.sql.exec("UPDATE buffered_events SET received_hour = substr(record ->> '$.received_at', 1, 13)");
    }
  }

  /**
   * Appends the entries whose ids were not accepted within the dedup window, in one transaction,
   * and answers per entry (in order): a repeated id, even within this call, is a duplicate.
   * `entriesJson` is the JSON text of `JournalEntry[]`: one string crosses the RPC boundary and
   * SQLite reads it directly, so the batch is neither cloned nor parsed in JavaScript.
   */
  async append(projectId: string, entriesJson: string): Promise<JournalStatus[]> {
    await this.rememberProject(projectId);
    const now = Date.now();
    const statuses: JournalStatus[] = [];
    this.ctx.storage.transactionSync(() => {
      const rows = this.ctx.storage.sql
        .exec<{ id: string; known: number }>(
          `SELECT entry.value ->> '$.eventId' AS id, (seen.event_id IS NOT NULL) AS known
           FROM json_each(?1) AS entry
           LEFT JOIN event_ids AS seen ON seen.event_id = entry.value ->> '$.eventId' AND seen.accepted_at_ms > ?2
           ORDER BY entry.key`,
          entriesJson,
          now - this.windowMs,
        )
        .toArray();
      const inBatch = new Set<string>();
      const fresh: number[] = [];
      rows.forEach((row, index) => {
        if (row.known || inBatch.has(row.id)) {
          statuses.push("duplicate");
          return;
        }
        inBatch.add(row.id);
        statuses.push("accepted");
        fresh.push(index);
      });
      if (fresh.length === 0) return;
      // Two statements for the whole batch: each exec crosses into SQLite, per-row execs cost more.
      const freshJson = JSON.stringify(fresh);
      this.ctx.storage.sql.exec(
        `INSERT INTO event_ids (event_id, accepted_at_ms)
         SELECT value ->> '$.eventId', ?1 FROM json_each(?2) WHERE key IN (SELECT value FROM json_each(?3))
         ON CONFLICT (event_id) DO UPDATE SET accepted_at_ms = excluded.accepted_at_ms`,
        now,
        entriesJson,
        freshJson,
      );
      const lastSeq = this.ctx.storage.sql.exec<{ seq: number }>("SELECT coalesce(max(seq), 0) AS seq FROM buffered_events").one().seq;
      this.ctx.storage.sql.exec(
        `INSERT INTO buffered_events (event_table, event_id, buffered_at_ms, record, received_hour)
         SELECT value ->> '$.table', value ->> '$.eventId', ?1, value ->> '$.record', substr(value ->> '$.record.received_at', 1, 13)
         FROM json_each(?2) WHERE key IN (SELECT value FROM json_each(?3))`,
        now,
        entriesJson,
        freshJson,
      );
      // Parity with the lake: accepted events per table and UTC hour of receipt, from the rows
      // just inserted (plain columns: the batch's JSON is not read again).
      this.ctx.storage.sql.exec(
        `INSERT INTO accepted_counts (event_table, hour, accepted)
         SELECT event_table, received_hour, count(*) FROM buffered_events WHERE seq > ?1 GROUP BY 1, 2
         ON CONFLICT (event_table, hour) DO UPDATE SET accepted = accepted + excluded.accepted`,
        lastSeq,
      );
      this.rowsSinceSizeCheck += fresh.length;
    });
    await this.scheduleRoll(now);
    return statuses;
  }

  /** The project this journal belongs to, recorded once so a flush can find every journal. */
  private async rememberProject(projectId: string): Promise<void> {
    if (this.projectId !== undefined) return;
    const stored = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM journal_meta WHERE name = 'project'").toArray()[0];
    if (!stored) {
      await this.env.JOURNAL_DIRECTORY.get(this.env.JOURNAL_DIRECTORY.idFromName("journals")).add(projectId);
      // Two first appends may race here; both name the same project.
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO journal_meta (name, value) VALUES ('project', ?)", projectId);
    }
    this.projectId = projectId;
  }
  private projectId: string | undefined;

  /**
   * Makes sure an alarm rolls the new rows within the roll interval, or now when a table holds
   * a full file's worth (counted only every tenth of a file, to keep appends cheap).
   */
  private async scheduleRoll(now: number): Promise<void> {
    let due = now + this.policy.intervalMs;
    if (this.rowsSinceSizeCheck >= this.policy.maxRowsPerFile / 10) {
      this.rowsSinceSizeCheck = 0;
      if (this.buffer.holdsFullFile(this.policy.maxRowsPerFile)) due = now;
    }
    due = Math.max(due, this.writeBlockedUntilMs);
    if (this.alarmAtMs === undefined) this.alarmAtMs = await this.ctx.storage.getAlarm();
    if (this.alarmAtMs === null || due < this.alarmAtMs) {
      await this.ctx.storage.setAlarm(due);
      this.alarmAtMs = due;
    }
  }

  /** Writes every buffered row to the lake now (`POST /admin/flush`). */
  async flush(): Promise<JournalFlushResult> {
    return this.writeFiles(TABLE_NAMES);
  }

  /**
   * Writes the given tables (and any file a failed write left planned), one run at a time, then
   * reports this journal's accepted and buffered counts to the catalog for parity.
   */
  private writeFiles(tables: readonly TableName[]): Promise<JournalFlushResult> {
    const run = this.writing.then(async () => {
      const catalog = catalogRpc(this.env);
      const writer = new LakeFileWriter(
        {
          buffer: this.buffer,
          objects: { put: async (key, bytes) => void (await this.env.SOURCE_BUCKET.put(key, bytes)) },
          registry: { registerFile: async (bucket, key) => void (await catalog.registerFile(bucket, key)) },
          encode: encodeLakeFile,
        },
        { maxRowsPerFile: this.policy.maxRowsPerFile, now: () => new Date(), newFileId: () => crypto.randomUUID() },
      );
      const files = await writer.writeTables(tables);
      await this.buffer.purgeWritten();
      const project = this.projectId ?? this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM journal_meta WHERE name = 'project'").toArray()[0]?.value;
      if (project !== undefined) await catalog.recordAcceptedCounts(project, this.acceptedCounts());
      return { project: project ?? "", files };
    });
    // The next run waits for this one whether it succeeded or not.
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Accepted and still-buffered events per table and UTC hour of receipt. */
  acceptedCounts(): AcceptedCount[] {
    return this.ctx.storage.sql
      .exec<{ table: string; hour: string; accepted: number; buffered: number }>(
        `WITH buffered AS (
           SELECT event_table, received_hour AS hour, count(*) AS rows FROM unwritten_events GROUP BY 1, 2
         )
         SELECT a.event_table AS "table", a.hour, a.accepted, coalesce(b.rows, 0) AS buffered
         FROM accepted_counts AS a LEFT JOIN buffered AS b ON b.event_table = a.event_table AND b.hour = a.hour
         ORDER BY 1, 2`,
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  /** Rows buffered per table and not yet written to the lake. */
  async stats(): Promise<{ table: string; rows: number; oldestBufferedAtMs: number }[]> {
    return this.ctx.storage.sql
      .exec<{ table: string; rows: number; oldestBufferedAtMs: number }>(
        "SELECT event_table AS \"table\", count(*) AS rows, min(buffered_at_ms) AS oldestBufferedAtMs FROM unwritten_events GROUP BY event_table ORDER BY event_table",
      )
      .toArray();
  }

  /** The oldest buffered records of a table, parsed (for tests and the lake writer). */
  async read(table: string, limit: number): Promise<unknown[]> {
    return this.ctx.storage.sql
      .exec<{ record: string }>("SELECT record FROM unwritten_events WHERE event_table = ? ORDER BY seq LIMIT ?", table, limit)
      .toArray()
      .map((row) => JSON.parse(row.record) as unknown);
  }

  /**
   * Rolls the tables whose oldest row waited the roll interval (or that hold a full file),
   * forgets ids older than the dedup window, and sets the next alarm. A failed write is retried
   * shortly; its rows stay buffered meanwhile.
   */
  override async alarm(): Promise<void> {
    this.alarmAtMs = null;
    const now = Date.now();
    const sweepDue = Number(this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM journal_meta WHERE name = 'next_sweep_ms'").toArray()[0]?.value ?? 0);
    if (sweepDue <= now) {
      this.ctx.storage.sql.exec("DELETE FROM event_ids WHERE accepted_at_ms <= ?", now - this.windowMs);
      pruneAcceptedCounts(this.ctx.storage.sql, now);
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO journal_meta (name, value) VALUES ('next_sweep_ms', ?)", String(now + SWEEP_INTERVAL_MS));
    }
    const waiting = this.ctx.storage.sql
      .exec<{ table: TableName; oldest: number; rows: number }>(
        `SELECT event_table AS "table", min(buffered_at_ms) AS oldest, count(*) AS rows FROM unwritten_events GROUP BY event_table`,
      )
      .toArray();
    const due = waiting.filter((t) => t.oldest <= now - this.policy.intervalMs || t.rows >= this.policy.maxRowsPerFile).map((t) => t.table);
    let next = now + SWEEP_INTERVAL_MS;
    try {
      if (due.length > 0 || this.buffer.plannedFiles().length > 0) await this.writeFiles(due);
      const oldest = this.ctx.storage.sql.exec<{ oldest: number | null }>("SELECT min(buffered_at_ms) AS oldest FROM unwritten_events").one().oldest;
      if (oldest !== null) next = Math.min(next, Math.max(oldest + this.policy.intervalMs, now + 1_000));
    } catch (error) {
      console.error(JSON.stringify({ level: "error", stage: "lake-roll", message: error instanceof Error ? error.message : String(error) }));
      next = now + WRITE_RETRY_MS;
      this.writeBlockedUntilMs = next;
    }
    await this.ctx.storage.setAlarm(next);
    this.alarmAtMs = next;
  }
}
