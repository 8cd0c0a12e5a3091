import { validate as isUuid, version as uuidVersion } from "uuid";
import { describe, expect, it } from "vitest";
import { createClient } from "../src/index.ts";
import { quiet, RecordingTransport } from "./fakes.ts";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");

describe("typed helpers", () => {
  it("fill the type, a UUIDv7 event_id, the timestamp and the client's defaults", async () => {
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s-1", projectId: "local", platform: "node", environment: "staging", now: () => NOW });

    client.track("signup", { plan: "pro" }, { user_id: "u-1" });
    client.page({ page_url: "https://shop.example/pricing" });
    client.video({ video_id: "intro", action: "play", position: 0 });
    client.action({ action: "click", target: "buy" });
    client.apiRequest({ method: "GET", path: "/items/:id", status_code: 200, duration_ms: 3 });
    client.usage({ organization_id: "org_1", sku: "api_calls", quantity: 2, unit: "count" });
    client.send({ type: "custom", name: "via-send", session_id: "s-2" });
    await client.flush();

    const events = transport.events;
    expect(events.map((e) => e.type)).toEqual(["custom", "page_view", "video_event", "user_action", "api_request", "usage", "custom"]);
    for (const event of events) {
      expect(isUuid(event.event_id) && uuidVersion(event.event_id)).toBe(7);
      expect(event).toMatchObject({ timestamp: "2026-03-01T12:00:00.000Z", project_id: "local", channel: "server", platform: "node", environment: "staging" });
    }
    expect(events[0]).toMatchObject({ name: "signup", properties: { plan: "pro" }, user_id: "u-1", session_id: "s-1" });
    expect(events[6]).toMatchObject({ name: "via-send", session_id: "s-2" });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });

  it("let the event's own values win over defaults, and undefined erase none", async () => {
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s-1", channel: "agent", userId: "u-default" });
    const event = client.track("x", undefined, { channel: "voice", user_id: undefined, event_id: "0190f5a8-0000-7000-8000-000000000001", timestamp: "2026-01-01T00:00:00Z" });
    await client.flush();
    expect(event).toMatchObject({ channel: "voice", user_id: "u-default", event_id: "0190f5a8-0000-7000-8000-000000000001", timestamp: "2026-01-01T00:00:00Z" });
    expect(transport.events).toEqual([event]);
  });

  it("default channel to server and platform to the runtime", () => {
    const client = createClient({ ...quiet, transport: new RecordingTransport(), sessionId: "s" });
    expect(client.track("x")).toMatchObject({ channel: "server", platform: "node" });
  });

  it("throw a TypeError when no session_id can be found", () => {
    const client = createClient({ ...quiet, transport: new RecordingTransport() });
    expect(() => client.track("x")).toThrow(TypeError);
    expect(client.track("x", undefined, { session_id: "s" }).session_id).toBe("s");
  });
});

describe("child()", () => {
  it("adds defaults and shares the parent's queue", async () => {
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, projectId: "local", sessionId: "parent" });
    const child = client.child({ sessionId: "request-1", userId: "u-9" });
    client.track("a");
    child.track("b");
    await client.flush();
    expect(transport.batches).toHaveLength(1);
    expect(transport.events.map((e) => [e.session_id, e.user_id, e.project_id])).toEqual([
      ["parent", undefined, "local"],
      ["request-1", "u-9", "local"],
    ]);
  });
});

describe("options", () => {
  it("refuse batch limits beyond the server's", () => {
    const transport = new RecordingTransport();
    expect(() => createClient({ transport, maxBatchEvents: 501 })).toThrow(RangeError);
    expect(() => createClient({ transport, maxBatchBytes: 1024 * 1024 + 1 })).toThrow(RangeError);
    expect(() => createClient({ transport, maxBatchEvents: 0 })).toThrow(RangeError);
    expect(() => createClient({ transport, maxBatchEvents: 500, maxBatchBytes: 1024 * 1024 })).not.toThrow();
  });
});
