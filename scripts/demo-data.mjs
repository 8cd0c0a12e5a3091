// The demo data set: realistic events of all six types, deterministic for a given seed and clock.
//
// `npm start` loads it once into a fresh stack (scripts/stack.mjs); tests and benchmarks reuse
// `generateDemoEvents` so they send the same shapes a user sees in the dashboard. Plain ESM with no
// dependencies: it runs under the pinned Node before anything is built. Field names follow
// packages/event-schema/src/events.ts (the schemas are the source of truth; ingestion rejects
// anything else, and the loader fails loudly if it does).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DAY_MS = 24 * 60 * 60 * 1000;

const SITE = "https://shop.example.com";
const PAGES = [
  { path: "/", title: "Example Shop" },
  { path: "/pricing", title: "Pricing | Example Shop" },
  { path: "/products/edge-widget", title: "Edge Widget | Example Shop" },
  { path: "/products/stream-kit", title: "Stream Kit | Example Shop" },
  { path: "/docs/getting-started", title: "Getting started | Docs" },
  { path: "/blog/lakehouse-on-r2", title: "A lakehouse on R2 | Blog" },
  { path: "/checkout", title: "Checkout | Example Shop" },
];
const REFERRERS = ["", "", "https://www.google.com/", "https://news.ycombinator.com/", "https://twitter.com/", "https://duckduckgo.com/"];
const CAMPAIGNS = [
  undefined,
  undefined,
  undefined,
  { utm_source: "newsletter", utm_medium: "email", utm_campaign: "november-launch" },
  { utm_source: "google", utm_medium: "cpc", utm_campaign: "brand" },
];
const CLIENTS = [
  { browser: "Chrome", os: "Windows", device_type: "desktop" },
  { browser: "Chrome", os: "macOS", device_type: "desktop" },
  { browser: "Safari", os: "macOS", device_type: "desktop" },
  { browser: "Firefox", os: "Linux", device_type: "desktop" },
  { browser: "Mobile Safari", os: "iOS", device_type: "mobile" },
  { browser: "Chrome Mobile", os: "Android", device_type: "mobile" },
  { browser: "Safari", os: "iPadOS", device_type: "tablet" },
];
const COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "IN", "BR", "JP", "CA"];
const VIDEOS = [
  { video_id: "intro-to-edge-analytics", duration: 184 },
  { video_id: "product-tour", duration: 421 },
  { video_id: "customer-story-acme", duration: 96 },
];
const USER_ACTIONS = [
  { action: "click", target: "#cta-start-trial" },
  { action: "click", target: "nav a[href='/pricing']" },
  { action: "add_to_cart", target: "edge-widget", value: "1" },
  { action: "search", target: "#search", value: "parquet" },
  { action: "signup", target: "form#signup" },
  { action: "copy_code", target: "pre.install" },
];
const API_ROUTES = [
  { method: "GET", path: "/api/v1/products", ms: 35 },
  { method: "GET", path: "/api/v1/products/edge-widget", ms: 22 },
  { method: "POST", path: "/api/v1/cart", ms: 64 },
  { method: "POST", path: "/api/v1/checkout", ms: 180 },
  { method: "GET", path: "/api/v1/search", ms: 90 },
  { method: "DELETE", path: "/api/v1/cart/items/1", ms: 41 },
];
const ORGANIZATIONS = ["org_acme", "org_globex", "org_initech"];
const SKUS = [
  { sku: "events-ingested", unit: "events", scale: 5000 },
  { sku: "storage-gb-hours", unit: "gb_hours", scale: 12 },
  { sku: "queries", unit: "queries", scale: 40 },
];
const CUSTOM_EVENTS = ["newsletter_subscribed", "experiment_exposure", "feature_flag_evaluated", "error_boundary_hit"];

/** mulberry32: a tiny seeded PRNG, so the same seed always yields the same data set (also used by demo-traffic.mjs). */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = (items) => items[Math.floor(next() * items.length)];
  // RFC 9562 version 4 layout (version nibble 4, variant 10xx) from the seeded stream, so event ids
  // are valid UUIDs and a reload of the same data set is recognised as duplicates.
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = "4";
    hex[16] = ((Math.floor(next() * 4) & 0x3) | 0x8).toString(16);
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  return { next, int, pick, uuid };
}

const round = (value, digits) => Number(value.toFixed(digits));

/** The events one visit produces, in time order, starting at `startMs`. */
function sessionEvents(random, startMs, base) {
  const events = [];
  let clock = startMs;
  const at = () => new Date(clock).toISOString();
  const advance = (minSeconds, maxSeconds) => {
    clock += random.int(minSeconds, maxSeconds) * 1000;
  };
  const campaign = random.pick(CAMPAIGNS);
  const referrer = random.pick(REFERRERS);
  const pageCount = random.int(1, 5);
  for (let i = 0; i < pageCount; i += 1) {
    const page = i === 0 && random.next() < 0.4 ? PAGES[0] : random.pick(PAGES);
    const timeOnPage = random.int(3, 240);
    events.push({
      ...base(),
      type: "page_view",
      timestamp: at(),
      page_url: `${SITE}${page.path}`,
      page_title: page.title,
      ...(i === 0 && referrer ? { referrer } : {}),
      ...(i === 0 && campaign ? campaign : {}),
      time_on_page: timeOnPage,
    });
    advance(1, 20);
    if (random.next() < 0.45) {
      const { action, target, value } = random.pick(USER_ACTIONS);
      events.push({ ...base(), type: "user_action", timestamp: at(), action, target, ...(value ? { value } : {}) });
    }
    if (random.next() < 0.2) {
      // A product page's API calls, seen server-side under the visitor's session.
      const route = random.pick(API_ROUTES);
      const failed = random.next() < 0.06;
      events.push({
        ...base(),
        type: "api_request",
        timestamp: at(),
        method: route.method,
        path: route.path,
        status_code: failed ? random.pick([404, 429, 500, 503]) : route.method === "POST" ? 201 : 200,
        duration_ms: round(route.ms * (0.5 + random.next() * 1.5), 1),
        organization_id: random.pick(ORGANIZATIONS),
      });
    }
    if (random.next() < 0.15) {
      const { video_id, duration } = random.pick(VIDEOS);
      let position = 0;
      for (const action of ["play", "pause", "seek", "play", "complete"]) {
        if (action !== "play" && random.next() < 0.3) break;
        position = action === "complete" ? duration : Math.min(duration, position + random.int(5, 60));
        events.push({
          ...base(),
          type: "video_event",
          timestamp: at(),
          video_id,
          action,
          position,
          duration,
          playback_rate: random.pick([1, 1, 1, 1.25, 1.5, 2]),
          quality: random.pick(["720p", "1080p", "480p"]),
          buffered: Math.min(duration, position + random.int(5, 30)),
        });
        advance(5, 60);
      }
    }
    if (random.next() < 0.08) {
      events.push({ ...base(), type: "custom", timestamp: at(), name: random.pick(CUSTOM_EVENTS), properties: { variant: random.pick(["a", "b"]) } });
    }
    advance(3, timeOnPage);
  }
  return events;
}

/**
 * Generates `count` realistic events of all six types (page_view, video_event, user_action,
 * api_request, usage, custom) for project `projectId`, spread over the `days` days before `now`,
 * grouped into visitor sessions, sorted by timestamp. Same arguments, same events (event ids included).
 *
 * @example
 * const events = generateDemoEvents({ seed: 42, count: 300 });
 */
export function generateDemoEvents({ seed = 20261125, count = 400, now = Date.now(), days = 7, projectId = "local" } = {}) {
  const random = createRandom(seed);
  const windowStart = now - days * DAY_MS;
  // Metered usage is reported by the customer's backend, a few times per batch of visits.
  const usageEverySessions = Math.max(2, Math.round(count / 160));
  let sessionNumber = 0;
  const nextSession = () => {
    sessionNumber += 1;
    const session_id = `demo-s-${seed}-${sessionNumber}`;
    const user_id = random.next() < 0.6 ? `demo-u-${random.int(1, Math.max(5, Math.round(count / 12)))}` : undefined;
    const client = random.pick(CLIENTS);
    const country = random.pick(COUNTRIES);
    // A visit lasts well under two hours, so starting before `now - 2h` keeps it in the window.
    const startMs = windowStart + Math.floor(random.next() * (days * DAY_MS - 2 * 60 * 60 * 1000));
    const base = () => ({
      event_id: random.uuid(),
      project_id: projectId,
      session_id,
      ...(user_id ? { user_id } : {}),
      country,
      ...client,
    });
    const produced = sessionEvents(random, startMs, base);
    if (sessionNumber % usageEverySessions === 0) {
      const { sku, unit, scale } = random.pick(SKUS);
      produced.push({
        event_id: random.uuid(),
        project_id: projectId,
        session_id: `demo-billing-${seed}`,
        type: "usage",
        timestamp: new Date(startMs).toISOString(),
        organization_id: random.pick(ORGANIZATIONS),
        sku,
        quantity: round(scale * (0.2 + random.next()), 2),
        unit,
      });
    }
    return produced;
  };
  const events = [];
  while (events.length < count) events.push(...nextSession());
  events.length = count;
  // Every type appears even in a small set (the dashboard and the tests expect all six): a missing
  // type, borrowed from the visits that follow, takes the place of an event of the commonest type.
  for (const type of ["page_view", "video_event", "user_action", "api_request", "usage", "custom"]) {
    if (count < 6 || events.some((event) => event.type === type)) continue;
    let donor;
    for (let tries = 0; !donor && tries < 1000; tries += 1) donor = nextSession().find((event) => event.type === type);
    const counts = countByType(events);
    const commonest = Object.keys(counts).reduce((a, b) => ((counts[b] ?? 0) > (counts[a] ?? 0) ? b : a));
    const victim = events.findLastIndex((event) => event.type === commonest);
    if (donor && victim >= 0) events[victim] = donor;
  }
  return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}

/** Counts events per `type`, in a stable order (for progress output and the load marker). */
export function countByType(events) {
  const counts = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Browsers the demo traffic comes from, one per batch in turn. Without a browser's User-Agent,
 * ingestion would (rightly) flag Node's own as a bot, and dashboards hide bot traffic.
 */
const DEMO_USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
];

/**
 * POSTs `events` to `<origin>/events` in batches of at most `batchSize` (with `apiKey` in
 * `X-API-Key`) and resolves with the summed `{ accepted, duplicates, rejected }`. Rejects on any
 * answer other than 202, or when ingestion rejected an event: demo data must be valid.
 */
export async function sendEvents(origin, events, { apiKey = "local-dev-key", batchSize = 100, onBatch = () => {} } = {}) {
  if (batchSize < 1 || batchSize > 100) throw new RangeError(`batchSize must be 1..100, got ${batchSize}`);
  const total = { accepted: 0, duplicates: 0, rejected: [] };
  for (let offset = 0; offset < events.length; offset += batchSize) {
    const batch = events.slice(offset, offset + batchSize);
    const response = await fetch(`${origin}/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": apiKey,
        "user-agent": DEMO_USER_AGENTS[(offset / batchSize) % DEMO_USER_AGENTS.length],
      },
      body: JSON.stringify({ events: batch }),
    });
    const text = await response.text();
    if (response.status !== 202) {
      throw new Error(`POST ${origin}/events (events ${offset}..${offset + batch.length - 1}) answered ${response.status}: ${text.slice(0, 2000)}`);
    }
    const result = JSON.parse(text);
    if (result.rejected?.length) {
      const first = result.rejected[0];
      throw new Error(
        `ingestion rejected ${result.rejected.length} demo event(s) in batch at ${offset}; first: ${JSON.stringify(first)} for ${JSON.stringify(batch[first.index])}`,
      );
    }
    total.accepted += result.accepted ?? 0;
    total.duplicates += result.duplicates ?? 0;
    onBatch({ offset, size: batch.length, result });
  }
  return total;
}

/** Where a state folder records that it holds the demo data (deleting the folder resets both). */
export function demoMarkerPath(stateDir) {
  return join(stateDir, "demo-loaded.json");
}

/**
 * Loads the demo data set into the stack at `origin` unless the state folder's marker says it
 * already holds it; writes the marker after a complete load. Resolves with what it did.
 */
export async function loadDemoDataOnce({ origin, stateDir, seed = 20261125, count = 400, apiKey = "local-dev-key", adminKey = "local-admin-key", log = () => {} }) {
  const marker = demoMarkerPath(stateDir);
  if (existsSync(marker)) {
    return { skipped: true, marker, previous: JSON.parse(readFileSync(marker, "utf8")) };
  }
  const events = generateDemoEvents({ seed, count });
  const byType = countByType(events);
  log(`loading ${events.length} demo events (${Object.entries(byType).map(([type, n]) => `${n} ${type}`).join(", ")})`);
  const total = await sendEvents(origin, events, {
    apiKey,
    onBatch: ({ offset, size, result }) => log(`  events ${offset + 1}-${offset + size}: 202, accepted ${result.accepted}, duplicates ${result.duplicates}`),
  });
  // Write the demo events to the lake at once rather than after the sink's roll interval, so the
  // catalog, the costs and dbt have files to show from the first minute.
  const flushed = await fetch(`${origin}/admin/flush`, { method: "POST", headers: { "x-api-key": adminKey } });
  if (!flushed.ok) throw new Error(`POST /admin/flush answered ${flushed.status}: ${(await flushed.text()).slice(0, 500)}`);
  const lake = await flushed.json();
  log(`  wrote ${lake.files.length} Parquet files (${lake.rows} rows, ${lake.bytes} bytes) to analytics-source`);
  const record = {
    loaded_at: new Date().toISOString(),
    lake_files: lake.files.length,
    seed,
    events: events.length,
    by_type: byType,
    accepted: total.accepted,
    duplicates: total.duplicates,
    first_timestamp: events[0]?.timestamp,
    last_timestamp: events.at(-1)?.timestamp,
  };
  writeFileSync(marker, `${JSON.stringify(record, null, 2)}\n`);
  return { skipped: false, marker, ...record };
}
