import type { EventRecord } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { AcceptedCountBatcher, tallyAccepted } from "../src/accepted-counts.ts";
import type { AcceptedTally } from "../src/ports.ts";

const record = (type: string, receivedAt: string) => ({ type, received_at: receivedAt }) as unknown as EventRecord;

describe("tallyAccepted", () => {
  it("counts records per lake table and UTC hour of receipt", () => {
    const tallies = tallyAccepted([
      record("page_view", "2026-03-01T12:00:00.000Z"),
      record("page_view", "2026-03-01T12:59:59.999Z"),
      record("page_view", "2026-03-01T13:00:00.000Z"),
      record("usage", "2026-03-01T12:30:00.000Z"),
    ]);
    expect(tallies).toEqual([
      { table: "page_views", hour: "2026-03-01T12", accepted: 2 },
      { table: "page_views", hour: "2026-03-01T13", accepted: 1 },
      { table: "usage_events", hour: "2026-03-01T12", accepted: 1 },
    ]);
  });
});

/** A clock the test moves, and sleeps that complete when the clock passes them. */
function fakeTime() {
  let now = 1_000_000;
  const sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
    sleepers,
    async advance(ms: number) {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.until <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

const tally = (accepted: number, table: AcceptedTally["table"] = "page_views", hour = "2026-03-01T12"): AcceptedTally => ({ table, hour, accepted });

describe("AcceptedCountBatcher", () => {
  it("sends the first request's counts at once, then sums later requests into one send per interval", async () => {
    const time = fakeTime();
    const batcher = new AcceptedCountBatcher(1_000, time.now, time.sleep);
    const sent: { projectId: string; tallies: AcceptedTally[] }[] = [];
    const send = async (projectId: string, tallies: AcceptedTally[]) => void sent.push({ projectId, tallies });
    const report = () => {};

    batcher.add("acme", [tally(3)]);
    const first = batcher.flush(send, report);
    expect(first).toBeDefined();
    await first;
    expect(sent).toEqual([{ projectId: "acme", tallies: [tally(3)] }]);

    // Three requests within the interval: one flush covers them all, waiting for the interval.
    batcher.add("acme", [tally(1), tally(2, "usage_events")]);
    const second = batcher.flush(send, report);
    batcher.add("acme", [tally(4)]);
    expect(batcher.flush(send, report)).toBeUndefined();
    batcher.add("globex", [tally(5)]);
    expect(batcher.flush(send, report)).toBeUndefined();
    expect(batcher.pendingEvents()).toBe(12);
    expect(sent).toHaveLength(1);

    await time.advance(1_000);
    await second;
    expect(sent.slice(1)).toEqual([
      { projectId: "acme", tallies: [tally(5), tally(2, "usage_events")] },
      { projectId: "globex", tallies: [tally(5)] },
    ]);
    expect(batcher.pendingEvents()).toBe(0);
  });

  it("keeps a failed project's counts for the next flush and reports the failure", async () => {
    const time = fakeTime();
    const batcher = new AcceptedCountBatcher(0, time.now, time.sleep);
    const failures: string[] = [];
    let down = true;
    const sent: AcceptedTally[][] = [];
    const send = async (_projectId: string, tallies: AcceptedTally[]) => {
      if (down) throw new Error("counter unavailable");
      sent.push(tallies);
    };
    batcher.add("acme", [tally(2)]);
    await batcher.flush(send, (projectId, error) => failures.push(`${projectId}: ${(error as Error).message}`));
    expect(failures).toEqual(["acme: counter unavailable"]);
    expect(batcher.pendingEvents()).toBe(2);

    down = false;
    batcher.add("acme", [tally(1)]);
    await batcher.flush(send, () => {});
    expect(sent).toEqual([[tally(3)]]);
  });

  it("answers no work when nothing is pending", () => {
    const batcher = new AcceptedCountBatcher(1_000);
    expect(batcher.flush(async () => {}, () => {})).toBeUndefined();
  });
});
