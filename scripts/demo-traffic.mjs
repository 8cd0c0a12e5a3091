#!/usr/bin/env node
// Demo traffic for the dashboard: days of realistic events shaped like a real site's, sent through
// the public ingestion API (`POST /events`), so every panel of the dashboard opens full.
//
// Where scripts/demo-data.mjs makes a small, uniform set for tests, this one has a rhythm: more
// visits by day than by night and on weekdays than at weekends, a growing trend, sessions that
// enter on a campaign's landing page and bounce or browse on, returning visitors, UTM campaigns,
// referrers, countries, devices and channels, video plays that drop off before the end, API
// traffic with per-route latencies and errors, metered usage per organization and sku, and custom
// events with properties. Deterministic for a seed and a clock; plain ESM with no dependencies
// (it runs under the pinned Node before anything is built) and reuses demo-data.mjs's PRNG and
// sender.
//
// CLI:  node scripts/demo-traffic.mjs [--origin http://127.0.0.1:8787] [--days 30] [--sessions-per-day 300] [--seed N]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { countByType, createRandom, sendEvents } from "./demo-data.mjs";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const SITE = "https://shop.example.com";
const PAGES = {
  home: { path: "/", title: "Example Shop" },
  pricing: { path: "/pricing", title: "Pricing | Example Shop" },
  widget: { path: "/products/edge-widget", title: "Edge Widget | Example Shop" },
  streamKit: { path: "/products/stream-kit", title: "Stream Kit | Example Shop" },
  docs: { path: "/docs/getting-started", title: "Getting started | Docs" },
  docsApi: { path: "/docs/api", title: "API reference | Docs" },
  blogLake: { path: "/blog/lakehouse-on-r2", title: "A lakehouse on R2 | Blog" },
  blogEdge: { path: "/blog/analytics-at-the-edge", title: "Analytics at the edge | Blog" },
  checkout: { path: "/checkout", title: "Checkout | Example Shop" },
  signup: { path: "/signup", title: "Sign up | Example Shop" },
};
/** Where a visitor goes next from a page (weights by repetition): a shop's funnel. */
const NEXT_PAGES = {
  home: ["pricing", "pricing", "widget", "streamKit", "docs", "blogEdge"],
  pricing: ["signup", "signup", "checkout", "widget", "home"],
  widget: ["checkout", "checkout", "pricing", "streamKit", "docs"],
  streamKit: ["checkout", "pricing", "widget"],
  docs: ["docsApi", "docsApi", "pricing", "home"],
  docsApi: ["docs", "pricing"],
  blogLake: ["blogEdge", "home", "pricing", "docs"],
  blogEdge: ["blogLake", "home", "pricing"],
  checkout: ["home", "widget"],
  signup: ["docs", "home"],
};
/**
 * How visitors arrive: a weight, the referrer, UTM fields, the landing pages they enter on, and
 * how likely they leave after one page (bounce). Campaign traffic bounces more than search.
 */
const SOURCES = [
  { weight: 30, landing: ["home", "home", "pricing"], bounce: 0.35 },
  { weight: 22, referrer: "https://www.google.com/", landing: ["home", "docs", "blogLake", "widget"], bounce: 0.42 },
  { weight: 6, referrer: "https://duckduckgo.com/", landing: ["docs", "home"], bounce: 0.4 },
  { weight: 8, referrer: "https://news.ycombinator.com/", landing: ["blogLake", "blogEdge"], bounce: 0.7 },
  { weight: 5, referrer: "https://twitter.com/", landing: ["blogEdge", "home"], bounce: 0.65 },
  { weight: 4, referrer: "https://www.reddit.com/r/webdev/", landing: ["blogLake"], bounce: 0.6 },
  { weight: 4, referrer: "https://github.com/", landing: ["docs", "docsApi"], bounce: 0.3 },
  { weight: 7, utm: { utm_source: "newsletter", utm_medium: "email", utm_campaign: "december-digest" }, landing: ["blogEdge", "pricing"], bounce: 0.45 },
  { weight: 8, referrer: "https://www.google.com/", utm: { utm_source: "google", utm_medium: "cpc", utm_campaign: "brand" }, landing: ["pricing", "widget"], bounce: 0.5 },
  { weight: 4, referrer: "https://www.linkedin.com/", utm: { utm_source: "linkedin", utm_medium: "social", utm_campaign: "launch-week" }, landing: ["home", "blogEdge"], bounce: 0.6 },
  { weight: 2, referrer: "https://partner.example.org/", utm: { utm_source: "acme", utm_medium: "referral", utm_campaign: "partner-program" }, landing: ["pricing"], bounce: 0.25 },
];
/** Clients with their share of visits and the channel and platform they come through. */
const CLIENTS = [
  { weight: 26, browser: "Chrome", os: "Windows", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 16, browser: "Chrome", os: "macOS", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 9, browser: "Safari", os: "macOS", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 5, browser: "Firefox", os: "Windows", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 3, browser: "Firefox", os: "Linux", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 3, browser: "Edge", os: "Windows", device_type: "desktop", channel: "web", platform: "web" },
  { weight: 16, browser: "Mobile Safari", os: "iOS", device_type: "mobile", channel: "web", platform: "web" },
  { weight: 12, browser: "Chrome Mobile", os: "Android", device_type: "mobile", channel: "web", platform: "web" },
  { weight: 3, browser: "Safari", os: "iPadOS", device_type: "tablet", channel: "web", platform: "web" },
  { weight: 4, browser: "Example Shop", os: "iOS", device_type: "mobile", channel: "mobile", platform: "ios" },
  { weight: 3, browser: "Example Shop", os: "Android", device_type: "mobile", channel: "mobile", platform: "android" },
];
const COUNTRIES = [
  { weight: 34, country: "US" }, { weight: 11, country: "GB" }, { weight: 10, country: "DE" }, { weight: 7, country: "IN" },
  { weight: 6, country: "FR" }, { weight: 6, country: "CA" }, { weight: 5, country: "BR" }, { weight: 4, country: "NL" },
  { weight: 4, country: "JP" }, { weight: 3, country: "AU" }, { weight: 3, country: "ES" }, { weight: 3, country: "SE" },
  { weight: 2, country: "PL" }, { weight: 2, country: "MX" },
];
const VIDEOS = {
  home: { video_id: "product-tour", duration: 421 },
  widget: { video_id: "edge-widget-in-90-seconds", duration: 90 },
  blogLake: { video_id: "lakehouse-talk", duration: 1860 },
  docs: { video_id: "getting-started-screencast", duration: 312 },
};
const API_ROUTES = [
  { weight: 30, method: "GET", path: "/api/v1/products", ms: 28, errorRate: 0.002 },
  { weight: 18, method: "GET", path: "/api/v1/products/:id", ms: 19, errorRate: 0.002 },
  { weight: 12, method: "GET", path: "/api/v1/search", ms: 85, errorRate: 0.01 },
  { weight: 10, method: "POST", path: "/api/v1/cart", ms: 54, errorRate: 0.006 },
  { weight: 4, method: "DELETE", path: "/api/v1/cart/items/:id", ms: 37, errorRate: 0.004 },
  { weight: 5, method: "POST", path: "/api/v1/checkout", ms: 240, errorRate: 0.035 },
  { weight: 3, method: "POST", path: "/api/v1/exports", ms: 900, errorRate: 0.05 },
];
/** Customers of the SaaS backend: their share of API traffic and usage. */
const ORGANIZATIONS = [
  { weight: 45, id: "org_acme" }, { weight: 25, id: "org_globex" }, { weight: 15, id: "org_initech" },
  { weight: 10, id: "org_umbrella" }, { weight: 5, id: "org_hooli" },
];
const SKUS = [
  { sku: "events-ingested", unit: "events", perDay: 250_000 },
  { sku: "storage-gb-hours", unit: "gb_hours", perDay: 120 },
  { sku: "queries", unit: "queries", perDay: 900 },
  { sku: "seats", unit: "seats", perDay: 12 },
];
const USER_ACTIONS = {
  pricing: [{ action: "click", target: "#plan-pro" }, { action: "toggle", target: "#billing-annual" }],
  widget: [{ action: "add_to_cart", target: "edge-widget", value: "1" }],
  streamKit: [{ action: "add_to_cart", target: "stream-kit", value: "1" }],
  docs: [{ action: "copy_code", target: "pre.install" }, { action: "search", target: "#search", value: "parquet" }],
  docsApi: [{ action: "copy_code", target: "pre.graphql" }],
  home: [{ action: "click", target: "#cta-start-trial" }],
};

const round = (value, digits) => Number(value.toFixed(digits));

/** Picks an item by its `weight`. */
function weighted(random, items) {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let ticket = random.next() * total;
  for (const item of items) {
    ticket -= item.weight;
    if (ticket < 0) return item;
  }
  return items[items.length - 1];
}

/** A log-normal draw around `median` (latencies and watch times have long right tails). */
function logNormal(random, median, sigma) {
  const u = Math.max(random.next(), 1e-9);
  const v = random.next();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

/** Relative traffic at an instant: a daily curve peaking mid-afternoon UTC, weekends lower. */
function trafficShape(ms) {
  const date = new Date(ms);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const daily = 0.25 + 0.75 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)) ** 1.5 + 0.15;
  const weekday = date.getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.65 : 1);
}

/** One visit: its page views (entry page, then a walk through the funnel) and what happened on them. */
function visitEvents(random, { startMs, nowMs, sessionId, visitorId, context, source, push }) {
  let clock = startMs;
  const base = () => ({ event_id: random.uuid(), session_id: sessionId, user_id: visitorId, ...context });
  const bounced = random.next() < source.bounce;
  const pageCount = bounced ? 1 : 2 + Math.min(8, Math.floor(-Math.log(Math.max(random.next(), 1e-9)) * 1.6));
  let pageKey = random.pick(source.landing);
  for (let i = 0; i < pageCount && clock < nowMs; i += 1) {
    const page = PAGES[pageKey];
    // Bounces read less; blog posts and docs are read longer.
    const reading = pageKey.startsWith("blog") || pageKey.startsWith("docs") ? 95 : 40;
    const timeOnPage = round(Math.min(1800, Math.max(2, logNormal(random, bounced ? reading * 0.5 : reading, 0.8))), 1);
    push({
      ...base(),
      type: "page_view",
      timestamp: new Date(clock).toISOString(),
      page_url: `${SITE}${page.path}`,
      page_title: page.title,
      // Only the entry page has an external referrer: like most analytics, internal navigation is not a source.
      ...(i === 0 && source.referrer ? { referrer: source.referrer } : {}),
      ...(i === 0 && source.utm ? source.utm : {}),
      time_on_page: timeOnPage,
    });
    const actions = USER_ACTIONS[pageKey];
    if (actions && random.next() < 0.35) {
      const { action, target, value } = random.pick(actions);
      push({ ...base(), type: "user_action", timestamp: new Date(clock + random.int(2, 20) * 1000).toISOString(), action, target, ...(value ? { value } : {}) });
    }
    const video = VIDEOS[pageKey];
    if (video && random.next() < 0.22) {
      // Viewers drop off: most watch a part, a third reach the end.
      let position = 0;
      let at = clock + random.int(3, 15) * 1000;
      const completes = random.next() < 0.33;
      const stopAt = completes ? video.duration : Math.min(video.duration - 1, logNormal(random, video.duration * 0.3, 0.7));
      push({ ...base(), type: "video_event", timestamp: new Date(at).toISOString(), video_id: video.video_id, action: "play", position: 0, duration: video.duration, playback_rate: random.pick([1, 1, 1, 1.25, 1.5, 2]), quality: random.pick(["720p", "1080p", "1080p", "480p"]) });
      if (random.next() < 0.2) {
        position = round(Math.min(stopAt, random.next() * stopAt), 1);
        at += position * 1000;
        push({ ...base(), type: "video_event", timestamp: new Date(at).toISOString(), video_id: video.video_id, action: "seek", position, duration: video.duration });
      }
      at += Math.max(0, stopAt - position) * 1000;
      position = round(stopAt, 1);
      if (at < nowMs) {
        push({ ...base(), type: "video_event", timestamp: new Date(at).toISOString(), video_id: video.video_id, action: completes ? "complete" : "pause", position, duration: video.duration, buffered: Math.min(video.duration, position + random.int(5, 30)) });
      }
    }
    if (pageKey === "signup" && random.next() < 0.5) {
      push({ ...base(), type: "custom", timestamp: new Date(clock + 15_000).toISOString(), name: "signup", properties: { plan: random.pick(["free", "free", "pro", "team"]), source: source.utm?.utm_source ?? "organic" } });
    }
    if (pageKey === "checkout" && random.next() < 0.4) {
      push({ ...base(), type: "custom", timestamp: new Date(clock + 20_000).toISOString(), name: "purchase", properties: { product: random.pick(["edge-widget", "stream-kit"]), revenue: random.pick([49, 49, 99, 199]), currency: "USD" } });
    }
    if (i === 0 && random.next() < 0.1) {
      push({ ...base(), type: "custom", timestamp: new Date(clock + 1000).toISOString(), name: "experiment_exposure", properties: { experiment: "hero-copy", variant: random.pick(["control", "benefit-led"]) } });
    }
    if (random.next() < 0.02) {
      push({ ...base(), type: "custom", timestamp: new Date(clock + 3000).toISOString(), name: "newsletter_subscribed", properties: { placement: random.pick(["footer", "blog-inline", "exit-intent"]) } });
    }
    clock += timeOnPage * 1000 + random.int(1, 5) * 1000;
    pageKey = random.pick(NEXT_PAGES[pageKey]);
  }
}

/**
 * Generates `days` days of demo traffic ending at `now`: about `sessionsPerDay` visits a day
 * (more by day and on weekdays, growing ~30% over the window), the API traffic of the shop's
 * backend (`apiRequestsPerDay`), and each organization's metered usage per day. Events of
 * project `projectId`, sorted by timestamp, none after `now`. Same arguments, same events.
 *
 * @example
 * const events = generateDemoTraffic({ days: 7, sessionsPerDay: 50 });
 */
export function generateDemoTraffic({ days = 30, sessionsPerDay = 300, apiRequestsPerDay = 400, seed = 20261205, now = Date.now(), projectId = "local" } = {}) {
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const random = createRandom(seed);
  const start = now - days * DAY_MS;
  const events = [];
  const push = (event) => {
    if (Date.parse(event.timestamp) <= now) events.push({ project_id: projectId, ...event });
  };
  // Returning visitors: a visit comes from someone seen before about a third of the time.
  const visitors = [];
  let sessionNumber = 0;
  // Average of trafficShape over a week, so sessionsPerDay is the mean.
  let shapeSum = 0;
  for (let h = 0; h < 7 * 24; h += 1) shapeSum += trafficShape(Date.UTC(2026, 0, 5) + h * HOUR_MS);
  const meanShape = shapeSum / (7 * 24);
  for (let hourStart = start; hourStart < now; hourStart += HOUR_MS) {
    const trend = 0.85 + 0.3 * ((hourStart - start) / (days * DAY_MS));
    const expected = (sessionsPerDay / 24) * (trafficShape(hourStart) / meanShape) * trend;
    const sessions = Math.floor(expected) + (random.next() < expected % 1 ? 1 : 0);
    for (let s = 0; s < sessions; s += 1) {
      sessionNumber += 1;
      const returning = visitors.length > 0 && random.next() < 0.33;
      const visitor = returning ? random.pick(visitors) : { id: `visitor-${seed}-${visitors.length + 1}`, client: weighted(random, CLIENTS), country: weighted(random, COUNTRIES).country };
      if (!returning) visitors.push(visitor);
      const { weight: _clientWeight, ...client } = visitor.client;
      visitEvents(random, {
        startMs: hourStart + Math.floor(random.next() * HOUR_MS),
        nowMs: now,
        sessionId: `demo-${seed}-${sessionNumber}`,
        visitorId: visitor.id,
        context: { country: visitor.country, ...client },
        source: weighted(random, SOURCES),
        push,
      });
    }
    // The backend's API traffic follows the site's rhythm; errors are 5xx, a few 4xx.
    const apiExpected = (apiRequestsPerDay / 24) * (trafficShape(hourStart) / meanShape) * trend;
    const requests = Math.floor(apiExpected) + (random.next() < apiExpected % 1 ? 1 : 0);
    for (let r = 0; r < requests; r += 1) {
      const route = weighted(random, API_ROUTES);
      const organization = weighted(random, ORGANIZATIONS).id;
      const failed = random.next() < route.errorRate;
      const clientError = !failed && random.next() < 0.03;
      push({
        event_id: random.uuid(),
        session_id: `api-${organization}-${Math.floor(hourStart / HOUR_MS)}`,
        type: "api_request",
        timestamp: new Date(hourStart + Math.floor(random.next() * HOUR_MS)).toISOString(),
        method: route.method,
        path: route.path,
        status_code: failed ? random.pick([500, 502, 503, 504]) : clientError ? random.pick([400, 401, 404, 429]) : route.method === "POST" ? 201 : 200,
        duration_ms: round(failed ? logNormal(random, route.ms * 4, 0.9) : logNormal(random, route.ms, 0.55), 1),
        organization_id: organization,
        channel: "server",
        platform: "workers",
        country: "US",
      });
    }
  }
  // Metered usage, reported by the backend once a day per organization and sku (and once more for
  // the day so far), for billing.
  for (let dayStart = Math.floor(start / DAY_MS) * DAY_MS; dayStart < now; dayStart += DAY_MS) {
    for (const organization of ORGANIZATIONS) {
      for (const { sku, unit, perDay } of SKUS) {
        const timestamp = Math.min(now, dayStart + 23 * HOUR_MS + random.int(0, 59) * MINUTE_MS);
        if (timestamp < start) continue;
        const size = organization.weight / 20;
        push({
          event_id: random.uuid(),
          session_id: `billing-${organization.id}`,
          type: "usage",
          timestamp: new Date(timestamp).toISOString(),
          organization_id: organization.id,
          sku,
          quantity: unit === "seats" ? Math.max(1, Math.round(perDay * size)) : round(perDay * size * (0.7 + random.next() * 0.6), 2),
          unit,
          channel: "server",
          platform: "workers",
        });
      }
    }
  }
  return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}

/**
 * Generates demo traffic (see {@link generateDemoTraffic}) and sends it through `POST /events`
 * in batches, reporting progress after each batch; then asks the sink to write the lake now
 * (`POST /admin/flush`) so the dashboard's lake questions see it at once. Resolves with what was sent.
 */
export async function loadDemoTraffic({
  origin,
  days = 30,
  sessionsPerDay = 300,
  apiRequestsPerDay = 400,
  seed = 20261205,
  now = Date.now(),
  apiKey = "local-dev-key",
  adminKey = "local-admin-key",
  flush = true,
  onProgress = () => {},
}) {
  const events = generateDemoTraffic({ days, sessionsPerDay, apiRequestsPerDay, seed, now });
  const byType = countByType(events);
  onProgress({ sent: 0, total: events.length });
  const total = await sendEvents(origin, events, {
    apiKey,
    onBatch: ({ offset, size }) => onProgress({ sent: offset + size, total: events.length }),
  });
  let lakeFiles = 0;
  if (flush) {
    const flushed = await fetch(`${origin}/admin/flush`, { method: "POST", headers: { "x-api-key": adminKey } });
    if (!flushed.ok) throw new Error(`POST ${origin}/admin/flush answered ${flushed.status}: ${(await flushed.text()).slice(0, 500)}`);
    lakeFiles = (await flushed.json()).files?.length ?? 0;
  }
  return {
    days,
    seed,
    events: events.length,
    by_type: byType,
    accepted: total.accepted,
    duplicates: total.duplicates,
    lake_files: lakeFiles,
    first_timestamp: events[0]?.timestamp,
    last_timestamp: events.at(-1)?.timestamp,
  };
}

/** Where a state folder records that it holds the demo traffic (deleting the folder resets both). */
export function demoTrafficMarkerPath(stateDir) {
  return join(stateDir, "demo-traffic-loaded.json");
}

/**
 * {@link loadDemoTraffic} unless the state folder's marker says it was loaded already; writes the
 * marker after a complete load. Resolves like demo-data.mjs's `loadDemoDataOnce`, so `npm start`
 * can log either the same way.
 */
export async function loadDemoTrafficOnce({ stateDir, log = () => {}, ...options }) {
  const marker = demoTrafficMarkerPath(stateDir);
  if (existsSync(marker)) return { skipped: true, marker, previous: JSON.parse(readFileSync(marker, "utf8")) };
  const days = options.days ?? 30;
  log(`loading ${days} days of demo traffic into ${options.origin}`);
  let lastShown = -1;
  const result = await loadDemoTraffic({
    ...options,
    days,
    onProgress: ({ sent, total }) => {
      const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
      if (percent >= lastShown + 10 || sent === total) {
        lastShown = percent;
        log(`  ${progressBar(sent, total)}`);
      }
      options.onProgress?.({ sent, total });
    },
  });
  const record = { loaded_at: new Date().toISOString(), ...result };
  writeFileSync(marker, `${JSON.stringify(record, null, 2)}\n`);
  return { skipped: false, marker, ...record };
}

/** `[#########-----------]  45% 12,000/26,000 events` */
export function progressBar(sent, total, width = 30) {
  const share = total === 0 ? 1 : sent / total;
  const filled = Math.round(share * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${sent.toLocaleString("en")}/${total.toLocaleString("en")} events`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      origin: { type: "string", default: "http://127.0.0.1:8787" },
      days: { type: "string", default: "30" },
      "sessions-per-day": { type: "string", default: "300" },
      "api-requests-per-day": { type: "string", default: "400" },
      seed: { type: "string", default: "20261205" },
      key: { type: "string", default: "local-dev-key" },
      "admin-key": { type: "string", default: "local-admin-key" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      "node scripts/demo-traffic.mjs [--origin URL] [--days N] [--sessions-per-day N] [--api-requests-per-day N] [--seed N] [--key K] [--admin-key K]\n" +
        "Sends N days of realistic demo traffic through POST /events, then flushes the lake. Re-running with the same seed and clock minute sends duplicates (counted once).\n",
    );
    return;
  }
  const tty = process.stdout.isTTY;
  const started = Date.now();
  let lastLine = -1;
  const result = await loadDemoTraffic({
    origin: values.origin,
    days: Number(values.days),
    sessionsPerDay: Number(values["sessions-per-day"]),
    apiRequestsPerDay: Number(values["api-requests-per-day"]),
    seed: Number(values.seed),
    apiKey: values.key,
    adminKey: values["admin-key"],
    onProgress: ({ sent, total }) => {
      if (tty) process.stdout.write(`\r${progressBar(sent, total)}`);
      else if (Math.floor((sent / Math.max(total, 1)) * 10) > lastLine) {
        lastLine = Math.floor((sent / Math.max(total, 1)) * 10);
        process.stdout.write(`${progressBar(sent, total)}\n`);
      }
    },
  });
  if (tty) process.stdout.write("\n");
  process.stdout.write(
    `sent ${result.events} events over ${result.days} days (${Object.entries(result.by_type).map(([type, n]) => `${n} ${type}`).join(", ")}): ` +
      `${result.accepted} accepted, ${result.duplicates} duplicates, ${result.lake_files} Parquet files written, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`demo-traffic: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
