// Percentiles, summaries of load results, and plain-text tables.

/**
 * The p-th percentile (0..100) by nearest rank: the smallest value with at least p% of the values
 * at or below it. NaN for no values.
 * @param {Float64Array | number[]} values
 * @param {number} p
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]);
}

/**
 * Throughput and latency figures of one load result.
 * @param {import("./load.mjs").LoadResult} r
 */
export function summarize(r) {
  const seconds = Math.max(r.seconds, 1e-9);
  return {
    label: r.label,
    itemsPerSecond: r.items / seconds,
    requestsPerSecond: r.okRequests / seconds,
    p50Ms: percentile(r.latenciesMs, 50),
    p99Ms: percentile(r.latenciesMs, 99),
    maxMs: r.latenciesMs.reduce((max, v) => Math.max(max, v), Number.NaN),
    requests: r.requests,
    errors: r.errors,
    seconds: r.seconds,
    /** Server (wrangler + workerd) CPU milliseconds per successful request. */
    serverCpuMsPerRequest: r.okRequests ? (r.serverCpuSeconds * 1000) / r.okRequests : Number.NaN,
    /** Share of one core the server used on average. */
    serverCores: r.serverCpuSeconds / seconds,
    clientCores: r.clientCpuSeconds / seconds,
    /** Cores used on average by processes this benchmark did not start (neighbours on the machine). */
    otherCores: r.otherCpuSeconds / seconds,
  };
}

/** `12,345` */
export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
/** `12.3` */
export const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

/**
 * A plain-text table: first column left-aligned, the others right-aligned.
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
