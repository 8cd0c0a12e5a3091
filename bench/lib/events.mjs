// Request bodies for ingestion benchmarks: batches of valid events built with the tests' own
// `makeEvent` (packages/test-support; Node >= 22.18 strips its TypeScript types at import), made
// realistic in size (properties, campaign fields, varied ids and URLs).
//
// Bodies are generated from a fixed seed, so every target of a run gets the same bodies; only
// the event_ids are fresh per request (a repeated id is a duplicate, not an accepted event):
// random UUIDv4 by default (as makeEvent makes them), or time-ordered UUIDv7 (what ingestion
// assigns itself when a producer sends none) with `eventIds: "time-ordered"`.
// Each template is pre-serialised with placeholders where the ids go, so building a body costs
// 100 `randomUUID()` and a string join, not a JSON.stringify of 60 kB per request.
import { randomBytes, randomUUID } from "node:crypto";
import { DESKTOP_CHROME_UA, makeEvent } from "../../packages/test-support/src/index.ts";

/**
 * Headers every benchmark request carries, to every target: a browser's User-Agent, as the
 * tracker sends (ingestion parses it once per request for browser/os/device).
 */
export const REQUEST_HEADERS = Object.freeze({ "user-agent": DESKTOP_CHROME_UA });

/** Events per type in one mixed batch of 100: a web product's typical traffic shape. */
export const MIXED_BATCH = Object.freeze({ page_view: 35, user_action: 20, api_request: 20, video_event: 10, custom: 10, usage: 5 });

/** Every event type, in schema order. */
export const EVENT_TYPES = /** @type {const} */ (["page_view", "video_event", "user_action", "api_request", "usage", "custom"]);

const ID_PLACEHOLDER = "00000000-0000-4000-8000-00000000beef";

let v7Sequence = 0;
/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, a 12-bit counter (ids of the same
 * millisecond stay ordered), variant 10, 62 random bits. Time-ordered, as ingestion's own ids.
 */
export function uuidv7() {
  const hex = Date.now().toString(16).padStart(12, "0");
  v7Sequence = (v7Sequence + 1) & 0xfff;
  const random = randomBytes(8);
  random[0] = ((random[0] ?? 0) & 0x3f) | 0x80;
  const tail = random.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${v7Sequence.toString(16).padStart(3, "0")}-${tail.slice(0, 4)}-${tail.slice(4, 16)}`;
}

/** A small deterministic PRNG (mulberry32), so every run and target builds the same bodies. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {() => number} rand */
function realisticOverrides(type, rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
  const int = (max) => Math.floor(rand() * max);
  const common = {
    session_id: `sess_${hex(24)}`,
    user_id: rand() < 0.7 ? `user_${int(1_000_000)}` : undefined,
    timestamp: new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + int(3_600_000)).toISOString(),
    environment: "production",
    version: pick(["web@3.14.2", "web@3.15.0", "ios@2.8.1", "android@2.8.0"]),
  };
  const products = ["shoes", "jackets", "bags", "watches", "hats"];
  switch (type) {
    case "page_view": {
      const path = `/${pick(products)}/${int(5000)}-${pick(["classic", "pro", "lite", "sport"])}-${pick(["black", "white", "navy", "red"])}`;
      return {
        ...common,
        page_url: `https://shop.example.com${path}?ref=${pick(["home", "search", "email", "ad"])}&variant=${int(40)}`,
        page_title: `${path.split("/")[2]} | Example Shop — free shipping over $50`,
        referrer: pick(["https://www.google.com/", "https://www.bing.com/search?q=example+shop", "https://news.example.org/article/123", ""]),
        utm_source: pick(["newsletter", "google", "facebook", "partner_42"]),
        utm_medium: pick(["email", "cpc", "social", "referral"]),
        utm_campaign: pick(["black-friday-2026", "winter-sale", "retargeting-q4", "brand"]),
        time_on_page: Math.round(rand() * 300 * 10) / 10,
        properties: { viewport: pick(["1440x900", "390x844", "1920x1080", "768x1024"]), lang: pick(["en-US", "de-DE", "fr-FR"]), logged_in: rand() < 0.4, ab_bucket: pick(["a", "b"]), load_ms: int(3000) },
      };
    }
    case "video_event": {
      const duration = 60 + int(3600);
      return {
        ...common,
        video_id: `vid_${hex(12)}`,
        action: pick(["play", "pause", "seek", "complete"]),
        position: int(duration),
        duration,
        playback_rate: pick([1, 1, 1, 1.25, 1.5, 2]),
        quality: pick(["480p", "720p", "1080p", "4k"]),
        buffered: int(30),
        properties: { player: "html5", autoplay: rand() < 0.2, cdn: pick(["cf-1", "cf-2"]), muted: rand() < 0.1 },
      };
    }
    case "user_action":
      return {
        ...common,
        action: pick(["click", "submit", "add_to_cart", "scroll", "search"]),
        target: pick(["#buy-now", "form#checkout button[type=submit]", "nav .menu-item:nth-child(3)", "#search-input"]),
        value: pick(["42", "size=M", "summer dress", "qty=2"]),
        properties: { page: `/${pick(products)}`, section: pick(["hero", "grid", "footer", "header"]), position: int(24) },
      };
    case "api_request":
      return {
        ...common,
        method: pick(["GET", "GET", "GET", "POST", "PUT", "DELETE"]),
        path: `/v1/${pick(["orders", "carts", "products", "users"])}/${int(100_000)}${pick(["", "/items", "/status"])}`,
        status_code: pick([200, 200, 200, 201, 204, 304, 400, 404, 500]),
        duration_ms: Math.round(rand() * 800 * 100) / 100,
        organization_id: `org_${int(500)}`,
        properties: { region: pick(["weur", "enam", "apac"]), cache: pick(["HIT", "MISS", "DYNAMIC"]), response_bytes: int(200_000), client: pick(["web", "ios", "android", "sdk-go"]) },
      };
    case "usage":
      return {
        ...common,
        organization_id: `org_${int(500)}`,
        sku: pick(["events", "storage_gb", "api_calls", "seats"]),
        quantity: int(10_000),
        unit: pick(["count", "GB", "calls", "seats"]),
        properties: { plan: pick(["free", "pro", "enterprise"]), billing_period: "2026-11", metered: true },
      };
    case "custom":
      return {
        ...common,
        name: pick(["signup_completed", "trial_started", "invite_sent", "export_downloaded"]),
        properties: { plan: pick(["free", "pro", "enterprise"]), seats: 1 + int(50), trial: rand() < 0.5, source: pick(["landing", "pricing", "in-app"]), referral_code: `R${hex(6)}` },
      };
    default:
      throw new Error(`unknown event type ${type}`);
  }
}

/**
 * Builds a pool of batch templates and returns a function that makes a fresh body from the next
 * template (round robin), with a new event_id for every event.
 *
 * @param {{ composition?: Record<string, number>, templates?: number, seed?: number, eventIds?: "random" | "time-ordered" }} [options]
 *   `composition`: events per type in one batch (default {@link MIXED_BATCH}: 100 events, all six types);
 *   `eventIds`: random UUIDv4 (default) or time-ordered UUIDv7.
 * @returns {{ next: () => { text: string, items: number }, batchSize: number, averageEventBytes: number, bodyBytes: number }}
 */
export function batchBodies({ composition = MIXED_BATCH, templates = 32, seed = 20261125, eventIds = "random" } = {}) {
  const newId = eventIds === "time-ordered" ? () => uuidv7() : randomUUID;
  const rand = prng(seed);
  const batchSize = Object.values(composition).reduce((a, b) => a + b, 0);
  /** @type {string[][]} */
  const pool = [];
  let bytes = 0;
  for (let t = 0; t < templates; t++) {
    const events = [];
    for (const [type, count] of Object.entries(composition)) {
      for (let i = 0; i < count; i++) {
        // An override of `undefined` (e.g. an anonymous visitor's user_id) drops the field from the JSON.
        events.push(makeEvent(type, { ...realisticOverrides(type, rand), event_id: ID_PLACEHOLDER }));
      }
    }
    // Shuffle (Fisher-Yates) so types interleave as they would from real producers.
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    const text = JSON.stringify({ events });
    bytes += text.length;
    pool.push(text.split(`"${ID_PLACEHOLDER}"`));
  }
  let cursor = 0;
  const next = () => {
    const parts = /** @type {string[]} */ (pool[cursor++ % pool.length]);
    let text = parts[0] ?? "";
    for (let i = 1; i < parts.length; i++) text += `"${newId()}"${parts[i]}`;
    return { text, items: batchSize };
  };
  return { next, batchSize, bodyBytes: bytes / templates, averageEventBytes: bytes / templates / batchSize };
}
