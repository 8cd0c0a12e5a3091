import { describe, expect, it } from "vitest";
import {
  EVENT_TYPES,
  type EventInput,
  eventInputSchema,
  eventInputSchemas,
  type EventType,
  eventRecordSchema,
  inputFieldNames,
  isEventType,
  MAX_PROPERTIES,
  MAX_PROPERTY_KEY_LENGTH,
  MAX_PROPERTY_VALUE_LENGTH,
  propertiesSchema,
} from "../src/events.ts";

const EVENT_ID = "01890f5e-3c4a-7b2d-9e8f-0123456789ab";

/** The least each event type needs. */
const MINIMAL: { [T in EventType]: Extract<EventInput, { type: T }> } = {
  page_view: { type: "page_view", session_id: "s-1", page_url: "https://shop.example/" },
  video_event: { type: "video_event", session_id: "s-1", video_id: "v-1", action: "play", position: 0 },
  user_action: { type: "user_action", session_id: "s-1", action: "click" },
  api_request: { type: "api_request", session_id: "s-1", method: "GET", path: "/v1/items", status_code: 200, duration_ms: 3.2 },
  usage: { type: "usage", session_id: "s-1", organization_id: "org-1", sku: "compute-seconds", quantity: 12.5, unit: "s" },
  custom: { type: "custom", session_id: "s-1", name: "signup" },
};

const FULL_BASE = {
  event_id: EVENT_ID,
  timestamp: "2026-03-01T12:00:00.123+01:00",
  session_id: "s-1",
  user_id: "u-1",
  project_id: "acme_prod-1",
  environment: "staging",
  version: "1.4.2",
  country: "DE",
  browser: "Firefox",
  os: "Linux",
  device_type: "desktop",
  properties: { plan: "pro", seats: 3, trial: false, coupon: null },
  channel: "web",
  platform: "web",
} as const;

/** Every field of each event type set. */
const FULL: { [T in EventType]: Extract<EventInput, { type: T }> } = {
  page_view: {
    ...FULL_BASE,
    type: "page_view",
    page_url: "https://shop.example/cart?item=1#top",
    page_title: "Cart – Shop",
    referrer: "https://search.example/?q=shop",
    utm_source: "newsletter",
    utm_medium: "email",
    utm_campaign: "spring",
    time_on_page: 42.5,
  },
  video_event: {
    ...FULL_BASE,
    type: "video_event",
    video_id: "v-1",
    action: "seek",
    position: 61.5,
    duration: 600,
    playback_rate: 1.5,
    quality: "1080p",
    buffered: 70,
  },
  user_action: { ...FULL_BASE, type: "user_action", action: "click", target: "#buy", value: "1" },
  api_request: {
    ...FULL_BASE,
    type: "api_request",
    method: "PATCH",
    path: "/v1/items/7",
    status_code: 204,
    duration_ms: 18,
    organization_id: "org-1",
  },
  usage: { ...FULL_BASE, type: "usage", organization_id: "org-1", sku: "egress-bytes", quantity: -5, unit: "B" },
  custom: { ...FULL_BASE, type: "custom", name: "signup" },
};

/** The dotted paths of the issues zod reports for `value`, or [] when it is valid. */
function issuePaths(type: EventType, value: unknown): string[] {
  const result = eventInputSchemas[type].safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.map(String).join("."));
}

function messagesAt(type: EventType, value: unknown, path: string): string[] {
  const result = eventInputSchemas[type].safeParse(value);
  if (result.success) return [];
  return result.error.issues.filter((issue) => issue.path.map(String).join(".") === path).map((issue) => issue.message);
}

describe("valid events", () => {
  it.each(EVENT_TYPES)("%s: a minimal event is accepted, environment defaults to production", (type) => {
    const result = eventInputSchemas[type].safeParse(MINIMAL[type]);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    expect(result.data).toEqual({ ...MINIMAL[type], environment: "production" });
  });

  it.each(EVENT_TYPES)("%s: an event with every field is accepted unchanged", (type) => {
    const result = eventInputSchemas[type].safeParse(FULL[type]);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    expect(result.data).toEqual(FULL[type]);
    expect(Object.keys(FULL[type]).sort()).toEqual(inputFieldNames(type).sort());
  });

  it.each(EVENT_TYPES)("%s: the discriminated union picks the right schema", (type) => {
    expect(eventInputSchema.parse(FULL[type])).toEqual(FULL[type]);
  });

  it.each(EVENT_TYPES)("%s: the input plus enrichment is a valid stored record", (type) => {
    const record = {
      ...FULL[type],
      project_id: "acme",
      received_at: "2026-03-01T12:00:01.000Z",
      is_bot: false,
    };
    expect(eventRecordSchema.safeParse(record).success).toBe(true);
    const { is_bot: _dropped, ...withoutEnrichment } = record;
    expect(eventRecordSchema.safeParse(withoutEnrichment).success).toBe(false);
  });

  it("accepts boundary values", () => {
    expect(issuePaths("api_request", { ...MINIMAL.api_request, status_code: 100 })).toEqual([]);
    expect(issuePaths("api_request", { ...MINIMAL.api_request, status_code: 599 })).toEqual([]);
    expect(issuePaths("page_view", { ...MINIMAL.page_view, page_url: "http://localhost:8080/a" })).toEqual([]);
    expect(issuePaths("page_view", { ...MINIMAL.page_view, time_on_page: 86_400 })).toEqual([]);
    const fifty = Object.fromEntries(Array.from({ length: MAX_PROPERTIES }, (_, i) => [`k${i}`, i]));
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: fifty })).toEqual([]);
    const longKey = "k".repeat(MAX_PROPERTY_KEY_LENGTH);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { [longKey]: "v".repeat(MAX_PROPERTY_VALUE_LENGTH) } })).toEqual([]);
  });

  it("isEventType only accepts the schemas' own type names", () => {
    for (const type of EVENT_TYPES) expect(isEventType(type)).toBe(true);
    for (const value of ["click", "", "toString", "__proto__", "constructor", 1, null, undefined]) {
      expect(isEventType(value), String(value)).toBe(false);
    }
  });
});

describe("rejected events report the path at fault", () => {
  it("wrong types", () => {
    expect(issuePaths("page_view", { ...MINIMAL.page_view, session_id: 42 })).toEqual(["session_id"]);
    expect(issuePaths("video_event", { ...MINIMAL.video_event, position: "10" })).toEqual(["position"]);
    expect(issuePaths("page_view", { ...MINIMAL.page_view, time_on_page: true })).toEqual(["time_on_page"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: ["a"] })).toEqual(["properties"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, user_id: null })).toEqual(["user_id"]);
  });

  it("missing required fields", () => {
    expect(issuePaths("page_view", { type: "page_view", session_id: "s" })).toEqual(["page_url"]);
    expect(issuePaths("usage", { type: "usage", session_id: "s" }).sort()).toEqual(["organization_id", "quantity", "sku", "unit"]);
    expect(issuePaths("custom", { type: "custom", name: "n" })).toEqual(["session_id"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, session_id: "" })).toEqual(["session_id"]);
  });

  it("a value outside an enum (video action, method, device type)", () => {
    expect(issuePaths("video_event", { ...MINIMAL.video_event, action: "rewind" })).toEqual(["action"]);
    expect(issuePaths("api_request", { ...MINIMAL.api_request, method: "get" })).toEqual(["method"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, device_type: "phone" })).toEqual(["device_type"]);
  });

  it("page_url must be an http(s) URL", () => {
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "ftp://files.example/a", "not a url", "/relative/path"]) {
      expect(issuePaths("page_view", { ...MINIMAL.page_view, page_url: url }), url).toEqual(["page_url"]);
    }
    expect(issuePaths("page_view", { ...MINIMAL.page_view, page_url: `https://a.example/${"x".repeat(2048)}` })).toEqual(["page_url"]);
  });

  it("status_code must be an integer HTTP status", () => {
    for (const status of [200.5, 99, 600, Number.NaN, "200"]) {
      expect(issuePaths("api_request", { ...MINIMAL.api_request, status_code: status }), String(status)).toEqual(["status_code"]);
    }
  });

  it("numbers must be finite and within range", () => {
    expect(issuePaths("usage", { ...MINIMAL.usage, quantity: Number.POSITIVE_INFINITY })).toEqual(["quantity"]);
    // Beyond what an exact DECIMAL(38, 9) sum in dbt holds for a day (a fuzzed 1.2e29 failed the marts).
    expect(issuePaths("usage", { ...MINIMAL.usage, quantity: 123456789012345678901234567890 })).toEqual(["quantity"]);
    expect(issuePaths("usage", { ...MINIMAL.usage, quantity: -1e16 })).toEqual(["quantity"]);
    expect(issuePaths("usage", { ...MINIMAL.usage, quantity: 1e15 })).toEqual([]);
    expect(issuePaths("video_event", { ...MINIMAL.video_event, position: -1 })).toEqual(["position"]);
    expect(issuePaths("video_event", { ...MINIMAL.video_event, playback_rate: 0 })).toEqual(["playback_rate"]);
    expect(issuePaths("page_view", { ...MINIMAL.page_view, time_on_page: 86_401 })).toEqual(["time_on_page"]);
  });

  it("timestamps must be ISO 8601 with an offset", () => {
    for (const timestamp of ["2026-03-01 12:00:00", "2026-03-01T12:00:00", "2026-02-30T00:00:00Z", "1772366400000"]) {
      expect(issuePaths("custom", { ...MINIMAL.custom, timestamp }), timestamp).toEqual(["timestamp"]);
    }
    expect(issuePaths("custom", { ...MINIMAL.custom, event_id: "not-a-uuid" })).toEqual(["event_id"]);
  });

  it("country must be two uppercase letters", () => {
    for (const country of ["us", "USA", "U", "U1", ""]) {
      expect(issuePaths("custom", { ...MINIMAL.custom, country }), country).toEqual(["country"]);
      expect(messagesAt("custom", { ...MINIMAL.custom, country }, "country")[0]).toMatch(/ISO 3166-1 alpha-2/);
    }
  });

  it("project_id must be a lowercase slug", () => {
    for (const projectId of ["Acme", "-acme", "a/b", "a".repeat(65), ""]) {
      expect(issuePaths("custom", { ...MINIMAL.custom, project_id: projectId }), projectId).toEqual(["project_id"]);
    }
  });

  it("unknown fields are rejected by the strict schema (ingestion folds them into properties first)", () => {
    const result = eventInputSchemas.custom.safeParse({ ...MINIMAL.custom, referrer_id: "x" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["referrer_id"] });
  });

  it("the union rejects an unknown type at `type`", () => {
    const result = eventInputSchema.safeParse({ ...MINIMAL.custom, type: "click" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["type"]);
  });
});

describe("properties", () => {
  it(`rejects more than ${MAX_PROPERTIES} keys at \`properties\``, () => {
    const many = Object.fromEntries(Array.from({ length: MAX_PROPERTIES + 1 }, (_, i) => [`k${i}`, i]));
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: many })).toEqual(["properties"]);
    expect(messagesAt("custom", { ...MINIMAL.custom, properties: many }, "properties")).toEqual([`at most ${MAX_PROPERTIES} properties`]);
  });

  it("rejects nested values at the key's path", () => {
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { ok: 1, cart: { items: 2 } } })).toEqual(["properties.cart"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { tags: ["a", "b"] } })).toEqual(["properties.tags"]);
  });

  it("rejects over-long keys and values, and non-finite numbers", () => {
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { ["k".repeat(65)]: 1 } })).toEqual([`properties.${"k".repeat(65)}`]);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { k: "v".repeat(1025) } })).toEqual(["properties.k"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { k: Number.NaN } })).toEqual(["properties.k"]);
    expect(issuePaths("custom", { ...MINIMAL.custom, properties: { "": 1 } })).toEqual(["properties."]);
  });

  it.each(["constructor", "prototype"])("rejects the reserved key %s at its path, saying why", (key) => {
    const properties: unknown = JSON.parse(`{"${key}": "x", "plan": "pro"}`);
    const result = eventInputSchemas.custom.safeParse({ ...MINIMAL.custom, properties });
    expect(result.error?.issues).toHaveLength(1);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(["properties", key]);
    if (issue?.code !== "invalid_key") throw new Error(`expected an invalid_key issue, got ${issue?.code}`);
    expect(issue.issues.map((inner) => inner.message)).toEqual(["reserved property key"]);
  });

  it("never lets a __proto__ key reach the parsed map or Object.prototype", () => {
    // zod 4 skips `__proto__` record keys before the key schema runs, so the schema cannot report
    // it; ingestion's validateEvent rejects it at `properties.__proto__` (validate-event.test.ts).
    const properties: unknown = JSON.parse('{"__proto__": {"polluted": true}, "plan": "pro"}');
    const result = propertiesSchema.safeParse(properties);
    const parsed: unknown = result.data;
    expect(parsed).toEqual({ plan: "pro" });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  });
});
