import { eventInputSchema, eventRecordSchema, type ValidEvent } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { clientFactsFromUserAgent, countryFromCf, enrichEvent, type ClientFacts, type RequestContext } from "../src/enrich-event.ts";

/** Real User-Agent strings, as browsers and tools send them. */
const UA = {
  chromeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  safariIpad:
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  googlebotSmartphone:
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  curl: "curl/8.4.0",
} as const;

const RECEIVED_AT = new Date("2026-03-01T12:00:00.000Z");
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function valid(event: unknown): ValidEvent {
  return eventInputSchema.parse(event);
}

const PAGE_VIEW = valid({ type: "page_view", session_id: "s-1", page_url: "https://shop.example/" });
const HUMAN: ClientFacts = { is_bot: false };
const context = (overrides: Partial<RequestContext> = {}): RequestContext => ({ receivedAt: RECEIVED_AT, ...overrides });

/** The millisecond timestamp in a UUIDv7's first 48 bits. */
function uuidV7Millis(id: string): number {
  return Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
}

describe("clientFactsFromUserAgent", () => {
  it("Chrome on Windows is a desktop browser", () => {
    expect(clientFactsFromUserAgent(UA.chromeWindows)).toEqual({ is_bot: false, browser: "Chrome", os: "Windows", device_type: "desktop" });
  });

  it("Safari on iPhone is mobile", () => {
    expect(clientFactsFromUserAgent(UA.safariIphone)).toEqual({ is_bot: false, browser: "Mobile Safari", os: "iOS", device_type: "mobile" });
  });

  it("Safari on iPad is a tablet", () => {
    expect(clientFactsFromUserAgent(UA.safariIpad)).toMatchObject({ is_bot: false, os: "iOS", device_type: "tablet" });
  });

  it.each([
    ["Googlebot", UA.googlebot],
    ["Googlebot smartphone (a mobile Chrome UA plus the bot token)", UA.googlebotSmartphone],
    ["curl", UA.curl],
  ])("%s is a bot, whatever device it claims", (_name, userAgent) => {
    expect(clientFactsFromUserAgent(userAgent)).toMatchObject({ is_bot: true, device_type: "bot" });
  });

  it("knows nothing without a User-Agent, and does not call that a bot", () => {
    expect(clientFactsFromUserAgent(undefined)).toEqual({ is_bot: false });
    expect(clientFactsFromUserAgent("")).toEqual({ is_bot: false });
  });

  it("produces values the schema accepts (browser and os within 64 characters)", () => {
    for (const userAgent of Object.values(UA)) {
      const facts = clientFactsFromUserAgent(userAgent);
      const record = enrichEvent(PAGE_VIEW, "acme", context(), facts);
      expect(eventRecordSchema.safeParse(record).success, userAgent).toBe(true);
    }
  });
});

describe("countryFromCf", () => {
  it("keeps ISO 3166-1 alpha-2 codes", () => {
    expect(countryFromCf("US")).toBe("US");
    expect(countryFromCf("DE")).toBe("DE");
  });

  it.each([["XX"], ["T1"], ["us"], ["USA"], [""], [undefined], [null], [42]])("drops %j (placeholder or not a code)", (value) => {
    expect(countryFromCf(value)).toBeUndefined();
  });
});

describe("enrichEvent", () => {
  it("generates a UUIDv7 carrying received_at when the producer sent no event_id", () => {
    const record = enrichEvent(PAGE_VIEW, "acme", context(), HUMAN);
    expect(record.event_id).toMatch(UUID_V7);
    expect(uuidV7Millis(record.event_id)).toBe(RECEIVED_AT.getTime());
  });

  it("generated ids are unique, and ordered by receive time", () => {
    const ids = Array.from({ length: 50 }, (_, i) =>
      enrichEvent(PAGE_VIEW, "acme", context({ receivedAt: new Date(RECEIVED_AT.getTime() + i * 1000) }), HUMAN).event_id,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const sameMillisecond = Array.from({ length: 50 }, () => enrichEvent(PAGE_VIEW, "acme", context(), HUMAN).event_id);
    expect(new Set(sameMillisecond).size).toBe(sameMillisecond.length);
  });

  it("keeps a producer's event_id", () => {
    const id = "0190a0b1-0000-4000-8000-000000000001";
    expect(enrichEvent(valid({ ...PAGE_VIEW, event_id: id }), "acme", context(), HUMAN).event_id).toBe(id);
  });

  it("defaults timestamp to received_at, both ISO 8601 UTC", () => {
    const record = enrichEvent(PAGE_VIEW, "acme", context(), HUMAN);
    expect(record.received_at).toBe("2026-03-01T12:00:00.000Z");
    expect(record.timestamp).toBe(record.received_at);
  });

  it.each([
    ["2026-03-01T14:30:00+02:00", "2026-03-01T12:30:00.000Z"],
    ["2026-02-28T23:00:00-05:00", "2026-03-01T04:00:00.000Z"],
    ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00.000Z"],
    ["2026-03-01T12:00:00.5Z", "2026-03-01T12:00:00.500Z"],
  ])("normalises the producer's timestamp %s to UTC %s", (timestamp, expected) => {
    expect(enrichEvent(valid({ ...PAGE_VIEW, timestamp }), "acme", context(), HUMAN).timestamp).toBe(expected);
  });

  it("sets project_id, received_at and is_bot from the request", () => {
    const record = enrichEvent(PAGE_VIEW, "acme", context(), { is_bot: true, device_type: "bot" });
    expect(record).toMatchObject({ project_id: "acme", received_at: RECEIVED_AT.toISOString(), is_bot: true, device_type: "bot" });
  });

  it("fills context fields from the User-Agent and request.cf", () => {
    const record = enrichEvent(PAGE_VIEW, "acme", context({ country: "FR" }), clientFactsFromUserAgent(UA.safariIphone));
    expect(record).toMatchObject({ country: "FR", browser: "Mobile Safari", os: "iOS", device_type: "mobile", is_bot: false });
  });

  it("producer-supplied context fields win over the User-Agent and request.cf", () => {
    const event = valid({ ...PAGE_VIEW, country: "JP", browser: "MyApp", os: "tvOS", device_type: "tv" });
    const record = enrichEvent(event, "acme", context({ country: "FR" }), clientFactsFromUserAgent(UA.chromeWindows));
    expect(record).toMatchObject({ country: "JP", browser: "MyApp", os: "tvOS", device_type: "tv" });
  });

  it("leaves unknown context fields absent, not undefined, so records round-trip as JSON", () => {
    const record = enrichEvent(PAGE_VIEW, "acme", context(), HUMAN);
    for (const key of ["country", "browser", "os", "device_type"]) expect(Object.hasOwn(record, key), key).toBe(false);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it("produces a valid stored record and keeps the event's own fields", () => {
    const event = valid({ type: "usage", session_id: "s", organization_id: "org", sku: "cpu", quantity: 2, unit: "s", properties: { a: 1 } });
    const record = enrichEvent(event, "acme", context({ country: "US" }), clientFactsFromUserAgent(UA.curl));
    expect(eventRecordSchema.parse(record)).toEqual(record);
    expect(record).toMatchObject({ organization_id: "org", sku: "cpu", quantity: 2, unit: "s", properties: { a: 1 }, environment: "production" });
  });

  it("does not mutate the validated event", () => {
    const event = valid({ ...PAGE_VIEW });
    const before = structuredClone(event);
    enrichEvent(event, "acme", context({ country: "FR" }), clientFactsFromUserAgent(UA.chromeWindows));
    expect(event).toEqual(before);
  });
});
