import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { EventRecord } from "@edge-analytics/event-schema";
import { LedgeredJournal } from "@edge-analytics/ingest";
import { PARITY_WINDOW_DAYS } from "@edge-analytics/lake";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { DurableObjectEventIdLedger, PipelinesLakeSink } from "../src/adapters.ts";
import { type EventIdLedger, migrateIdRows } from "../src/durable-objects/event-id-ledger.ts";
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
    await ledger.commit(project, claim.claimId!, [
      { table: "page_views", hour: old, accepted: 1 },
      { table: "page_views", hour: recent, accepted: 1 },
    ]);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await ledger.acceptedCounts()).map((count) => count.hour)).toEqual([recent]);
  });
});

describe("EventIdLedger: claims, commits and releases act on a claim as a whole", () => {
  const ledgerOf = (project: string) => env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(project));
  /** Moves a claim's time back, as if its lease (30 s) or the dedup window had passed. */
  const age = (project: string, claimId: number, ms: number) =>
    runInDurableObject(ledgerOf(project), (_instance: EventIdLedger, state) => {
      state.storage.sql.exec(
        "UPDATE ledger_claims SET claimed_at_ms = claimed_at_ms - ?1, committed_at_ms = committed_at_ms - ?1 WHERE claim_id = ?2",
        ms,
        claimId,
      );
    });

  it("commits every id of the claim at once; a released claim's ids can be claimed again", async () => {
    const ledger = ledgerOf("ledger-claims");
    const first = await ledger.claim(["a", "b", "c"]);
    expect(first).toMatchObject({ claimed: ["a", "b", "c"], duplicates: [], inFlight: [] });
    expect(await ledger.claim(["b", "d"])).toMatchObject({ claimed: ["d"], inFlight: ["b"] });
    await ledger.commit("ledger-claims", first.claimId!, []);
    expect(await ledger.claim(["a", "b", "c"])).toMatchObject({ claimed: [], duplicates: ["a", "b", "c"], claimId: null });

    const second = await ledger.claim(["e", "f"]);
    await ledger.release(second.claimId!);
    expect(await ledger.claim(["e", "f"])).toMatchObject({ claimed: ["e", "f"], duplicates: [], inFlight: [] });
    // Releasing a committed claim forgets nothing.
    await ledger.release(first.claimId!);
    expect((await ledger.claim(["a"])).duplicates).toEqual(["a"]);
  });

  it("an id whose claim outlived its lease moves to the next claim, and follows that one", async () => {
    const project = "ledger-takeover";
    const ledger = ledgerOf(project);
    const slow = await ledger.claim(["x", "y"]);
    await age(project, slow.claimId!, 31_000);
    const retry = await ledger.claim(["x"]);
    expect(retry).toMatchObject({ claimed: ["x"] });
    // The slow request commits: y is its own; x now belongs to the retry, still in flight.
    await ledger.commit(project, slow.claimId!, []);
    expect(await ledger.claim(["x", "y"])).toMatchObject({ duplicates: ["y"], inFlight: ["x"] });
    // The retry fails and releases: x is free again, y stays a duplicate.
    await ledger.release(retry.claimId!);
    expect(await ledger.claim(["x", "y"])).toMatchObject({ claimed: ["x"], duplicates: ["y"] });
  });

  it("the hourly sweep forgets ids committed before the dedup window and abandoned claims", async () => {
    const project = "ledger-sweep";
    const ledger = ledgerOf(project);
    const old = await ledger.claim(["old-1", "old-2"]);
    await ledger.commit(project, old.claimId!, []);
    await age(project, old.claimId!, 25 * 60 * 60 * 1000);
    const abandoned = await ledger.claim(["gone"]);
    await age(project, abandoned.claimId!, 60_000);
    const recent = await ledger.claim(["kept"]);
    await ledger.commit(project, recent.claimId!, []);
    expect(await ledger.size()).toBe(4);

    await runInDurableObject(ledger, (_instance: EventIdLedger, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO ledger_meta (name, value) VALUES ('next_sweep_ms', '0')");
    });
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect(await ledger.size()).toBe(1);
    const claims = await runInDurableObject(ledger, (_instance: EventIdLedger, state) =>
      state.storage.sql.exec<{ claim_id: number }>("SELECT claim_id FROM ledger_claims").toArray().map((row) => row.claim_id),
    );
    expect(claims).toEqual([recent.claimId]);
    expect(await ledger.claim(["old-1", "gone", "kept"])).toMatchObject({ claimed: ["old-1", "gone"], duplicates: ["kept"] });
  });

  it("moves a ledger's per-id rows (before claims had their own table) into claims, once", async () => {
    const ledger = ledgerOf("ledger-migration");
    const now = Date.now();
    await runInDurableObject(ledger, (_instance: EventIdLedger, state) => {
      state.storage.sql.exec("CREATE TABLE event_ids (event_id TEXT PRIMARY KEY, committed INTEGER NOT NULL, at_ms INTEGER NOT NULL) WITHOUT ROWID");
      state.storage.sql.exec(
        "INSERT INTO event_ids VALUES ('done-1', 1, ?1), ('done-2', 1, ?1), ('pending', 0, ?2), ('expired', 1, ?3)",
        now - 1000,
        now - 500,
        now - 25 * 60 * 60 * 1000,
      );
      migrateIdRows(state.storage);
      migrateIdRows(state.storage);
    });
    expect(await ledger.claim(["done-1", "done-2", "pending", "expired", "new"])).toMatchObject({
      claimed: ["expired", "new"],
      duplicates: ["done-1", "done-2"],
      inFlight: ["pending"],
    });
  });
});
