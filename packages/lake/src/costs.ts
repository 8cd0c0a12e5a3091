/**
 * Storage spend of the lake, from what is really in the buckets and a documented price list.
 * Defaults: Cloudflare R2 Standard storage (https://developers.cloudflare.com/r2/pricing/, read
 * 2026-11): $0.015 per GB-month, Class A (writes, lists) $4.50 and Class B (reads) $0.36 per
 * million requests, egress free; monthly free tier 10 GB-month, 1M Class A, 10M Class B.
 */
export interface R2PriceList {
  currency: "USD";
  storage_usd_per_gb_month: number;
  class_a_usd_per_million: number;
  class_b_usd_per_million: number;
  /** Bytes in a billed GB. */
  bytes_per_gb: number;
  free_tier: { storage_gb_month: number; class_a_requests: number; class_b_requests: number };
  /**
   * Estimates of operations per file the sink writes (Class A: the PUT, plus a multipart
   * upload's extra calls, plus compaction's rewrite) and per file read later (Class B: the
   * catalog's footer read, compaction, dbt). Used only for the projection.
   */
  class_a_per_file_written: number;
  class_b_per_file_written: number;
  source: string;
}

export const DEFAULT_R2_PRICES: R2PriceList = {
  currency: "USD",
  storage_usd_per_gb_month: 0.015,
  class_a_usd_per_million: 4.5,
  class_b_usd_per_million: 0.36,
  bytes_per_gb: 1_000_000_000,
  free_tier: { storage_gb_month: 10, class_a_requests: 1_000_000, class_b_requests: 10_000_000 },
  class_a_per_file_written: 2,
  class_b_per_file_written: 4,
  source: "https://developers.cloudflare.com/r2/pricing/ (Standard storage)",
};

/**
 * The price list in force: the defaults, overridden field by field by `R2_PRICES` (JSON), so an
 * operator can follow a price change without a deploy. Unknown or non-numeric fields are refused.
 */
export function priceListFrom(overrideJson: string | undefined): R2PriceList {
  if (!overrideJson) return DEFAULT_R2_PRICES;
  let override: Record<string, unknown>;
  try {
    override = JSON.parse(overrideJson) as Record<string, unknown>;
  } catch {
    throw new Error("R2_PRICES is not valid JSON: expected an object such as {\"storage_usd_per_gb_month\":0.015}");
  }
  if (typeof override !== "object" || override === null || Array.isArray(override)) throw new Error("R2_PRICES must be a JSON object");
  const prices: R2PriceList = structuredClone(DEFAULT_R2_PRICES);
  for (const [name, value] of Object.entries(override)) {
    if (name === "free_tier" && value && typeof value === "object") {
      for (const [tierName, tierValue] of Object.entries(value)) {
        if (!(tierName in prices.free_tier) || typeof tierValue !== "number") throw new Error(`R2_PRICES.free_tier.${tierName}: unknown or not a number`);
        prices.free_tier[tierName as keyof R2PriceList["free_tier"]] = tierValue;
      }
    } else if (name in prices && typeof value === typeof prices[name as keyof R2PriceList] && name !== "currency") {
      (prices as unknown as Record<string, unknown>)[name] = value;
    } else {
      throw new Error(`R2_PRICES.${name}: unknown field or wrong type`);
    }
  }
  return prices;
}

/** Objects counted under one bucket and group (a table, or a folder such as `metadata`). */
export interface InventoryGroup {
  bucket: string;
  /** The lake table the objects belong to, or their top folder when they are not a table's. */
  group: string;
  table: boolean;
  bytes: number;
  objects: number;
}

/** What the lake gained recently, to project forward. */
export interface IngestRate {
  /** The window the rate was measured over. */
  window_hours: number;
  bytes: number;
  files: number;
  rows: number;
}

const round = (value: number, digits = 6) => Number(value.toFixed(digits));

function storageUsd(bytes: number, prices: R2PriceList): number {
  return (bytes / prices.bytes_per_gb) * prices.storage_usd_per_gb_month;
}

export interface CostReport {
  generated_at: string;
  prices: R2PriceList;
  buckets: { bucket: string; bytes: number; objects: number; monthly_usd: number }[];
  tables: { bucket: string; table: string; bytes: number; objects: number; monthly_usd: number }[];
  other: { bucket: string; folder: string; bytes: number; objects: number; monthly_usd: number }[];
  total: { bytes: number; objects: number; gb: number; monthly_storage_usd: number };
  projection: {
    basis: IngestRate;
    bytes_per_month: number;
    files_per_month: number;
    rows_per_month: number;
    /** Storage at the end of the next 30 days if the rate holds (raw is kept forever, so it only grows). */
    bytes_in_30_days: number;
    monthly_storage_usd_in_30_days: number;
    class_a_requests_per_month: number;
    class_b_requests_per_month: number;
    monthly_operations_usd: number;
    /** Storage in 30 days plus operations, minus the free tier. */
    monthly_usd_after_free_tier_in_30_days: number;
  };
}

/**
 * The cost report for an inventory of the buckets (listed, not estimated) and the recent rate.
 * Storage USD is per month at today's size; the projection assumes the measured rate continues.
 */
export function costReport(
  bucketNames: readonly string[],
  inventory: readonly InventoryGroup[],
  rate: IngestRate,
  prices: R2PriceList,
  now: Date,
): CostReport {
  // Every bucket appears, an empty one with zeros.
  const buckets = new Map<string, { bytes: number; objects: number }>(bucketNames.map((name) => [name, { bytes: 0, objects: 0 }]));
  for (const group of inventory) {
    const bucket = buckets.get(group.bucket) ?? { bytes: 0, objects: 0 };
    bucket.bytes += group.bytes;
    bucket.objects += group.objects;
    buckets.set(group.bucket, bucket);
  }
  const totalBytes = inventory.reduce((sum, g) => sum + g.bytes, 0);
  const totalObjects = inventory.reduce((sum, g) => sum + g.objects, 0);
  const perMonth = rate.window_hours > 0 ? (30 * 24) / rate.window_hours : 0;
  const bytesPerMonth = rate.bytes * perMonth;
  const filesPerMonth = rate.files * perMonth;
  const classA = filesPerMonth * prices.class_a_per_file_written;
  const classB = filesPerMonth * prices.class_b_per_file_written;
  const operationsUsd = (classA / 1e6) * prices.class_a_usd_per_million + (classB / 1e6) * prices.class_b_usd_per_million;
  const bytesIn30Days = totalBytes + bytesPerMonth;
  const billableGb = Math.max(0, bytesIn30Days / prices.bytes_per_gb - prices.free_tier.storage_gb_month);
  const billableA = Math.max(0, classA - prices.free_tier.class_a_requests);
  const billableB = Math.max(0, classB - prices.free_tier.class_b_requests);
  const afterFreeTier =
    billableGb * prices.storage_usd_per_gb_month + (billableA / 1e6) * prices.class_a_usd_per_million + (billableB / 1e6) * prices.class_b_usd_per_million;
  return {
    generated_at: now.toISOString(),
    prices,
    buckets: [...buckets].map(([bucket, b]) => ({ bucket, bytes: b.bytes, objects: b.objects, monthly_usd: round(storageUsd(b.bytes, prices)) })),
    tables: inventory
      .filter((g) => g.table)
      .map((g) => ({ bucket: g.bucket, table: g.group, bytes: g.bytes, objects: g.objects, monthly_usd: round(storageUsd(g.bytes, prices)) })),
    other: inventory
      .filter((g) => !g.table)
      .map((g) => ({ bucket: g.bucket, folder: g.group, bytes: g.bytes, objects: g.objects, monthly_usd: round(storageUsd(g.bytes, prices)) })),
    total: { bytes: totalBytes, objects: totalObjects, gb: round(totalBytes / prices.bytes_per_gb, 9), monthly_storage_usd: round(storageUsd(totalBytes, prices)) },
    projection: {
      basis: rate,
      bytes_per_month: Math.round(bytesPerMonth),
      files_per_month: Math.round(filesPerMonth),
      rows_per_month: Math.round(rate.rows * perMonth),
      bytes_in_30_days: Math.round(bytesIn30Days),
      monthly_storage_usd_in_30_days: round(storageUsd(bytesIn30Days, prices)),
      class_a_requests_per_month: Math.round(classA),
      class_b_requests_per_month: Math.round(classB),
      monthly_operations_usd: round(operationsUsd),
      monthly_usd_after_free_tier_in_30_days: round(afterFreeTier),
    },
  };
}
