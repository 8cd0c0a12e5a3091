import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { EventRecord } from "@edge-analytics/event-schema";
import { LedgeredJournal } from "@edge-analytics/ingest";
import { PARITY_WINDOW_DAYS } from "@edge-analytics/lake";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { DurableObjectEventIdLedger, PipelinesLakeSink } from "../src/adapters.ts";
import type { EventIdLedger } from "../src/durable-objects/event-id-ledger.ts";
import { catalogGet } from "./lake-helpers.ts";
import { recordingStreams } from "./recording-streams.ts";

// The production ingestion path (LedgeredJournal: the EventIdLedger Durable Object in front of
// Pipelines streams) with streams that record what they are sent: parity in production comes
// from the ledger's counts, reported to the real catalog Worker.

function productionJournal() {
  const streams = recordingStreams();
  return { streams, journal: new LedgeredJournal(new DurableObjectEventIdLedger(env.EVENT_LEDGER), new PipelinesLakeSink(streams)) };
}

function record(type: Parameters<typeof makeEvent>[0], project: string, receivedAt: string): EventRecord {
  return { ...makeEvent(type), project_id: project, environment: "production", received_at: receivedAt, is_bot: false } as unknown as EventRecord;
}

type ParityBody = { parity: { table: string; hour: string; accepted: number; landed: number; buffered: number | null; status: string }[] };

describe("EventIdLedger (production path): accepted counts for parity", () => {
  it("counts committed events per table and hour, once, and reports them to the catalog from its alarm", async () => {
    const project = "ledger-parity";
    const { streams, journal } = productionJournal();
    const receivedAt = new Date().toISOString();
    const hour = receivedAt.slice(0, 13);
    const records = [record("api_request", project, receivedAt), record("api_request", project, receivedAt), record("custom", project, receivedAt)];
    expect((await journal.append(project, records)).accepted).toHaveLength(3);
    // A retry of the same events is all duplicates: sent and counted once.
    expect((await journal.append(project, records)).duplicates).toHaveLength(3);
    expect(streams.api_requests.sends.flat()).toHaveLength(2);

    const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(project));
    expect(await ledger.acceptedCounts()).toEqual([
      { table: "api_requests", hour, accepted: 2 },
      { table: "custom_events", hour, accepted: 1 },
    ]);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);

    // Nothing landed yet (the streams only recorded): pending, with the stream's buffer unknown.
    const { body } = await catalogGet<ParityBody>("/catalog/parity?table=api_requests");
    expect(body.parity.find((row) => row.hour === hour)).toEqual({ table: "api_requests", hour, accepted: 2, landed: 0, buffered: null, status: "pending" });
  });

  it("keeps the counts to report when the catalog cannot be reached, and reports them on the next alarm", async () => {
    const project = "ledger-parity-retry";
    const { journal } = productionJournal();
    // Three hours ago: past the 15-minute grace a stream gets, inside the parity window.
    const receivedAt = new Date(Date.now() - 3 * 60 * 60 * 1000).toISOString();
    const hour = receivedAt.slice(0, 13);
    await journal.append(project, [record("usage", project, receivedAt)]);
    const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(project));
    type WithEnv = { env: Env };
    const realEnv = await runInDurableObject(ledger, (instance: EventIdLedger) => {
      const saved = (instance as unknown as WithEnv).env;
      const unreachable = { recordAcceptedCounts: () => Promise.reject(new Error("catalog unreachable")) };
      (instance as unknown as WithEnv).env = { ...saved, CATALOG: unreachable as unknown as Env["CATALOG"] };
      return saved;
    });
    try {
      expect(await runDurableObjectAlarm(ledger)).toBe(true);
    } finally {
      await runInDurableObject(ledger, (instance: EventIdLedger) => {
        (instance as unknown as WithEnv).env = realEnv;
      });
    }
    const before = await catalogGet<ParityBody>("/catalog/parity?table=usage_events");
    expect(before.body.parity.find((row) => row.hour === hour)).toBeUndefined();

    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    const after = await catalogGet<ParityBody>("/catalog/parity?table=usage_events");
    // An hour long past with nothing landed: a visible mismatch.
    expect(after.body.parity.find((row) => row.hour === hour)).toMatchObject({ accepted: 1, landed: 0, buffered: null, status: "mismatch" });
  });

  it("forgets counts older than the parity window on its hourly sweep", async () => {
    const project = "ledger-parity-window";
    const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(project));
    const old = new Date(Date.now() - (PARITY_WINDOW_DAYS + 1) * 24 * 60 * 60 * 1000).toISOString().slice(0, 13);
    const recent = new Date().toISOString().slice(0, 13);
    const claim = await ledger.claim(["a", "b"]);
    await ledger.commit(project, claim.claimed, [
      { table: "page_views", hour: old, accepted: 1 },
      { table: "page_views", hour: recent, accepted: 1 },
    ]);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await ledger.acceptedCounts()).map((count) => count.hour)).toEqual([recent]);
  });
});
