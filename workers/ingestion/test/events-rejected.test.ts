import { EVENT_TYPES, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { makeEvent } from "@edge-analytics/test-support";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bufferedById, ingest, ORIGIN } from "./helpers.ts";

/** One invalid variant per event type, with the field path the error must name. */
const INVALID: { [T in (typeof EVENT_TYPES)[number]]: { event: Record<string, unknown>; path: string } } = {
  page_view: { event: makeEvent("page_view", { page_url: "javascript:alert(1)" }), path: "page_url" },
  video_event: { event: makeEvent("video_event", { action: "rewind" }), path: "action" },
  user_action: { event: makeEvent("user_action", { action: "" }), path: "action" },
  api_request: { event: makeEvent("api_request", { status_code: 200.5 }), path: "status_code" },
  usage: { event: makeEvent("usage", { quantity: "ten" }), path: "quantity" },
  custom: { event: makeEvent("custom", { properties: { nested: { deep: true } } }), path: "properties.nested" },
};

describe("invalid events are rejected with field paths and kept as dead letters", () => {
  for (const type of EVENT_TYPES) {
    it(`rejects an invalid ${type} at "${INVALID[type].path}"`, async () => {
      const { event, path } = INVALID[type];
      const result = await ingest(event);
      expect(result.accepted).toBe(0);
      expect(result.rejected).toHaveLength(1);
      expect(result.rejected[0]).toMatchObject({ index: 0, event_id: event.event_id });
      expect(result.rejected[0]?.errors.map((e) => e.path)).toContain(path);
      expect(await bufferedById(TABLE_BY_EVENT_TYPE[type], [event.event_id as string])).toHaveLength(0);
    });
  }

  it("rejects a missing required field and an unknown type", async () => {
    const { session_id: _s, ...noSession } = makeEvent("page_view");
    const result = await ingest({ events: [noSession, { ...makeEvent("page_view"), type: "pageview" }] });
    expect(result.rejected.map((r) => r.errors[0]?.path)).toEqual(["session_id", "type"]);
    expect(result.rejected[1]?.errors[0]?.message).toContain("page_view");
  });

  it("accepts the valid events of a partially invalid batch", async () => {
    const good1 = makeEvent("page_view");
    const good2 = makeEvent("usage");
    const bad = makeEvent("api_request", { method: "BREW" });
    const result = await ingest({ events: [good1, bad, good2, "not an object"] });
    expect(result.accepted).toBe(2);
    expect(result.duplicates).toBe(0);
    expect(result.rejected).toEqual([
      { index: 1, event_id: bad.event_id, errors: [expect.objectContaining({ path: "method" })] },
      { index: 3, errors: [{ path: "", message: "each event must be a JSON object" }] },
    ]);
    expect(await bufferedById("page_views", [good1.event_id as string])).toHaveLength(1);
    expect(await bufferedById("usage_events", [good2.event_id as string])).toHaveLength(1);
  });

  it("lets an operator read rejected events at /admin/dead-letters", async () => {
    const bad = makeEvent("video_event", { position: -5 });
    await ingest(bad);
    const response = await SELF.fetch(`${ORIGIN}/admin/dead-letters?project=local&limit=50`, {
      headers: { "x-api-key": "local-admin-key" },
    });
    expect(response.status).toBe(200);
    const { dead_letters } = (await response.json()) as {
      dead_letters: { eventId?: string; projectId: string; errors: { path: string }[]; raw: string }[];
    };
    const letter = dead_letters.find((l) => l.eventId === bad.event_id);
    expect(letter).toMatchObject({ projectId: "local", errors: [expect.objectContaining({ path: "position" })] });
    expect(JSON.parse(letter?.raw ?? "{}")).toMatchObject({ position: -5 });
  });

  it("keeps dead letters from project keys away from project keys", async () => {
    const response = await SELF.fetch(`${ORIGIN}/admin/dead-letters`, { headers: { "x-api-key": "local-dev-key" } });
    expect(response.status).toBe(403);
  });
});
