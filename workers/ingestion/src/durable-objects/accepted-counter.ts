import { catalogRpc } from "@edge-analytics/catalog";
import type { AcceptedTally } from "@edge-analytics/ingest";
import { type AcceptedCount, parityCutoffHour } from "@edge-analytics/lake";
import { DurableObject } from "cloudflare:workers";

/**
 * New counts reach the catalog this long after the first of a burst: one report per project and
 * interval whatever the request rate, while an operator (or a test) reading parity waits seconds.
 */
export const REPORT_DELAY_MS = 2_000;
/** After a report the catalog did not take. */
const REPORT_RETRY_MS = 60_000;
/** Counts older than the parity window are forgotten this often. */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * One project's accepted events per lake table and UTC hour of receipt: the ingestion side of the
 * catalog's parity (accepted vs landed). Each Worker isolate sends it the sum of many requests'
 * counts at most once a second (`AcceptedCountBatcher`), one row per table and hour touched, and
 * it reports the project's counts to the catalog shortly after they change. Nothing here is per
 * event: the rows written grow with tables × hours, not with traffic.
 */
export class AcceptedCounter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS accepted_counts (
         event_table TEXT NOT NULL,
         hour TEXT NOT NULL,
         accepted INTEGER NOT NULL,
         PRIMARY KEY (event_table, hour)
       ) WITHOUT ROWID;
       -- project: whose counts these are; dirty: changed since the last report; next_sweep_ms.
       CREATE TABLE IF NOT EXISTS counter_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    );
  }

  private meta(name: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM counter_meta WHERE name = ?", name).toArray()[0]?.value;
  }

  private setMeta(name: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO counter_meta (name, value) VALUES (?, ?)", name, value);
  }

  /** Adds accepted events to the project's counts, in one transaction, and schedules the report. */
  async add(projectId: string, tallies: AcceptedTally[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
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
      this.setMeta("dirty", "1");
    });
    const current = await this.ctx.storage.getAlarm();
    const due = Date.now() + REPORT_DELAY_MS;
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  /** The project's counts within the parity window, per table and hour (for the catalog and tests). */
  async counts(): Promise<AcceptedTally[]> {
    return (
      this.ctx.storage.sql
        .exec<{ table: string; hour: string; accepted: number }>(`SELECT event_table AS "table", hour, accepted FROM accepted_counts ORDER BY 1, 2`)
        .toArray()
        // Only ever written from AcceptedTally values, whose table is a TableName.
        .map((row) => ({ ...row }) as AcceptedTally)
    );
  }

  /**
   * Reports the project's counts to the catalog (which replaces its previous report), and forgets
   * hours that left the parity window. A stream does not say what it still holds, so the counts
   * go with `buffered: null` and the catalog allows for the sink's roll time.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    if (Number(this.meta("next_sweep_ms") ?? 0) <= now) {
      this.ctx.storage.sql.exec("DELETE FROM accepted_counts WHERE hour < ?", parityCutoffHour(now));
      this.setMeta("next_sweep_ms", String(now + SWEEP_INTERVAL_MS));
    }
    const project = this.meta("project");
    let failed = false;
    if (this.meta("dirty") === "1" && project !== undefined) {
      // Cleared before the call: an add during the report marks the counts dirty again.
      this.setMeta("dirty", "0");
      const counts: AcceptedCount[] = (await this.counts()).map((count) => ({ ...count, buffered: null }));
      try {
        await catalogRpc(this.env.CATALOG).recordAcceptedCounts(project, counts);
      } catch (error) {
        failed = true;
        this.setMeta("dirty", "1");
        console.error(JSON.stringify({ level: "error", stage: "parity-report", message: error instanceof Error ? error.message : String(error) }));
      }
    }
    // Counts added during the report are reported after the usual delay; a failed report later.
    const next = this.meta("dirty") !== "1" ? Number(this.meta("next_sweep_ms")) : now + (failed ? REPORT_RETRY_MS : REPORT_DELAY_MS);
    await this.ctx.storage.setAlarm(next);
  }
}
