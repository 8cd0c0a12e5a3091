import { ANALYTICS_ENGINE_LIMITS, ANALYTICS_ENGINE_MAP, analyticsEngineColumn } from "@edge-analytics/event-schema";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { ingest, recordedDataPoints } from "./helpers.ts";

const encoder = new TextEncoder();

async function pointsFor(eventIds: string[]): Promise<Record<string, string | number>[]> {
  const column = analyticsEngineColumn("page_view", "event_id"); // event_id's slot is shared by every type
  const wanted = new Set(eventIds);
  return (await recordedDataPoints()).filter((row) => wanted.has(String(row[column])));
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("every accepted event becomes one Analytics Engine data point", () => {
  it("writes the mapped blobs and doubles, with index1 = project", async () => {
    const event = makeEvent("api_request", { status_code: 503, duration_ms: 88.5 });
    await ingest(event, { key: "other-dev-key" });
    const [point] = await pointsFor([event.event_id as string]);
    expect(point?.index1).toBe("other");
    expect(point?.dataset).toBe("analytics_events");
    expect(point?._sample_interval).toBe(1);
    for (const field of ["type", "session_id", "method", "path", "organization_id"]) {
      expect(point?.[analyticsEngineColumn("api_request", field)]).toBe(event[field]);
    }
    expect(point?.[analyticsEngineColumn("api_request", "status_code")]).toBe(503);
    expect(point?.[analyticsEngineColumn("api_request", "duration_ms")]).toBe(88.5);
    expect(point?.[analyticsEngineColumn("api_request", "timestamp_ms")]).toBe(Date.parse(String(event.timestamp)));
  });

  it("stays within AE's limits for the largest events", async () => {
    const maxed = makeEvent("page_view", {
      page_url: `https://shop.example/${"é".repeat(1000)}`,
      page_title: "😀".repeat(512),
      referrer: `https://r.example/${"x".repeat(2000)}`,
      utm_source: "s".repeat(256),
      utm_medium: "m".repeat(256),
      utm_campaign: "c".repeat(256),
      session_id: "s".repeat(128),
      user_id: "u".repeat(128),
    });
    expect((await ingest(maxed)).accepted).toBe(1);
    const [point] = await pointsFor([maxed.event_id as string]);
    const blobs = ANALYTICS_ENGINE_MAP.page_view.blobs.map((_, i) => String(point?.[`blob${i + 1}`] ?? ""));
    const bytes = blobs.reduce((sum, blob) => sum + encoder.encode(blob).byteLength, 0);
    expect(bytes).toBeLessThanOrEqual(ANALYTICS_ENGINE_LIMITS.maxBlobBytes);
    expect(point?.[analyticsEngineColumn("page_view", "session_id")]).toBe(maxed.session_id);
  });

  it("defers points beyond 250 per invocation to the queue instead of dropping them", async () => {
    const events = Array.from({ length: 400 }, () => makeEvent("user_action", { action: "bulk" }));
    expect((await ingest({ events })).accepted).toBe(400);
    const ids = events.map((e) => e.event_id as string);
    const points = await waitFor(() => pointsFor(ids), (rows) => rows.length >= 400);
    expect(points).toHaveLength(400);
    expect(new Set(points.map((p) => p[analyticsEngineColumn("user_action", "event_id")])).size).toBe(400);
  });
});
