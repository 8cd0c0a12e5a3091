import type { EventInput, EventType } from "@edge-analytics/event-schema";

/** A RFC 4122 v4 UUID (tests need unique event ids without importing a library). */
export function randomEventId(): string {
  return crypto.randomUUID();
}

/** Minimal valid fields of each event type, for tests, benchmarks and demo data. */
const TYPE_FIELDS: { [T in EventType]: Omit<Extract<EventInput, { type: T }>, "type" | "session_id"> } = {
  page_view: {
    page_url: "https://shop.example/products/42?ref=home",
    page_title: "Product 42",
    referrer: "https://www.google.com/",
    utm_source: "newsletter",
    utm_medium: "email",
    utm_campaign: "spring",
    time_on_page: 31.5,
  },
  video_event: { video_id: "intro-video", action: "play", position: 0, duration: 120, playback_rate: 1, quality: "1080p", buffered: 4 },
  user_action: { action: "click", target: "#buy", value: "42" },
  api_request: { method: "GET", path: "/v1/orders", status_code: 200, duration_ms: 12.5, organization_id: "org_1" },
  usage: { organization_id: "org_1", sku: "events", quantity: 100, unit: "count" },
  custom: { name: "signup_completed", properties: { plan: "pro", seats: 3, trial: false } },
};

/** An event as tests build it: a valid event of one type, possibly with hostile overrides. */
export type TestEvent<T extends EventType> = Extract<EventInput, { type: T }> & Record<string, unknown>;

/**
 * A valid event of `type` with a fresh event_id, overridable field by field. Overrides are
 * deliberately untyped so tests can also build invalid events.
 * @example makeEvent("page_view", { page_url: "https://a.example/" })
 */
export function makeEvent<T extends EventType>(type: T, overrides: Record<string, unknown> = {}): TestEvent<T> {
  return {
    type,
    event_id: randomEventId(),
    timestamp: "2024-01-15T10:30:00.000Z",
    session_id: "session-1",
    user_id: "user-1",
    ...TYPE_FIELDS[type],
    ...overrides,
  } as unknown as TestEvent<T>;
}

/** A Chrome-on-Windows User-Agent. */
export const DESKTOP_CHROME_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/** An iPhone Safari User-Agent. */
export const IPHONE_SAFARI_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
/** Googlebot's User-Agent. */
export const GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
