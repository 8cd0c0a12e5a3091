import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEventQueue } from "../src/event-queue.ts";

interface Sent {
  ids: number[];
  leaving: boolean;
}

/** A queue over a fake transport whose answers the test sets (true: done, false: retry). */
function setup(answers: boolean[] = []) {
  const sent: Sent[] = [];
  const queue = createEventQueue<{ id: number }>({
    send: async (events, leaving) => {
      sent.push({ ids: events.map((event) => event.id), leaving });
      return answers.shift() ?? true;
    },
    maxBatch: 3,
    delayMs: 2000,
  });
  return { queue, sent };
}

describe("createEventQueue", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("sends after the delay, one request for what arrived meanwhile", async () => {
    const { queue, sent } = setup();
    queue.push({ id: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    queue.push({ id: 2 });
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([{ ids: [1, 2], leaving: false }]);
  });

  it("sends at once when a batch is full", () => {
    const { queue, sent } = setup();
    for (const id of [1, 2, 3]) queue.push({ id });
    expect(sent).toEqual([{ ids: [1, 2, 3], leaving: false }]);
  });

  it("flushes everything now when the page leaves, in batches, and cancels the timer", async () => {
    const { queue, sent } = setup();
    queue.push({ id: 1 });
    queue.push({ id: 2 });
    queue.flush(true);
    expect(sent).toEqual([{ ids: [1, 2], leaving: true }]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
  });

  it("never sends more than maxBatch events in one request", () => {
    const { queue, sent } = setup();
    for (const id of [1, 2, 3, 4, 5, 6, 7]) queue.push({ id });
    queue.flush(true);
    expect(sent.map((request) => request.ids)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("puts a failed batch back in front of newer events", async () => {
    const { queue, sent } = setup([false]);
    queue.push({ id: 1 });
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    queue.push({ id: 2 });
    queue.flush(true);
    expect(sent).toEqual([
      { ids: [1], leaving: false },
      { ids: [1, 2], leaving: true },
    ]);
  });

  it("retries a batch once, after the delay, then drops it", async () => {
    const { queue, sent } = setup([false, false]);
    queue.push({ id: 1 });
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent.map((request) => request.ids)).toEqual([[1], [1]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(2);
  });

  it("retries when the transport rejects", async () => {
    const sent: number[][] = [];
    let calls = 0;
    const queue = createEventQueue<{ id: number }>({
      send: async (events) => {
        sent.push(events.map((event) => event.id));
        if (calls++ === 0) throw new TypeError("Failed to fetch");
        return true;
      },
      maxBatch: 10,
      delayMs: 100,
    });
    queue.push({ id: 7 });
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([[7], [7]]);
  });
});
