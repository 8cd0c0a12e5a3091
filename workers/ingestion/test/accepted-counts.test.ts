import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { CatalogRpc, ParityRow } from "@edge-analytics/catalog";
import type { AcceptedTally } from "@edge-analytics/ingest";
import { PARITY_WINDOW_DAYS } from "@edge-analytics/lake";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { acceptedCounter } from "../src/adapters.ts";
import type { AcceptedCounter } from "../src/durable-objects/accepted-counter.ts";
import { ingest } from "./helpers.ts";

// Parity's accepted side, through the real path: POST /events → the isolate's batcher → the
// project's AcceptedCounter → its alarm → the real catalog Worker (bundled beside ingestion).

async function catalogParity(table: string): Promise<ParityRow[]> {
  const response = await env.CATALOG.fetch(`https://catalog.internal/catalog/parity?table=${table}`, { headers: { "x-api-key": "local-admin-key" } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { parity: ParityRow[] }).parity;
}

/** The counter's counts once they reach `total` events (the batcher flushes after the response). */
async function countsReaching(project: string, total: number): Promise<AcceptedTally[]> {
  const counter = acceptedCounter(env.ACCEPTED_COUNTS, project);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const counts = await counter.counts();
    if (counts.reduce((sum, c) => sum + c.accepted, 0) >= total || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("accepted counts: one small write per request at most, reported to the catalog for parity", () => {
  it("counts accepted events per table and hour, a resend again, and reports them from the counter's alarm", async () => {
    const events = [makeEvent("api_request"), makeEvent("api_request"), makeEvent("custom")];
    const hour = new Date().toISOString().slice(0, 13);
    expect((await ingest({ events }, { key: "lake-test-key" })).accepted).toBe(3);
    // A client's resend is accepted again, so it is counted again: accepted counts deliveries.
    expect((await ingest({ events: events.slice(0, 1) }, { key: "lake-test-key" })).accepted).toBe(1);

    const counts = await countsReaching("laketest", 4);
    expect(counts.filter((c) => c.hour === hour)).toEqual([
      { table: "api_requests", hour, accepted: 3 },
      { table: "custom_events", hour, accepted: 1 },
    ]);
    expect(await runDurableObjectAlarm(acceptedCounter(env.ACCEPTED_COUNTS, "laketest"))).toBe(true);

    // The stand-in has not written them yet; a stream does not say what it holds: pending.
    const row = (await catalogParity("api_requests")).find((r) => r.hour === hour);
    expect(row).toMatchObject({ accepted: 3, buffered: null });
    expect(["pending", "ok"]).toContain(row?.status);

    // Once the sink wrote them, every accepted delivery has landed.
    await env.PIPELINES_LOCAL.flush();
    const landed = (await catalogParity("api_requests")).find((r) => r.hour === hour);
    expect(landed?.landed).toBeGreaterThanOrEqual(3);
    expect(landed?.status).toBe("ok");
  });

  it("keeps the counts to report when the catalog cannot be reached, and reports them on the next alarm", async () => {
    const project = "counter-retry";
    const counter = acceptedCounter(env.ACCEPTED_COUNTS, project);
    // Three hours ago: past the 15-minute grace a stream gets, inside the parity window.
    const hour = new Date(Date.now() - 3 * 60 * 60 * 1000).toISOString().slice(0, 13);
    await counter.add(project, [{ table: "usage_events", hour, accepted: 1 }]);
    type WithEnv = { env: Env };
    const realEnv = await runInDurableObject(counter, (instance: AcceptedCounter) => {
      const saved = (instance as unknown as WithEnv).env;
      const unreachable = { recordAcceptedCounts: () => Promise.reject(new Error("catalog unreachable")) } satisfies Pick<CatalogRpc, "recordAcceptedCounts">;
      // A fake in place of the service binding, which Env types as a Fetcher (wrangler types).
      (instance as unknown as WithEnv).env = { ...saved, CATALOG: unreachable as unknown as Env["CATALOG"] };
      return saved;
    });
    try {
      expect(await runDurableObjectAlarm(counter)).toBe(true);
    } finally {
      await runInDurableObject(counter, (instance: AcceptedCounter) => {
        (instance as unknown as WithEnv).env = realEnv;
      });
    }
    expect((await catalogParity("usage_events")).find((row) => row.hour === hour)).toBeUndefined();

    expect(await runDurableObjectAlarm(counter)).toBe(true);
    // An hour long past with nothing landed: a visible mismatch.
    expect((await catalogParity("usage_events")).find((row) => row.hour === hour)).toMatchObject({ accepted: 1, landed: 0, buffered: null, status: "mismatch" });
  });

  it("forgets counts older than the parity window on its sweep", async () => {
    const project = "counter-window";
    const counter = acceptedCounter(env.ACCEPTED_COUNTS, project);
    const old = new Date(Date.now() - (PARITY_WINDOW_DAYS + 1) * 24 * 60 * 60 * 1000).toISOString().slice(0, 13);
    const recent = new Date().toISOString().slice(0, 13);
    await counter.add(project, [
      { table: "page_views", hour: old, accepted: 1 },
      { table: "page_views", hour: recent, accepted: 2 },
    ]);
    expect(await runDurableObjectAlarm(counter)).toBe(true);
    expect(await counter.counts()).toEqual([{ table: "page_views", hour: recent, accepted: 2 }]);
  });

  it("keeps one row per hour, however many tables and events (rows written are what the object bills)", async () => {
    const project = "counter-rows";
    const counter = acceptedCounter(env.ACCEPTED_COUNTS, project);
    const hour = new Date().toISOString().slice(0, 13);
    const tables = ["page_views", "user_actions", "api_requests", "video_events", "custom_events", "usage_events"] as const;
    for (let i = 0; i < 5; i++) await counter.add(project, tables.map((table) => ({ table, hour, accepted: 100 })));
    const rows = await runInDurableObject(counter, (_instance: AcceptedCounter, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM accepted_hours").one().n,
    );
    expect(rows).toBe(1);
    expect((await counter.counts()).find((count) => count.table === "page_views")).toEqual({ table: "page_views", hour, accepted: 500 });
  });
});
