import { type AnalyticsEngineDataPoint, type EventRecord, TABLE_BY_EVENT_TYPE, TABLE_NAMES, type TableName, toAnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import type { PipelineStreamBinding } from "../src/bindings.ts";
import { AnalyticsEngineBindingWriter, AnalyticsEngineStandInWriter } from "../src/hot-writers.ts";
import { PipelinesLakeSink } from "../src/pipelines-lake-sink.ts";

// The production boundary, pinned: what ingestion hands to each Pipelines stream and to the
// Analytics Engine binding (the stand-ins implement the same shapes locally).

class RecordingStream implements PipelineStreamBinding {
  readonly sends: Record<string, unknown>[][] = [];
  async send(records: Record<string, unknown>[]): Promise<void> {
    this.sends.push(records);
  }
}

function recordingStreams(): Record<TableName, RecordingStream> {
  return Object.fromEntries(TABLE_NAMES.map((table) => [table, new RecordingStream()])) as Record<TableName, RecordingStream>;
}

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
  it("sends each record, unchanged, to its table's stream, one request per table", async () => {
    const streams = recordingStreams();
    const records = [record("page_view"), record("usage"), record("page_view"), record("custom")];
    await new PipelinesLakeSink(streams).send(records);
    for (const [table, stream] of Object.entries(streams)) {
      const expected = records.filter((r) => TABLE_BY_EVENT_TYPE[r.type] === table);
      expect(stream.sends.flat(), table).toEqual(expected);
      expect(stream.sends.length).toBe(expected.length > 0 ? 1 : 0);
    }
  });

  it("splits a table's records into requests below Pipelines' 1 MB limit", async () => {
    const streams = recordingStreams();
    const records = Array.from({ length: 1000 }, () => record("page_view", { page_title: "é".repeat(500) })); // ~1.6 MB
    await new PipelinesLakeSink(streams).send(records);
    const sends = streams.page_views.sends;
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.flat()).toEqual(records);
    for (const batch of sends) expect(new TextEncoder().encode(JSON.stringify(batch)).byteLength).toBeLessThan(1024 * 1024);
  });

  it("fails when any stream fails", async () => {
    const streams = recordingStreams();
    streams.usage_events.send = async () => {
      throw new Error("stream unavailable");
    };
    await expect(new PipelinesLakeSink(streams).send([record("page_view"), record("usage")])).rejects.toThrow("stream unavailable");
  });
});

describe("hot writers", () => {
  const events = [record("api_request"), record("video_event")];
  const points = () => events.map(toAnalyticsEngineDataPoint);

  it("AnalyticsEngineBindingWriter: one writeDataPoint per event on Cloudflare's binding", async () => {
    const written: AnalyticsEngineDataPoint[] = [];
    await new AnalyticsEngineBindingWriter({ writeDataPoint: (point) => void written.push(point) }).write(points());
    expect(written).toEqual(points());
  });

  it("AnalyticsEngineStandInWriter: the invocation's points in one call, none for no points", async () => {
    const calls: AnalyticsEngineDataPoint[][] = [];
    const standIn = { writeDataPoint: async () => {}, writeDataPoints: async (batch: AnalyticsEngineDataPoint[]) => void calls.push(batch) };
    await new AnalyticsEngineStandInWriter(standIn).write(points());
    await new AnalyticsEngineStandInWriter(standIn).write([]);
    expect(calls).toEqual([points()]);
  });
});
