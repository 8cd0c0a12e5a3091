/** How numbers read on screen; the browser tests format the API's answers with the same functions. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** 12,345 */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : integer.format(value);
}

/** A share in [0, 1] as a percentage: 45.3% */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : `${compactFormat.format(value * 100)}%`;
}

/** Seconds as 1m 05s (or 42s, 1h 02m). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h ${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}m`;
}

/** Milliseconds: 38 ms, 1.2 s */
export function formatMilliseconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${integer.format(ms)} ms` : `${compactFormat.format(ms / 1000)} s`;
}

/** A quantity: two decimals below 1,000 (1.25), whole numbers above (17,024,494); CSV keeps the exact value. */
export function formatQuantity(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: Math.abs(value) >= 1000 ? 0 : 2 }).format(value);
}

/**
 * The change from `previous` to `current`: relative for counts and durations (+12%), in
 * percentage points for rates (+1.5 pp); undefined when there is nothing to compare.
 */
export function formatChange(current: number | null | undefined, previous: number | null | undefined, kind: "relative" | "points"): string | undefined {
  if (current === null || current === undefined || previous === null || previous === undefined) return undefined;
  if (!Number.isFinite(current) || !Number.isFinite(previous)) return undefined;
  if (kind === "points") {
    const points = (current - previous) * 100;
    return `${points > 0 ? "+" : points < 0 ? "−" : "±"}${compactFormat.format(Math.abs(points))} pp`;
  }
  if (previous === 0) return current === 0 ? "±0%" : "new";
  const change = ((current - previous) / previous) * 100;
  return `${change > 0 ? "+" : change < 0 ? "−" : "±"}${integer.format(Math.abs(change))}%`;
}

/** A local date and time for freshness notes: "5 Dec, 14:05". */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "–";
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(date);
}
