/**
 * Events accepted by ingestion for one raw table and UTC hour of receipt, as one project's
 * counter reports them to the catalog, which compares them with the rows that landed in files.
 */
export interface AcceptedCount {
  table: string;
  /** `2026-11-25T09` */
  hour: string;
  accepted: number;
  /**
   * Accepted but not yet in a file; null when unknown: a Cloudflare Pipelines stream holds events
   * until it rolls a file and does not say how many (ingestion's counter reports null).
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

/**
 * Hours a client's resend may reach beyond the first copy's: a retry lands in the hour of its own
 * receipt, the same as the first copy's or the next (the same window compaction looks back over).
 */
export const PARITY_DISTINCT_LOOKBACK_HOURS = 1;

/** The UTC hour before `hour` (`2026-11-25T09` → `2026-11-25T08`). */
export function previousHour(hour: string): string {
  return new Date(Date.parse(`${hour}:00:00Z`) - 60 * 60 * 1000).toISOString().slice(0, 13);
}

/**
 * Distinct events per UTC hour of receipt, each counted in the hour of its first copy: an
 * event_id also received in the hour before (a client's resend across the hour's end) counts
 * there, not again here. `idsByHour` must hold every copy received in each wanted hour and in the
 * hour before it; copies within one hour (an at-least-once sink's redelivery, a resend) count once.
 */
export function distinctByFirstHour(idsByHour: ReadonlyMap<string, ReadonlySet<string>>, hours: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hour of hours) {
    const ids = idsByHour.get(hour);
    const before = idsByHour.get(previousHour(hour));
    let distinct = 0;
    if (ids) for (const id of ids) if (!before?.has(id)) distinct++;
    counts.set(hour, distinct);
  }
  return counts;
}
