import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type IngestLimits } from "../src/limits.ts";
import { type EventValidation, validateEvent } from "../src/validate-event.ts";

const limits: IngestLimits = DEFAULT_LIMITS;
const PAGE_VIEW = { type: "page_view", session_id: "s-1", page_url: "https://shop.example/" } as const;
const EVENT_ID = "01890f5e-3c4a-7b2d-9e8f-0123456789ab";

function accepted(result: EventValidation) {
  if (!result.ok) throw new Error(`expected the event to be accepted: ${JSON.stringify(result.errors)}`);
  return result.event;
}

function rejected(result: EventValidation) {
  if (result.ok) throw new Error(`expected the event to be rejected: ${JSON.stringify(result.event)}`);
  return result;
}

const paths = (result: EventValidation): string[] => rejected(result).errors.map((e) => e.path);

afterEach(() => {
  // A prototype-pollution bug in one test must not leak into the others unnoticed.
  expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe("validateEvent: valid events", () => {
  it("accepts a minimal event and applies defaults", () => {
    expect(accepted(validateEvent(PAGE_VIEW, limits))).toEqual({ ...PAGE_VIEW, environment: "production" });
  });

  it("never mutates the raw event", () => {
    const raw = { ...PAGE_VIEW, plan: "pro", properties: { seats: 3 } };
    const before = structuredClone(raw);
    validateEvent(raw, limits);
    expect(raw).toEqual(before);
  });
});

describe("validateEvent: unknown top-level fields", () => {
  it("folds unknown scalar fields (string, number, boolean, null) into properties", () => {
    const event = accepted(validateEvent({ ...PAGE_VIEW, plan: "pro", seats: 3, trial: true, coupon: null }, limits));
    expect(event.properties).toEqual({ plan: "pro", seats: 3, trial: true, coupon: null });
    expect(Object.hasOwn(event, "plan")).toBe(false);
  });

  it("merges folded fields with declared properties", () => {
    const event = accepted(validateEvent({ ...PAGE_VIEW, plan: "pro", properties: { seats: 3 } }, limits));
    expect(event.properties).toEqual({ seats: 3, plan: "pro" });
  });

  it("folded fields obey the properties rules (count)", () => {
    const extra = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`extra_${i}`, i]));
    expect(paths(validateEvent({ ...PAGE_VIEW, ...extra }, limits))).toEqual(["properties"]);
  });

  it("reports unknown non-scalar fields with their path", () => {
    const result = rejected(validateEvent({ ...PAGE_VIEW, cart: { items: 2 }, tags: ["a"], plan: "pro" }, limits));
    expect(result.errors.map((e) => e.path).sort()).toEqual(["cart", "tags"]);
    expect(result.errors[0]?.message).toMatch(/non-scalar/);
  });

  it("reports a field sent both at top level and in properties", () => {
    const result = rejected(validateEvent({ ...PAGE_VIEW, plan: "pro", properties: { plan: "free" } }, limits));
    expect(result.errors).toEqual([{ path: "plan", message: expect.stringMatching(/properties\.plan/) }]);
  });

  it("reports a non-object properties once, even with unknown scalars to fold", () => {
    expect(paths(validateEvent({ ...PAGE_VIEW, plan: "pro", properties: "x" }, limits))).toEqual(["properties"]);
  });

  it("keeps a known field of another event type out of properties only for its own type", () => {
    // `page_url` is not a custom-event field, so it is folded like any unknown scalar.
    const event = accepted(validateEvent({ type: "custom", session_id: "s", name: "n", page_url: "https://a.example/" }, limits));
    expect(event.properties).toEqual({ page_url: "https://a.example/" });
  });
});

describe("validateEvent: hostile input", () => {
  it.each(["__proto__", "constructor", "prototype"])("rejects the top-level key %s without touching any prototype", (key) => {
    // JSON.parse creates `__proto__` as an own property, as a request body would.
    const raw: unknown = JSON.parse(`{"type":"page_view","session_id":"s","page_url":"https://a.example/","${key}":{"polluted":true}}`);
    const result = rejected(validateEvent(raw, limits));
    expect(result.errors).toEqual([{ path: key, message: "reserved field name" }]);
  });

  it("rejects a scalar __proto__ too (it is never folded into properties)", () => {
    const raw: unknown = JSON.parse('{"type":"custom","session_id":"s","name":"n","__proto__":"x"}');
    expect(paths(validateEvent(raw, limits))).toEqual(["__proto__"]);
  });

  it("rejects __proto__ inside properties at its path instead of silently dropping it", () => {
    const raw: unknown = JSON.parse('{"type":"custom","session_id":"s","name":"n","properties":{"__proto__":{"polluted":true},"plan":"pro"}}');
    const result = rejected(validateEvent(raw, limits));
    expect(result.errors).toEqual([{ path: "properties.__proto__", message: "reserved property key" }]);
  });

  it.each(["constructor", "prototype"])("rejects the property key %s at its path", (key) => {
    const raw: unknown = JSON.parse(`{"type":"custom","session_id":"s","name":"n","properties":{"${key}":"x","plan":"pro"}}`);
    const result = rejected(validateEvent(raw, limits));
    // One error, at the key's path (zod reports these keys itself; only __proto__ needs our check).
    expect(result.errors.map((e) => e.path)).toEqual([`properties.${key}`]);
  });

  it.each([
    ["arrays", (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`],
    ["objects", (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`],
  ])("rejects 100000 levels of nested %s without throwing", (_kind, nested) => {
    const raw: unknown = JSON.parse(`{"type":"custom","session_id":"s","name":"n","event_id":"${EVENT_ID}","deep":${nested(100_000)}}`);
    let result: EventValidation | undefined;
    expect(() => {
      result = validateEvent(raw, limits);
    }).not.toThrow();
    if (!result) throw new Error("no result");
    expect(rejected(result)).toEqual({ ok: false, eventId: EVENT_ID, errors: [{ path: "", message: "event is nested too deeply" }] });
  });

  it("rejects moderately deep nesting inside properties at the key's path", () => {
    const raw: unknown = JSON.parse(`{"type":"custom","session_id":"s","name":"n","properties":{"p":${"[".repeat(500)}${"]".repeat(500)}}}`);
    expect(paths(validateEvent(raw, limits))).toEqual(["properties.p"]);
  });

  it("rejects an event over maxEventBytes before schema validation, counting UTF-8 bytes", () => {
    const huge = rejected(validateEvent({ ...PAGE_VIEW, page_title: "x".repeat(40_000) }, limits));
    expect(huge.errors).toEqual([{ path: "", message: expect.stringMatching(/bytes; the limit is 32768/) }]);
    // 11000 characters (under any character limit) but 33000 bytes of UTF-8.
    const multiByte = rejected(validateEvent({ ...PAGE_VIEW, plan: "€".repeat(11_000) }, limits));
    expect(multiByte.errors[0]?.message).toMatch(/limit is 32768/);
    expect(accepted(validateEvent({ ...PAGE_VIEW, page_title: "x".repeat(512) }, limits))).toMatchObject({ page_title: "x".repeat(512) });
  });

  it("honours a configured maxEventBytes", () => {
    const small: IngestLimits = { ...limits, maxEventBytes: 100 };
    expect(paths(validateEvent({ ...PAGE_VIEW, page_title: "x".repeat(100) }, small))).toEqual([""]);
  });

  it("counts the exact bytes of an event near the limit", () => {
    const minimal = { type: "custom", session_id: "s", name: "n" };
    const bytes = new TextEncoder().encode(JSON.stringify(minimal)).byteLength;
    // Under the limit by bytes, though three bytes per character could exceed it: accepted.
    expect(accepted(validateEvent(minimal, { ...limits, maxEventBytes: bytes }))).toMatchObject({ name: "n" });
    expect(rejected(validateEvent(minimal, { ...limits, maxEventBytes: bytes - 1 })).errors).toEqual([
      { path: "", message: `event is ${bytes} bytes; the limit is ${bytes - 1}` },
    ]);
  });
});

describe("validateEvent: shape of the event", () => {
  it.each([null, 42, "page_view", true, [], [PAGE_VIEW], undefined])("rejects a non-object event (%j)", (raw) => {
    expect(rejected(validateEvent(raw, limits))).toEqual({ ok: false, errors: [{ path: "", message: "each event must be a JSON object" }] });
  });

  it.each([
    ["missing", {}],
    ["unknown", { type: "click" }],
    ["a prototype name", { type: "toString" }],
    ["not a string", { type: 1 }],
  ])("rejects a %s type at `type`, listing the valid types", (_case, extra) => {
    const raw: Record<string, unknown> = { session_id: "s", ...extra };
    const result = rejected(validateEvent(raw, limits));
    expect(result.errors).toEqual([{ path: "type", message: expect.stringMatching(/page_view, video_event.*custom/) }]);
  });

  it("reports every schema error with a dotted path", () => {
    const result = rejected(
      validateEvent({ type: "video_event", session_id: "s", video_id: "v", action: "rewind", position: -1, properties: { a: { b: 1 } } }, limits),
    );
    expect(result.errors.map((e) => e.path).sort()).toEqual(["action", "position", "properties.a"]);
    for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
  });

  it("reports fold errors and schema errors together", () => {
    expect(paths(validateEvent({ type: "page_view", session_id: "s", page_url: "javascript:alert(1)", cart: [1] }, limits))).toEqual([
      "cart",
      "page_url",
    ]);
  });
});

describe("validateEvent: event_id echo", () => {
  it("echoes the raw event_id of a rejected event so the producer can match it", () => {
    expect(rejected(validateEvent({ type: "click", event_id: EVENT_ID }, limits)).eventId).toBe(EVENT_ID);
    expect(rejected(validateEvent({ ...PAGE_VIEW, event_id: EVENT_ID, page_url: "nope" }, limits)).eventId).toBe(EVENT_ID);
    // Even an invalid (non-UUID) id is echoed, since it is what the producer sent.
    expect(rejected(validateEvent({ ...PAGE_VIEW, event_id: "order-7" }, limits))).toMatchObject({
      eventId: "order-7",
      errors: [{ path: "event_id" }],
    });
  });

  it("does not echo ids that are absent, not strings, or too long to be one", () => {
    expect(Object.hasOwn(rejected(validateEvent({ type: "click" }, limits)), "eventId")).toBe(false);
    expect(rejected(validateEvent({ type: "click", event_id: 7 }, limits)).eventId).toBeUndefined();
    expect(rejected(validateEvent({ type: "click", event_id: "x".repeat(65) }, limits)).eventId).toBeUndefined();
  });
});

describe("validateEvent: the design's event_type", () => {
  const limits = DEFAULT_LIMITS;
  it("takes event_type as the type, and stores it as type only", () => {
    const result = validateEvent({ event_type: "page_view", session_id: "s", page_url: "https://a.example/" }, limits);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.event.type).toBe("page_view");
      expect(result.event).not.toHaveProperty("event_type");
      expect(result.event.properties).toBeUndefined();
    }
  });

  it("accepts both when they agree, and names event_type when they do not", () => {
    expect(validateEvent({ type: "custom", event_type: "custom", session_id: "s", name: "x" }, limits).ok).toBe(true);
    const result = validateEvent({ type: "custom", event_type: "page_view", session_id: "s", name: "x" }, limits);
    expect(result).toEqual({ ok: false, errors: [{ path: "event_type", message: '"page_view" disagrees with type "custom"; send one of them' }] });
  });

  it("an unknown event_type is reported like an unknown type", () => {
    const result = validateEvent({ event_type: "pageview", session_id: "s" }, limits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe("type");
  });
});
