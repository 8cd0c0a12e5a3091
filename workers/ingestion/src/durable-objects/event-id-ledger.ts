import { DurableObject } from "cloudflare:workers";
import type { AcceptedTally, ClaimResult } from "@edge-analytics/ingest";
import { catalogRpc } from "../lake-sink.ts";
import { ACCEPTED_COUNTS_TABLE, pruneAcceptedCounts } from "./accepted-counts.ts";

/** How long an uncommitted claim blocks the same event_id before it counts as abandoned. */
const CLAIM_LEASE_MS = 30_000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** New accepted counts reach the catalog within this long (and again after a failed report). */
const REPORT_INTERVAL_MS = 60_000;

/**
 * The idempotency ledger of one project: event_id -> state and time, in SQLite. A claim is
 * 'pending' until the events are durable in the lake sink, then 'committed'. Committed ids are
 * remembered for the dedup window (DEDUP_WINDOW_HOURS), pending ones for a short lease, so a
 * request that died between claim and commit never blocks a retry for long.
 *
 * A commit also counts its events per lake table and hour of receipt, in the same transaction;
 * an alarm reports the counts to the catalog (at most a minute later), which compares them with
 * the rows Pipelines landed: parity in production. Pipelines does not say what it still holds,
 * so the counts go with `buffered: null` and the catalog allows for the stream's roll time.
 */
export class EventIdLedger extends DurableObject<Env> {
  private readonly windowMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.windowMs = Number(env.DEDUP_WINDOW_HOURS || "24") * 60 * 60 * 1000;
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS event_ids (
         event_id TEXT PRIMARY KEY,
         committed INTEGER NOT NULL,
         at_ms INTEGER NOT NULL
       ) WITHOUT ROWID;
       ${ACCEPTED_COUNTS_TABLE}
       -- project: whose ledger this is; counts_dirty: counts changed since the last report;
       -- next_sweep_ms: when expired ids are next forgotten.
       CREATE TABLE IF NOT EXISTS ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    );
  }

  private meta(name: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM ledger_meta WHERE name = ?", name).toArray()[0]?.value;
  }

  private setMeta(name: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO ledger_meta (name, value) VALUES (?, ?)", name, value);
  }

  /** Claims new ids; reports ids committed within the window as duplicates, pending ones as in flight. */
  async claim(eventIds: string[]): Promise<ClaimResult> {
    const now = Date.now();
    const result: ClaimResult = { claimed: [], duplicates: [], inFlight: [] };
    this.ctx.storage.transactionSync(() => {
      const existing = new Map<string, { committed: number; at_ms: number }>();
      const rows = this.ctx.storage.sql.exec<{ event_id: string; committed: number; at_ms: number }>(
        "SELECT event_id, committed, at_ms FROM event_ids WHERE event_id IN (SELECT value FROM json_each(?))",
        JSON.stringify(eventIds),
      );
      for (const row of rows) existing.set(row.event_id, row);
      for (const id of eventIds) {
        const row = existing.get(id);
        if (row?.committed === 1 && row.at_ms > now - this.windowMs) result.duplicates.push(id);
        else if (row?.committed === 0 && row.at_ms > now - CLAIM_LEASE_MS) result.inFlight.push(id);
        else result.claimed.push(id);
      }
      if (result.claimed.length > 0) {
        // "WHERE true" resolves SQLite's parsing ambiguity between a join's ON and the upsert's ON CONFLICT.
        this.ctx.storage.sql.exec(
          `INSERT INTO event_ids (event_id, committed, at_ms) SELECT value, 0, ? FROM json_each(?) WHERE true
           ON CONFLICT (event_id) DO UPDATE SET committed = 0, at_ms = excluded.at_ms`,
          now,
          JSON.stringify(result.claimed),
        );
      }
    });
    await this.ensureSweep();
    return result;
  }

  /**
   * Marks claimed ids as ingested (from now on they are duplicates) and adds their tallies to the
   * accepted counts, in one transaction; the counts reach the catalog within a minute.
   */
  async commit(projectId: string, eventIds: string[], tallies: AcceptedTally[]): Promise<void> {
    if (eventIds.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        "UPDATE event_ids SET committed = 1, at_ms = ? WHERE event_id IN (SELECT value FROM json_each(?))",
        Date.now(),
        JSON.stringify(eventIds),
      );
      for (const tally of tallies) {
        this.ctx.storage.sql.exec(
          `INSERT INTO accepted_counts (event_table, hour, accepted) VALUES (?, ?, ?)
           ON CONFLICT (event_table, hour) DO UPDATE SET accepted = accepted + excluded.accepted`,
          tally.table,
          tally.hour,
          tally.accepted,
        );
      }
      this.setMeta("project", projectId);
      this.setMeta("counts_dirty", "1");
    });
    await this.scheduleAlarm(Date.now() + REPORT_INTERVAL_MS);
  }

  /** Accepted events per lake table and UTC hour of receipt, as this ledger counted them. */
  async acceptedCounts(): Promise<AcceptedTally[]> {
    return this.ctx.storage.sql
      .exec<{ table: string; hour: string; accepted: number }>(`SELECT event_table AS "table", hour, accepted FROM accepted_counts ORDER BY 1, 2`)
      .toArray()
      // Only ever written from AcceptedTally values, whose table is a TableName.
      .map((row) => ({ ...row }) as AcceptedTally);
  }

  /** Gives up claims whose events were not stored, so a retry is accepted at once. */
  async release(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    this.ctx.storage.sql.exec(
      "DELETE FROM event_ids WHERE committed = 0 AND event_id IN (SELECT value FROM json_each(?))",
      JSON.stringify(eventIds),
    );
  }

  /** How many ids the ledger holds (for tests and operators). */
  async size(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM event_ids").one().n;
  }

  /** Forgets expired ids (hourly) and reports changed accepted counts to the catalog. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    if (Number(this.meta("next_sweep_ms") ?? 0) <= now) {
      this.ctx.storage.sql.exec(
        "DELETE FROM event_ids WHERE (committed = 1 AND at_ms <= ?) OR (committed = 0 AND at_ms <= ?)",
        now - this.windowMs,
        now - CLAIM_LEASE_MS,
      );
      pruneAcceptedCounts(this.ctx.storage.sql, now);
      this.setMeta("next_sweep_ms", String(now + SWEEP_INTERVAL_MS));
    }
    const project = this.meta("project");
    if (this.meta("counts_dirty") === "1" && project !== undefined) {
      // Cleared before the call: a commit during the report marks the counts dirty again.
      this.setMeta("counts_dirty", "0");
      const counts = (await this.acceptedCounts()).map((count) => ({ ...count, buffered: null }));
      try {
        await catalogRpc(this.env).recordAcceptedCounts(project, counts);
      } catch (error) {
        this.setMeta("counts_dirty", "1");
        console.error(JSON.stringify({ level: "error", stage: "parity-report", message: error instanceof Error ? error.message : String(error) }));
      }
    }
    const next = this.meta("counts_dirty") === "1" ? now + REPORT_INTERVAL_MS : Number(this.meta("next_sweep_ms"));
    await this.ctx.storage.setAlarm(next);
  }

  /** Makes sure an alarm runs by `atMs` (an earlier one stays). */
  private async scheduleAlarm(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
  }

  private async ensureSweep(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }
}
