/**
 * Events accepted by ingestion for one raw table and UTC hour of receipt, as one project's
 * journal reports them to the catalog, which compares them with the rows that landed in files.
 */
export interface AcceptedCount {
  table: string;
  /** `2026-11-25T09` */
  hour: string;
  accepted: number;
  /**
   * Accepted but not yet in a file; null when unknown: a Cloudflare Pipelines stream holds events
   * until it rolls a file and does not say how many (the production ledger reports null).
   */
  buffered: number | null;
}

/**
 * How far back parity reaches. Every report carries all of a project's counts and the catalog
 * compares every hour it holds, so without a bound both grow by 144 rows a day per project
 * forever; a month and a bit covers any roll, compaction or backfill an operator still acts on.
 */
export const PARITY_WINDOW_DAYS = 35;

/** The oldest UTC hour (`2026-11-25T09`) inside the parity window at `nowMs`. */
export function parityCutoffHour(nowMs: number): string {
  return new Date(nowMs - PARITY_WINDOW_DAYS * 24 * 60 * 60 * 1000).toISOString().slice(0, 13);
}
