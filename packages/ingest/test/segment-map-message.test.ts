import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../src/limits.ts";
import { eventIdForMessageId, mapSegmentMessage, SEGMENT_MAX_NESTING, type SegmentCall } from "../src/segment/map-message.ts";
import { validateEvent } from "../src/validate-event.ts";

const RECEIVED = new Date("2026-12-05T12:00:00.000Z");
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async function mapped(call: SegmentCall, message: Record<string, unknown>) {
  const result = await mapSegmentMessage(call, message, RECEIVED);
  if (!result.ok) throw new Error(`not mapped: ${JSON.stringify(result.errors)}`);
  // Every mapped event must pass our own validation as it is.
  const validation = validateEvent(result.event, DEFAULT_LIMITS);
  if (!validation.ok) throw new Error(`mapped event is invalid: ${JSON.stringify(validation.errors)}`);
  return result;
}

describe("mapSegmentMessage", () => {
  it("maps a browser page call (analytics.js shape) onto a page_view", async () => {
    const { event, device } = await mapped("page", {
      type: "page",
      messageId: "ajs-next-1733400000000-5a1c",
      anonymousId: "anon-1",
      name: "Pricing",
      properties: { url: "https://shop.example/pricing?utm_source=news", title: "Pricing — Shop", path: "/pricing", referrer: "https://google.com/", plan_shown: "pro" },
      context: {
        userAgent: BROWSER_UA,
        locale: "de-DE",
        ip: "203.0.113.9",
        library: { name: "analytics.js", version: "next-1.70.0" },
        campaign: { source: "news", medium: "email", name: "winter", term: "shoes" },
        page: { url: "https://shop.example/pricing?utm_source=news", title: "ignored when properties has one" },
      },
      integrations: { All: true },
      timestamp: "2026-12-05T11:59:58.000Z",
    });
    expect(event).toMatchObject({
      type: "page_view",
      page_url: "https://shop.example/pricing?utm_source=news",
      page_title: "Pricing — Shop",
      referrer: "https://google.com/",
      utm_source: "news",
      utm_medium: "email",
      utm_campaign: "winter",
      timestamp: "2026-12-05T11:59:58.000Z",
      session_id: "anon-1",
      channel: "web",
      platform: "web",
    });
    expect(event.event_id).toBe(await eventIdForMessageId("ajs-next-1733400000000-5a1c"));
    expect(event.properties).toEqual({
      name: "Pricing",
      plan_shown: "pro",
      anonymous_id: "anon-1",
      segment_message_id: "ajs-next-1733400000000-5a1c",
      "context.campaign.term": "shoes",
      "context.library.name": "analytics.js",
      "context.library.version": "next-1.70.0",
      "context.locale": "de-DE",
    });
    // The end user's device context travels beside the event; the IP is not kept anywhere.
    expect(device).toEqual({ userAgent: BROWSER_UA });
    expect(JSON.stringify(event)).not.toContain("203.0.113.9");
    expect(JSON.stringify(event)).not.toContain("integrations");
  });

  it("maps a server track of an unknown name onto a custom event, with userId and skew-corrected time", async () => {
    const { event, device } = await mapped("track", {
      type: "track",
      event: "Order Completed",
      userId: "user-42",
      messageId: "0b9cd0c4-7e0a-4d0e-9c1d-2f3a4b5c6d7e",
      properties: { revenue: 99.5, currency: "EUR", products: [{ sku: "a" }], shipping: { method: "dhl", days: 2 } },
      context: { library: { name: "@segment/analytics-node", version: "3.1.0" }, location: { country: "de", city: "Berlin" } },
      // The device clock is 10 s ahead of the server's: Segment's correction removes that.
      originalTimestamp: "2026-12-05T12:00:05.000Z",
      sentAt: "2026-12-05T12:00:10.000Z",
      _metadata: { nodeVersion: "22" },
    });
    expect(event).toMatchObject({
      type: "custom",
      name: "Order Completed",
      user_id: "user-42",
      session_id: "user-42",
      event_id: "0b9cd0c4-7e0a-4d0e-9c1d-2f3a4b5c6d7e",
      timestamp: "2026-12-05T11:59:55.000Z",
      channel: "server",
      platform: "@segment/analytics-node",
    });
    expect(event.properties).toEqual({
      revenue: 99.5,
      currency: "EUR",
      products: '[{"sku":"a"}]',
      "shipping.method": "dhl",
      "shipping.days": 2,
      "context.library.name": "@segment/analytics-node",
      "context.library.version": "3.1.0",
      "context.location.city": "Berlin",
    });
    // No userAgent in a server's message: the request's (the SDK's) must not describe the user.
    expect(device).toEqual({ country: "DE" });
  });

  it("maps a track named after one of our types onto that type, its fields from properties", async () => {
    const { event } = await mapped("track", {
      event: "usage",
      userId: "u",
      properties: { organization_id: "org_1", sku: "api_calls", quantity: 3, unit: "count", region: "eu" },
    });
    expect(event).toMatchObject({ type: "usage", organization_id: "org_1", sku: "api_calls", quantity: 3, unit: "count" });
    expect(event.properties).toEqual({ region: "eu" });
  });

  it("maps Segment's video spec events onto video_event", async () => {
    const { event } = await mapped("track", {
      event: "Video Playback Paused",
      anonymousId: "a",
      properties: { content_asset_id: "intro", position: 42, total_length: 300, quality: "hd720", video_player: "youtube" },
    });
    expect(event).toMatchObject({ type: "video_event", action: "pause", video_id: "intro", position: 42, duration: 300, quality: "hd720" });
    expect(event.properties).toMatchObject({ video_player: "youtube" });
  });

  it("maps screen onto a page_view on the mobile channel with a synthetic https URL", async () => {
    const { event } = await mapped("screen", {
      name: "Checkout Step 2",
      anonymousId: "a",
      context: { app: { namespace: "com.example.shop", version: "4.2" }, os: { name: "iOS", version: "18.1" }, device: { model: "iPhone16,1" } },
    });
    expect(event).toMatchObject({
      type: "page_view",
      page_url: "https://com.example.shop/Checkout%20Step%202",
      page_title: "Checkout Step 2",
      channel: "mobile",
      platform: "ios",
      os: "iOS",
    });
    expect(event.properties).toMatchObject({ "context.app.version": "4.2", "context.os.version": "18.1", "context.device.model": "iPhone16,1" });
  });

  it("maps identify, group and alias onto user_action with traits as properties", async () => {
    expect((await mapped("identify", { userId: "u1", traits: { plan: "team", email: "a@b.example" } })).event).toMatchObject({
      type: "user_action",
      action: "identify",
      target: "u1",
      properties: { plan: "team", email: "a@b.example" },
    });
    expect((await mapped("group", { userId: "u1", groupId: "org_9", traits: { seats: 5 } })).event).toMatchObject({ action: "group", target: "org_9", properties: { seats: 5 } });
    expect((await mapped("alias", { userId: "u1", previousId: "anon-7" })).event).toMatchObject({ action: "alias", target: "anon-7", user_id: "u1" });
  });

  it("takes a session id from context or properties when an SDK tracks sessions", async () => {
    expect((await mapped("track", { event: "x", anonymousId: "a", context: { sessionId: 1733400000 } })).event.session_id).toBe("1733400000");
    const fromProperties = (await mapped("track", { event: "x", anonymousId: "a", properties: { session_id: "s-9" } })).event;
    expect(fromProperties.session_id).toBe("s-9");
    expect(fromProperties.properties).not.toHaveProperty("session_id");
  });

  it.each([
    ["no user", "track", { event: "x" }, "userId"],
    ["a track without a name", "track", { userId: "u" }, "event"],
    ["a group without a groupId", "group", { userId: "u" }, "groupId"],
    ["an alias without a previousId", "alias", { userId: "u" }, "previousId"],
  ] as const)("rejects %s with the Segment path at fault", async (_case, call, message, path) => {
    const result = await mapSegmentMessage(call, message, RECEIVED);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe(path);
  });

  it("gives a retried message the same event_id, and different messages different ones", async () => {
    const a = await eventIdForMessageId("node-next-1733400000000-abc");
    expect(await eventIdForMessageId("node-next-1733400000000-abc")).toBe(a);
    expect(await eventIdForMessageId("node-next-1733400000000-abd")).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

// Found by tests/fuzz.test.ts: flattening recursed once per level, and a message nested a few
// thousand deep (within the 32 KB message limit) overflowed the stack: a 500 for the whole batch.
describe("mapSegmentMessage on deeply nested objects", () => {
  const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);

  // The path of the first object past the limit: `a` repeated, under the field's own prefix.
  const levels = (prefix: string, count: number) => [...(prefix ? [prefix] : []), ...Array<string>(count).fill("a")].join(".");
  it.each([
    ["track", "properties", levels("", SEGMENT_MAX_NESTING)],
    ["track", "context", levels("context", SEGMENT_MAX_NESTING + 1)],
    ["identify", "traits", levels("", SEGMENT_MAX_NESTING)],
    ["track", "extra", levels("extra", SEGMENT_MAX_NESTING)],
  ] as const)("%s with %s nested 5,000 deep: the message is rejected with its path, nothing thrown", async (call, field, path) => {
    const mapped = await mapSegmentMessage(call, { event: "Deep", userId: "u1", messageId: "m-deep", [field]: nested(5_000) }, new Date());
    expect(mapped).toEqual({ ok: false, errors: [{ path, message: `nested more than ${SEGMENT_MAX_NESTING} levels deep` }], messageId: "m-deep" });
  });

  it(`objects nested ${SEGMENT_MAX_NESTING} levels deep are still flattened`, async () => {
    const mapped = await mapSegmentMessage("track", { event: "Deep", userId: "u1", properties: nested(SEGMENT_MAX_NESTING) }, new Date());
    expect(mapped.ok).toBe(true);
    if (mapped.ok) expect(mapped.event.properties).toMatchObject({ [Array(SEGMENT_MAX_NESTING).fill("a").join(".")]: 1 });
  });
});
