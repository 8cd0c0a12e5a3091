import { ANALYTICS_ENGINE_LIMITS, type AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { CappedHotWriter, chunkPointsForQueue } from "../src/capped-hot-writer.ts";
import { RecordingDeferredQueue, RecordingHotWriter } from "./fakes.ts";

/** A data point whose first blob and double identify it. */
function point(i: number, text = ""): AnalyticsEngineDataPoint {
  return { indexes: ["acme"], blobs: [`p${i}`, text], doubles: [i] };
}

const points = (from: number, count: number, text = ""): AnalyticsEngineDataPoint[] =>
  Array.from({ length: count }, (_, i) => point(from + i, text));

const ids = (list: AnalyticsEngineDataPoint[]): number[] => list.map((p) => p.doubles[0] ?? -1);
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe("CappedHotWriter", () => {
  it("sends exactly the first 250 of 600 points to the target and defers the other 350", async () => {
    const target = new RecordingHotWriter();
    const queue = new RecordingDeferredQueue();
    await new CappedHotWriter(target, queue, 250).write(points(0, 600));
    expect(ids(target.points)).toEqual(range(0, 250));
    expect(ids(queue.points)).toEqual(range(250, 350));
  });

  it("consumes the budget across calls of one invocation, never exceeding it", async () => {
    const target = new RecordingHotWriter();
    const queue = new RecordingDeferredQueue();
    const writer = new CappedHotWriter(target, queue, 250);
    await writer.write(points(0, 100));
    await writer.write(points(100, 200)); // 150 fit, 50 deferred
    await writer.write(points(300, 300)); // budget spent: all deferred
    expect(target.writes.map((w) => w.length)).toEqual([100, 150]);
    expect(queue.calls.map((c) => c.length)).toEqual([50, 300]);
    expect(ids(target.points)).toEqual(range(0, 250));
    expect(ids(queue.points)).toEqual(range(250, 350));
  });

  it("defaults to Analytics Engine's per-invocation limit", async () => {
    const target = new RecordingHotWriter();
    const queue = new RecordingDeferredQueue();
    await new CappedHotWriter(target, queue).write(points(0, 600));
    expect(target.points).toHaveLength(ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation);
    expect(queue.points).toHaveLength(600 - ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation);
  });

  it("calls neither side with an empty list", async () => {
    const target = new RecordingHotWriter();
    const queue = new RecordingDeferredQueue();
    const writer = new CappedHotWriter(target, queue, 10);
    await writer.write([]);
    await writer.write(points(0, 10));
    expect(target.writes).toHaveLength(1);
    expect(queue.calls).toHaveLength(0);
    await writer.write(points(10, 5));
    expect(target.writes).toHaveLength(1);
    expect(queue.calls).toHaveLength(1);
  });

  it("a new writer (a new invocation) has a fresh budget", async () => {
    const target = new RecordingHotWriter();
    const queue = new RecordingDeferredQueue();
    await new CappedHotWriter(target, queue, 250).write(points(0, 250));
    await new CappedHotWriter(target, queue, 250).write(points(250, 250));
    expect(target.points).toHaveLength(500);
    expect(queue.points).toHaveLength(0);
  });

  it("propagates a failure of the target", async () => {
    const target = new RecordingHotWriter();
    target.error = new Error("AE down");
    await expect(new CappedHotWriter(target, new RecordingDeferredQueue(), 5).write(points(0, 3))).rejects.toThrow("AE down");
  });
});

describe("chunkPointsForQueue", () => {
  const jsonBytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).byteLength;

  it("splits by point count, keeping order", () => {
    const input = points(0, 120);
    const chunks = chunkPointsForQueue(input, 50);
    expect(chunks.map((c) => c.length)).toEqual([50, 50, 20]);
    expect(ids(chunks.flat())).toEqual(range(0, 120));
  });

  it("splits by JSON size in bytes, counting multi-byte characters", () => {
    const input = points(0, 40, "中😀é".repeat(400)); // ~3.6 KB of UTF-8 per point
    const maxBytes = 16 * 1024;
    const chunks = chunkPointsForQueue(input, 50, maxBytes);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThan(0);
      expect(jsonBytes(chunk)).toBeLessThanOrEqual(maxBytes);
    }
    expect(ids(chunks.flat())).toEqual(range(0, 40));
  });

  it("respects both limits at once", () => {
    const input = [...points(0, 30), ...points(30, 10, "x".repeat(3000)), ...points(40, 30)];
    const chunks = chunkPointsForQueue(input, 8, 20 * 1024);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(8);
      expect(jsonBytes(chunk)).toBeLessThanOrEqual(20 * 1024);
    }
    expect(ids(chunks.flat())).toEqual(range(0, 70));
  });

  it("uses the queue's defaults: 50 points and 100 KB per message", () => {
    const chunks = chunkPointsForQueue(points(0, 120, "x".repeat(1000)));
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(50);
      expect(jsonBytes(chunk)).toBeLessThanOrEqual(100 * 1024);
    }
    expect(chunks.flat()).toHaveLength(120);
  });

  it("gives a point larger than maxBytes a message of its own rather than dropping it", () => {
    const input = [point(0), point(1, "x".repeat(2000)), point(2)];
    const chunks = chunkPointsForQueue(input, 50, 1000);
    expect(chunks.map(ids)).toEqual([[0], [1], [2]]);
  });

  it("returns no chunks for no points", () => {
    expect(chunkPointsForQueue([])).toEqual([]);
  });
});
