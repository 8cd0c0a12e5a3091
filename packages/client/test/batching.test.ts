import { afterEach, describe, expect, it, vi } from "vitest";
import { batchBodyBytes, nextBatchSize } from "../src/batches.ts";
import { createClient, type IngestResult } from "../src/index.ts";
import { acceptAll, deferred, quiet, RecordingTransport } from "./fakes.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("batching by count", () => {
  it("sends a batch as soon as maxBatchEvents are queued, and the rest on flush()", async () => {
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s", maxBatchEvents: 3 });
    for (let i = 0; i < 7; i++) client.track(`e${i}`);
    expect(transport.batches.map((b) => b.length)).toEqual([3, 3]);
    const result = await client.flush();
    expect(transport.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(transport.events.map((e) => (e.type === "custom" ? e.name : ""))).toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6"]);
    expect(result.accepted).toBe(7);
  });

  it("defaults to 100 events a batch", async () => {
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s" });
    for (let i = 0; i < 250; i++) client.track("e");
    await client.flush();
    expect(transport.batches.map((b) => b.length)).toEqual([100, 100, 50]);
  });
});

describe("batching by bytes", () => {
  it("keeps every request body within maxBatchBytes", async () => {
    const transport = new RecordingTransport();
    const maxBatchBytes = 4096;
    const client = createClient({ ...quiet, transport, sessionId: "s", maxBatchBytes, maxBatchEvents: 500 });
    for (let i = 0; i < 60; i++) client.track("e", { padding: "x".repeat(200) });
    await client.flush();
    expect(transport.batches.length).toBeGreaterThan(1);
    for (const batch of transport.batches) {
      expect(new TextEncoder().encode(JSON.stringify({ events: batch })).byteLength).toBeLessThanOrEqual(maxBatchBytes);
    }
    expect(transport.events).toHaveLength(60);
  });

  it("measures bodies exactly, and sends an item too big for any batch alone", () => {
    const items = [{ item: "a", bytes: 10 }, { item: "b", bytes: 10 }, { item: "c", bytes: 10 }];
    expect(batchBodyBytes(2, 20)).toBe(JSON.stringify({ events: ["x".repeat(8), "y".repeat(8)] }).length);
    expect(nextBatchSize(items, { maxEvents: 10, maxBytes: batchBodyBytes(2, 20) })).toBe(2);
    expect(nextBatchSize([{ item: "big", bytes: 10_000 }, ...items], { maxEvents: 10, maxBytes: 100 })).toBe(1);
  });
});

describe("batching by time", () => {
  it("sends what waited flushIntervalMs, once", async () => {
    vi.useFakeTimers();
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s", flushIntervalMs: 1000 });
    client.track("a");
    await vi.advanceTimersByTimeAsync(500);
    client.track("b");
    expect(transport.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(transport.batches.map((b) => b.length)).toEqual([2]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(transport.batches).toHaveLength(1);
  });

  it("sets no timer when flushIntervalMs is 0 (Workers' default)", async () => {
    vi.useFakeTimers();
    const transport = new RecordingTransport();
    const client = createClient({ ...quiet, transport, sessionId: "s", flushIntervalMs: 0 });
    client.track("a");
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.batches).toHaveLength(0);
  });
});

describe("flush()", () => {
  it("waits for sends already under way and sums their results", async () => {
    const held = deferred<IngestResult>();
    const transport = new RecordingTransport((events) => (events.length === 2 ? held.promise : acceptAll(events)));
    const client = createClient({ ...quiet, transport, sessionId: "s", maxBatchEvents: 2 });
    client.track("a");
    client.track("b"); // a full batch: sent now, held open
    client.track("c");
    let settled = false;
    const flushing = client.flush().then((result) => {
      settled = true;
      return result;
    });
    await new Promise((done) => setTimeout(done, 10));
    expect(settled).toBe(false);
    held.resolve({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await flushing).toEqual({ accepted: 2, duplicates: 1, rejected: [], errors: [] });
  });

  it("after close(), events go to onError instead of the server", async () => {
    const transport = new RecordingTransport();
    const errors: string[] = [];
    const client = createClient({ ...quiet, transport, sessionId: "s", onError: (e) => errors.push(e.message) });
    client.track("before");
    await client.close();
    client.track("after");
    await client.flush();
    expect(transport.events).toHaveLength(1);
    expect(errors).toEqual(["the analytics client is closed; the event was not sent"]);
  });
});
