import { AcceptedCounterStore, catalogRpc, durableObjectSql } from "@edge-analytics/catalog";
import type { AcceptedTally } from "@edge-analytics/ingest";
import { DurableObject } from "cloudflare:workers";

/** After a report the catalog did not take. */
const REPORT_RETRY_MS = 60_000;

/**
 * One project's accepted events per lake table and UTC hour of receipt: the ingestion side of the
 * catalog's parity (accepted vs landed). A thin shell over `AcceptedCounterStore`
 * (packages/catalog): each Worker isolate sends it the sum of many requests' counts at most once
 * per `ACCEPTED_COUNTS_INTERVAL_MS`, which writes one row per hour touched; the first counts after
 * a report set an alarm `ACCEPTED_COUNTS_REPORT_MS` later, which reports the changed hours to the
 * catalog. Nothing here is per event, and the report's cost is per interval, not per request.
 */
export class AcceptedCounter extends DurableObject<Env> {
  private readonly store: AcceptedCounterStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AcceptedCounterStore(durableObjectSql(ctx.storage));
  }

  private reportDelayMs(): number {
    const ms = Number(this.env.ACCEPTED_COUNTS_REPORT_MS || "60000");
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`ACCEPTED_COUNTS_REPORT_MS must be a number >= 0, got "${this.env.ACCEPTED_COUNTS_REPORT_MS}"`);
    return ms;
  }

  /** Adds accepted events to the project's counts, in one transaction, and schedules their report. */
  async add(projectId: string, tallies: AcceptedTally[]): Promise<void> {
    if (this.store.add(projectId, tallies)) await this.ctx.storage.setAlarm(Date.now() + this.reportDelayMs());
  }

  /** The project's counts within the parity window, per table and hour (for tests and operators). */
  async counts(): Promise<AcceptedTally[]> {
    // Only ever written from AcceptedTally values, whose table is a TableName.
    return this.store.counts() as AcceptedTally[];
  }

  /** Reports the hours changed since the last report to the catalog, and forgets hours that left the parity window. */
  override async alarm(): Promise<void> {
    this.store.sweep(Date.now());
    const report = this.store.takeReport();
    if (!report) return;
    try {
      await catalogRpc(this.env.CATALOG).recordAcceptedCounts(report.project, report.counts);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", stage: "parity-report", message: error instanceof Error ? error.message : String(error) }));
      if (this.store.reportFailed(report)) await this.ctx.storage.setAlarm(Date.now() + REPORT_RETRY_MS);
    }
  }
}
