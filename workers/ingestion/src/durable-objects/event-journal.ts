import { DurableObject } from "cloudflare:workers";

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** What the journal did with one entry. */
export type JournalStatus = "accepted" | "duplicate";

/** One record as the Worker hands it over (inside a JSON array): its table, id and the record. */
export interface JournalEntry {
  table: string;
  eventId: string;
  record: object;
}

/**
 * The local journal of one project: the durable sink that stands in for Cloudflare Pipelines
 * (miniflare's binding discards data) and the idempotency ledger, in one SQLite database, so
 * that deduplication and the durable write are ONE transaction: exactly once, with no window in
 * which a crash could lose or double an event. The lake writer drains `buffered_events` into
 * Parquet per table.
 */
export class EventJournal extends DurableObject<Env> {
  private readonly windowMs: number;
  private sweepScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.windowMs = Number(env.DEDUP_WINDOW_HOURS || "24") * 60 * 60 * 1000;
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
         record TEXT NOT NULL
       );
       CREATE INDEX IF NOT EXISTS buffered_events_by_table ON buffered_events (event_table, seq);`,
    );
  }

  /**
   * Appends the entries whose ids were not accepted within the dedup window, in one transaction,
   * and answers per entry (in order): a repeated id, even within this call, is a duplicate.
   * `entriesJson` is the JSON text of `JournalEntry[]`: one string crosses the RPC boundary and
   * SQLite reads it directly, so the batch is neither cloned nor parsed in JavaScript.
   */
  async append(entriesJson: string): Promise<JournalStatus[]> {
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
      this.ctx.storage.sql.exec(
        `INSERT INTO buffered_events (event_table, event_id, buffered_at_ms, record)
         SELECT value ->> '$.table', value ->> '$.eventId', ?1, value ->> '$.record'
         FROM json_each(?2) WHERE key IN (SELECT value FROM json_each(?3))`,
        now,
        entriesJson,
        freshJson,
      );
    });
    if (!this.sweepScheduled) {
      this.sweepScheduled = true;
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + SWEEP_INTERVAL_MS);
    }
    return statuses;
  }

  /** Rows buffered per table and not yet written to the lake. */
  async stats(): Promise<{ table: string; rows: number; oldestBufferedAtMs: number }[]> {
    return this.ctx.storage.sql
      .exec<{ table: string; rows: number; oldestBufferedAtMs: number }>(
        "SELECT event_table AS \"table\", count(*) AS rows, min(buffered_at_ms) AS oldestBufferedAtMs FROM buffered_events GROUP BY event_table ORDER BY event_table",
      )
      .toArray();
  }

  /** The oldest buffered records of a table, parsed (for tests and the lake writer). */
  async read(table: string, limit: number): Promise<unknown[]> {
    return this.ctx.storage.sql
      .exec<{ record: string }>("SELECT record FROM buffered_events WHERE event_table = ? ORDER BY seq LIMIT ?", table, limit)
      .toArray()
      .map((row) => JSON.parse(row.record) as unknown);
  }

  /** Forgets ids older than the dedup window (the buffered events stay until the lake has them). */
  override async alarm(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM event_ids WHERE accepted_at_ms <= ?", Date.now() - this.windowMs);
    await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }
}
