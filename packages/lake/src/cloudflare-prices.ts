/**
 * Cloudflare's list prices for what an event costs beyond storage (Workers Paid, read 2026-11):
 * https://developers.cloudflare.com/workers/platform/pricing/,
 * https://developers.cloudflare.com/durable-objects/platform/pricing/,
 * https://developers.cloudflare.com/analytics/analytics-engine/pricing/,
 * https://developers.cloudflare.com/queues/platform/pricing/. R2's own are `DEFAULT_R2_PRICES`.
 * Pipelines' price is not published in the documentation this project was built against: it is
 * null (printed as unknown) until an operator sets it.
 */
export interface CloudflarePriceList {
  currency: "USD";
  workers_requests_usd_per_million: number;
  workers_cpu_usd_per_million_ms: number;
  durable_objects_requests_usd_per_million: number;
  /** SQLite-backed objects: a DELETE writes rows too, and so does `setAlarm` (one row). */
  durable_objects_rows_written_usd_per_million: number;
  durable_objects_gb_seconds_usd_per_million: number;
  analytics_engine_data_points_usd_per_million: number;
  /** A message costs three operations (write, read, delete) per 64 KB. */
  queues_operations_usd_per_million: number;
  /** Per GB ingested, when known. */
  pipelines_usd_per_gb: number | null;
  source: string;
}

export const DEFAULT_CLOUDFLARE_PRICES: CloudflarePriceList = {
  currency: "USD",
  workers_requests_usd_per_million: 0.3,
  workers_cpu_usd_per_million_ms: 0.02,
  durable_objects_requests_usd_per_million: 0.15,
  durable_objects_rows_written_usd_per_million: 1.0,
  durable_objects_gb_seconds_usd_per_million: 12.5,
  analytics_engine_data_points_usd_per_million: 0.25,
  queues_operations_usd_per_million: 0.4,
  pipelines_usd_per_gb: null,
  source: "developers.cloudflare.com pricing pages of Workers, Durable Objects, Analytics Engine and Queues (Workers Paid, beyond the included usage)",
};

/**
 * The price list in force: the defaults overridden field by field by a JSON object (the
 * `CLOUDFLARE_PRICES` setting), so a price change needs no code change. Unknown or non-numeric
 * fields are refused.
 */
export function cloudflarePricesFrom(overrideJson: string | undefined): CloudflarePriceList {
  if (!overrideJson) return DEFAULT_CLOUDFLARE_PRICES;
  let override: unknown;
  try {
    override = JSON.parse(overrideJson);
  } catch {
    throw new Error('CLOUDFLARE_PRICES is not valid JSON: expected an object such as {"pipelines_usd_per_gb":0.02}');
  }
  if (typeof override !== "object" || override === null || Array.isArray(override)) throw new Error("CLOUDFLARE_PRICES must be a JSON object");
  const prices: CloudflarePriceList = { ...DEFAULT_CLOUDFLARE_PRICES };
  for (const [name, value] of Object.entries(override)) {
    if (!(name in prices) || name === "currency" || name === "source" || typeof value !== "number" || !(value >= 0)) {
      throw new Error(`CLOUDFLARE_PRICES.${name}: unknown field, or not a number >= 0`);
    }
    (prices as unknown as Record<string, number>)[name] = value;
  }
  return prices;
}
