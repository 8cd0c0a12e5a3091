import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { bufferedById, ingest } from "./helpers.ts";

// Ingest is at least once: no state per event. A repeated event_id within one request is dropped
// at once; a resend in a later request is accepted again, and both copies reach the stream (the
// lake's readers count each event_id once: compaction, dbt staging, the API).
describe("duplicates", () => {
  it("accepts an event_id sent again by a later request: both copies reach the stream", async () => {
    const event = makeEvent("page_view");
    expect(await ingest(event)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await ingest(event)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await ingest({ events: [event, makeEvent("page_view")] })).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const copies = await bufferedById("page_views", [event.event_id as string]);
    expect(copies).toHaveLength(3);
    // Each copy carries the receive time of its own request.
    expect(new Set(copies.map((c) => c.event_id))).toEqual(new Set([event.event_id]));
  });

  it("drops repeats inside one batch at once and counts them", async () => {
    const event = makeEvent("usage");
    expect(await ingest({ events: [event, event, event] })).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    expect(await bufferedById("usage_events", [event.event_id as string])).toHaveLength(1);
  });

  it("concurrent requests with the same event are each accepted", async () => {
    const event = makeEvent("video_event");
    const others = Array.from({ length: 5 }, () => makeEvent("video_event"));
    const results = await Promise.all([...Array.from({ length: 5 }, () => ingest(event)), ...others.map((other) => ingest({ events: [other, event] }))]);
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(15);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(0);
    expect(await bufferedById("video_events", [event.event_id as string])).toHaveLength(10);
  });

  it("keeps projects apart: the same event_id in two projects is two events", async () => {
    const event = makeEvent("custom");
    expect((await ingest(event, { key: "local-dev-key" })).accepted).toBe(1);
    expect((await ingest(event, { key: "other-dev-key" })).accepted).toBe(1);
    const stored = await bufferedById("custom_events", [event.event_id as string]);
    expect(stored.map((r) => r.project_id).sort()).toEqual(["local", "other"]);
  });
});

describe("a key sends only for its own project", () => {
  it("rejects an event naming another project", async () => {
    const foreign = makeEvent("page_view", { project_id: "other" });
    const own = makeEvent("page_view", { project_id: "local" });
    const result = await ingest({ events: [foreign, own] }, { key: "local-dev-key" });
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      {
        index: 0,
        event_id: foreign.event_id,
        errors: [{ path: "project_id", message: 'this API key belongs to project "local", not "other"' }],
      },
    ]);
    expect(await bufferedById("page_views", [foreign.event_id as string])).toHaveLength(0);
  });
});
