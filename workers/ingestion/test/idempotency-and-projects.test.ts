import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { bufferedById, ingest } from "./helpers.ts";

describe("duplicates are counted and written nowhere again", () => {
  it("counts an event_id seen before as a duplicate", async () => {
    const event = makeEvent("page_view");
    expect(await ingest(event)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await ingest(event)).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await ingest({ events: [event, makeEvent("page_view")] })).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await bufferedById("page_views", [event.event_id as string])).toHaveLength(1);
  });

  it("counts repeats inside one batch", async () => {
    const event = makeEvent("usage");
    expect(await ingest({ events: [event, event, event] })).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    expect(await bufferedById("usage_events", [event.event_id as string])).toHaveLength(1);
  });

  it("accepts an event sent by concurrent requests exactly once", async () => {
    const event = makeEvent("video_event");
    const others = Array.from({ length: 5 }, () => makeEvent("video_event"));
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => ingest(event)),
      ...others.map((other) => ingest({ events: [other, event] })),
    ]);
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(6);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(9);
    expect(await bufferedById("video_events", [event.event_id as string])).toHaveLength(1);
  });

  it("keeps projects apart: the same event_id in another project is not a duplicate", async () => {
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
