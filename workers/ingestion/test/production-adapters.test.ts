import { type AnalyticsEngineDataPoint, type EventRecord, TABLE_BY_EVENT_TYPE, toAnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { AnalyticsEngineBindingWriter, PipelinesLakeSink } from "../src/adapters.ts";
import { recordingStreams } from "./recording-streams.ts";

// The production boundary, pinned: what the Worker hands to Cloudflare Pipelines and to the
// Analytics Engine binding (both are no-ops locally, so their calls are recorded here).

function record(type: Parameters<typeof makeEvent>[0], overrides: Record<string, unknown> = {}): EventRecord {
  return {
    ...makeEvent(type, overrides),
    project_id: "local",
    environment: "production",
    received_at: "2024-01-15T10:30:01.000Z",
    is_bot: false,
  } as unknown as EventRecord;
}

describe("PipelinesLakeSink", () => {
  it("sends each record, unchanged, to its table's stream", async () => {
    const bindings = recordingStreams();
    const records = [record("page_view"), record("usage"), record("page_view"), record("custom")];
    await new PipelinesLakeSink(bindings).send(records);
    for (const [table, stream] of Object.entries(bindings)) {
      const expected = records.filter((r) => TABLE_BY_EVENT_TYPE[r.type] === table);
      expect(stream.sends.flat(), table).toEqual(expected);
      expect(stream.sends.length).toBe(expected.length > 0 ? 1 : 0);
    }
  });

  it("splits a table's records into requests below Pipelines' 1 MB limit", async () => {
    const bindings = recordingStreams();
    const records = Array.from({ length: 1000 }, () => record("page_view", { page_title: "é".repeat(500) })) // ~1.6 MB;
    await new PipelinesLakeSink(bindings).send(records);
    const sends = bindings.page_views.sends;
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.flat()).toEqual(records);
    for (const batch of sends) expect(new TextEncoder().encode(JSON.stringify(batch)).byteLength).toBeLessThan(1024 * 1024);
  });
});

describe("AnalyticsEngineBindingWriter", () => {
  it("writes one data point per event through writeDataPoint", async () => {
    const written: AnalyticsEngineDataPoint[] = [];
    const dataset = { writeDataPoint: (point: AnalyticsEngineDataPoint) => void written.push(point) } as unknown as AnalyticsEngineDataset;
    const points = [record("api_request"), record("video_event")].map(toAnalyticsEngineDataPoint);
    await new AnalyticsEngineBindingWriter(dataset).write(points);
    expect(written).toEqual(points);
  });
});
