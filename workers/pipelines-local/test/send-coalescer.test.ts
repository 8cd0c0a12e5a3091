import { describe, expect, it } from "vitest";
import { SendCoalescer, withDeadline } from "../src/send-coalescer.ts";

describe("SendCoalescer: group commit of concurrent sends", () => {
  it("writes the sends that arrive while one is pending in one call, and resolves each only after it", async () => {
    const writes: string[] = [];
    let release: () => void = () => {};
    const coalescer = new SendCoalescer((batchJson) => {
      writes.push(batchJson);
      return new Promise<void>((resolve) => (release = resolve));
    });
    const first = coalescer.add("page_views", '[{"event_id":"a"}]');
    const second = coalescer.add("usage_events", '[{"event_id":"b"},{"event_id":"c"}]');
    expect(first.flush).toBeDefined();
    expect(second.flush).toBeUndefined();
    let resolved = 0;
    void first.done.then(() => resolved++);
    void second.done.then(() => resolved++);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(writes).toEqual(['[{"stream":"page_views","records":[{"event_id":"a"}]},{"stream":"usage_events","records":[{"event_id":"b"},{"event_id":"c"}]}]']);
    // Not durable yet: nobody is told so.
    expect(resolved).toBe(0);
    release();
    await Promise.all([first.done, second.done, first.flush]);
    expect(resolved).toBe(2);
  });

  it("fails every send of a write that fails, and the next send starts a new write", async () => {
    let fail = true;
    const coalescer = new SendCoalescer(async () => {
      if (fail) throw new Error("buffer unavailable");
    });
    const a = coalescer.add("page_views", "[]");
    const b = coalescer.add("page_views", "[]");
    await expect(a.done).rejects.toThrow("buffer unavailable");
    await expect(b.done).rejects.toThrow("buffer unavailable");
    fail = false;
    const c = coalescer.add("page_views", "[]");
    expect(c.flush).toBeDefined();
    await expect(c.done).resolves.toBeUndefined();
  });
});

describe("withDeadline", () => {
  it("passes a result through, and rejects naming what did not finish in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, "x")).resolves.toBe(7);
    await expect(withDeadline(new Promise(() => {}), 5, "the stream buffer's write")).rejects.toThrow("the stream buffer's write did not finish within 5 ms");
  });
});
