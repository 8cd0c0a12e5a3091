import { DurableObject } from "cloudflare:workers";
import type { ClaimResult } from "@edge-analytics/ingest";

/** How long an uncommitted claim blocks the same event_id before it counts as abandoned. */
const CLAIM_LEASE_MS = 30_000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The idempotency ledger of one project: event_id -> state and time, in SQLite. A claim is
 * 'pending' until the events are durable in the lake sink, then 'committed'. Committed ids are
 * remembered for the dedup window (DEDUP_WINDOW_HOURS), pending ones for a short lease, so a
 * request that died between claim and commit never blocks a retry for long.
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
       ) WITHOUT ROWID`,
    );
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

  /** Marks claimed ids as ingested: from now on they are duplicates. */
  async commit(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    this.ctx.storage.sql.exec(
      "UPDATE event_ids SET committed = 1, at_ms = ? WHERE event_id IN (SELECT value FROM json_each(?))",
      Date.now(),
      JSON.stringify(eventIds),
    );
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

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      "DELETE FROM event_ids WHERE (committed = 1 AND at_ms <= ?) OR (committed = 0 AND at_ms <= ?)",
      now - this.windowMs,
      now - CLAIM_LEASE_MS,
    );
    await this.ctx.storage.setAlarm(now + SWEEP_INTERVAL_MS);
  }

  private async ensureSweep(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }
}
