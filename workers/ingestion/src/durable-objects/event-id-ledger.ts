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
 * The idempotency ledger of one project, in SQLite: each event_id points to the claim that holds
 * it, and a claim is 'pending' until its events are durable in the lake sink, then 'committed'.
 * Committing is one row's update (the claim), not one per id: the ids' rows, spread over a B-tree
 * by their random keys, are written once per event instead of twice (a scratch measurement of the
 * two designs: 6.2 vs 4.2 ms of SQLite work per 100-event request; docs/benchmarks.md). Committed
 * ids are remembered for the dedup window (DEDUP_WINDOW_HOURS), pending ones for a short lease, so
 * a request that died between claim and commit never blocks a retry for long.
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
      `CREATE TABLE IF NOT EXISTS ledger_claims (
         claim_id INTEGER PRIMARY KEY,
         claimed_at_ms INTEGER NOT NULL,
         committed_at_ms INTEGER -- null while pending
       );
       CREATE TABLE IF NOT EXISTS ledger_ids (
         event_id TEXT PRIMARY KEY,
         claim_id INTEGER NOT NULL
       ) WITHOUT ROWID;
       -- Release and the sweep find a claim's ids here (claim ids grow: appends at the index's end).
       CREATE INDEX IF NOT EXISTS ledger_ids_by_claim ON ledger_ids (claim_id);
       ${ACCEPTED_COUNTS_TABLE}
       -- project: whose ledger this is; counts_dirty: counts changed since the last report;
       -- next_sweep_ms: when expired ids are next forgotten.
       CREATE TABLE IF NOT EXISTS ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    );
    migrateIdRows(ctx.storage);
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
    const result: ClaimResult = { claimed: [], duplicates: [], inFlight: [], claimId: null };
    this.ctx.storage.transactionSync(() => {
      const existing = new Map<string, { claimed_at_ms: number; committed_at_ms: number | null }>();
      const rows = this.ctx.storage.sql.exec<{ event_id: string; claimed_at_ms: number; committed_at_ms: number | null }>(
        `SELECT i.event_id, c.claimed_at_ms, c.committed_at_ms
         FROM ledger_ids AS i JOIN ledger_claims AS c ON c.claim_id = i.claim_id
         WHERE i.event_id IN (SELECT value FROM json_each(?))`,
        JSON.stringify(eventIds),
      );
      for (const row of rows) existing.set(row.event_id, row);
      for (const id of eventIds) {
        const row = existing.get(id);
        if (row?.committed_at_ms != null && row.committed_at_ms > now - this.windowMs) result.duplicates.push(id);
        else if (row && row.committed_at_ms === null && row.claimed_at_ms > now - CLAIM_LEASE_MS) result.inFlight.push(id);
        else result.claimed.push(id);
      }
      if (result.claimed.length > 0) {
        const claimId = this.ctx.storage.sql
          .exec<{ claim_id: number }>("INSERT INTO ledger_claims (claimed_at_ms) VALUES (?) RETURNING claim_id", now)
          .one().claim_id;
        // "WHERE true" resolves SQLite's parsing ambiguity between a join's ON and the upsert's ON CONFLICT.
        // An expired id moves to this claim; its old claim keeps no say over it.
        this.ctx.storage.sql.exec(
          `INSERT INTO ledger_ids (event_id, claim_id) SELECT value, ? FROM json_each(?) WHERE true
           ON CONFLICT (event_id) DO UPDATE SET claim_id = excluded.claim_id`,
          claimId,
          JSON.stringify(result.claimed),
        );
        result.claimId = claimId;
      }
    });
    await this.ensureSweep();
    return result;
  }

  /**
   * Marks the claim's ids as ingested (from now on they are duplicates) and adds their tallies to
   * the accepted counts, in one transaction; the counts reach the catalog within a minute.
   */
  async commit(projectId: string, claimId: number, tallies: AcceptedTally[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("UPDATE ledger_claims SET committed_at_ms = ? WHERE claim_id = ? AND committed_at_ms IS NULL", Date.now(), claimId);
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

  /** Gives up a claim whose events were not stored, so a retry is accepted at once. */
  async release(claimId: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      const pending = this.ctx.storage.sql.exec("DELETE FROM ledger_claims WHERE claim_id = ? AND committed_at_ms IS NULL RETURNING claim_id", claimId).toArray();
      // A committed claim is never released: forgetting its ids would let duplicates through.
      if (pending.length > 0) this.ctx.storage.sql.exec("DELETE FROM ledger_ids WHERE claim_id = ?", claimId);
    });
  }

  /** How many ids the ledger holds (for tests and operators). */
  async size(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ledger_ids").one().n;
  }

  /** Forgets expired ids (hourly) and reports changed accepted counts to the catalog. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    if (Number(this.meta("next_sweep_ms") ?? 0) <= now) {
      this.ctx.storage.transactionSync(() => {
        const expired = `SELECT claim_id FROM ledger_claims
           WHERE (committed_at_ms IS NOT NULL AND committed_at_ms <= ?1) OR (committed_at_ms IS NULL AND claimed_at_ms <= ?2)`;
        this.ctx.storage.sql.exec(`DELETE FROM ledger_ids WHERE claim_id IN (${expired})`, now - this.windowMs, now - CLAIM_LEASE_MS);
        this.ctx.storage.sql.exec(`DELETE FROM ledger_claims WHERE claim_id IN (${expired})`, now - this.windowMs, now - CLAIM_LEASE_MS);
        // Claims whose every id moved to a later claim.
        this.ctx.storage.sql.exec("DELETE FROM ledger_claims WHERE NOT EXISTS (SELECT 1 FROM ledger_ids AS i WHERE i.claim_id = ledger_claims.claim_id)");
      });
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

/**
 * Ledgers written before claims had their own table kept one row per id (`event_ids`: committed
 * flag and time). Moves them into claims, one per (state, time), once, in one transaction.
 */
export function migrateIdRows(storage: DurableObjectStorage): void {
  const legacy = storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'event_ids'").toArray();
  if (legacy.length === 0) return;
  storage.transactionSync(() => {
    storage.sql.exec(
      `INSERT INTO ledger_claims (claimed_at_ms, committed_at_ms)
       SELECT at_ms, CASE committed WHEN 1 THEN at_ms END FROM event_ids GROUP BY committed, at_ms`,
    );
    storage.sql.exec(
      `INSERT OR REPLACE INTO ledger_ids (event_id, claim_id)
       SELECT e.event_id, c.claim_id FROM event_ids AS e JOIN ledger_claims AS c
         ON c.claimed_at_ms = e.at_ms AND (c.committed_at_ms IS NOT NULL) = (e.committed = 1)`,
    );
    storage.sql.exec("DROP TABLE event_ids");
  });
}
