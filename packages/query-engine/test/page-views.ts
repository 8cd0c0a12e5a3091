// Deterministic page views as the lake stores them, and their Parquet files written by the lake's
// own writer: the data of the engine's tests in Node (this folder) and in workerd
// (workers/api/test/engine*.test.ts). Expected answers are computed from these records in plain
// TypeScript, never by the engine under test.
import { encodeLakeRows } from "@edge-analytics/lake";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";

/** A page view as the lake stores it (timestamps as epoch ms, properties as an object). */
export interface PageViewRecord {
  type: "page_view";
  event_id: string;
  timestamp: number;
  session_id: string;
  user_id: string | null;
  project_id: string;
  environment: string;
  version: string | null;
  country: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  properties: Record<string, unknown> | null;
  channel: string | null;
  platform: string | null;
  received_at: number;
  is_bot: boolean;
  page_url: string;
  page_title: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  time_on_page: number | null;
}

/** mulberry32: a small seeded generator, so every run (and every runtime) sees the same rows. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = ["/", "/pricing", "/docs", "/blog/launch", "/produits/café-crème", "/日本語/ページ", "/emoji/🎉", ...Array.from({ length: 43 }, (_, i) => `/products/${i}`)];
const COUNTRIES = ["US", "DE", "FR", "JP", "BR", "GB", null];
const BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", null];

/** Options of {@link pageViews}. */
export interface PageViewOptions {
  /** First event's timestamp (epoch ms). */
  readonly start: number;
  /** Milliseconds between consecutive events (they are in time order). */
  readonly stepMs: number;
  readonly projectId?: string;
  readonly seed?: number;
  /** Prefix of the event ids, to keep files' ids apart. */
  readonly idPrefix?: string;
}

/**
 * `count` page views in time order: skewed pages (non-ASCII and emoji among them), nulls in
 * every nullable column, a few bots, JSON properties.
 */
export function pageViews(count: number, options: PageViewOptions): PageViewRecord[] {
  const next = random(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const prefix = options.idPrefix ?? "0";
  return Array.from({ length: count }, (_, i) => {
    const timestamp = options.start + i * options.stepMs;
    const page = PAGES[Math.floor(PAGES.length * next() ** 2)]!;
    return {
      type: "page_view",
      event_id: `${prefix}-${String(i).padStart(9, "0")}`,
      timestamp,
      session_id: `s${Math.floor(next() * 2000)}`,
      user_id: next() < 0.2 ? null : `u${Math.floor(next() * 500)}`,
      project_id: options.projectId ?? "shop",
      environment: "production",
      version: next() < 0.5 ? null : "1.4.2",
      country: pick(COUNTRIES),
      browser: pick(BROWSERS),
      os: next() < 0.1 ? null : "Linux",
      device_type: next() < 0.1 ? null : "desktop",
      properties: next() < 0.7 ? null : { plan: pick(["free", "pro"]), seats: Math.floor(next() * 10) },
      channel: "web",
      platform: next() < 0.3 ? null : "browser",
      received_at: timestamp + 250 + Math.floor(next() * 1000),
      is_bot: next() < 0.05,
      page_url: `https://shop.example${page}`,
      page_title: next() < 0.1 ? null : `Title ${page}`,
      referrer: next() < 0.5 ? null : "https://www.google.com/",
      utm_source: next() < 0.8 ? null : "newsletter",
      utm_medium: next() < 0.8 ? null : "email",
      utm_campaign: next() < 0.8 ? null : "spring",
      time_on_page: next() < 0.1 ? null : Math.round(next() * 600_000) / 1000,
    };
  });
}

/** A Parquet file of `records` from the lake's writer (call `initZstd` first), row groups of `maxRowGroupRows`. */
export function pageViewFile(records: readonly PageViewRecord[], maxRowGroupRows?: number): Uint8Array {
  return encodeLakeRows(
    "page_view",
    records.map((record) => lakeRowFromRecord("page_view", record as unknown as Record<string, unknown>)),
    maxRowGroupRows === undefined ? {} : { maxRowGroupRows },
  );
}

/** Linear-interpolated quantile of `values` (DuckDB's quantile_cont). */
export function quantileCont(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
