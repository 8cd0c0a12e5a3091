/**
 * The load test's short version (the long one: `npm run test:reliability`, scripts/reliability.mjs;
 * both run tests/support/load.ts): 10 s of batched ingestion through `POST /events`, Segment's
 * `/v1/batch` and tracker-shaped requests with GraphQL questions beside them, on a stack of its own
 * (rate limits raised, everything else as configured); then every acknowledged event is in the
 * lake after a flush, exactly once after compaction, and once in the API's page view count.
 * Requests in flight at the deadline are resent (a client retrying a lost answer), so the lake
 * holds real copies for compaction and the API to count once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RunningStack } from "../scripts/local-stack.mjs";
import { checkParity, runLoad, startLoadStack } from "./support/load.ts";

const workDir = mkdtempSync(join(tmpdir(), "analytics-load-"));
let stack: RunningStack;

beforeAll(async () => {
  stack = await startLoadStack({ port: await freePort(), stateDir: join(workDir, "state"), registryDir: join(workDir, "registry") });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe("sustained ingestion through every front door, with GraphQL beside it", () => {
  it("answers every request 2xx, loses nothing, and counts each event once after flush and compaction", async () => {
    const run = await runLoad({ origin: stack.origin, seconds: 10, connections: 4, batchSize: 100, graphqlConnections: 1, stackPid: stack.pid });
    expect(run.ingestion.non2xx, "non-2xx answers").toBe(0);
    expect(run.ingestion.errors, "connection errors and timeouts").toBe(0);
    expect(run.badAnswers, run.badAnswerSamples.join("\n")).toBe(0);
    for (const door of ["events", "segment", "tracker"] as const) expect(run.ingestion.perDoor[door].requests, door).toBeGreaterThan(0);
    expect(run.graphql?.requests).toBeGreaterThan(0);
    expect(run.graphql?.non2xx).toBe(0);
    expect(run.graphql?.errorAnswers).toBe(0);

    const parity = await checkParity(stack.origin, run);
    expect(parity.afterFlush.missing, `missing after flush, e.g. ${parity.afterFlush.missingSamples.join(", ")}`).toBe(0);
    expect(parity.catalogParity).toEqual({ ok: true, mismatches: 0 });
    expect(parity.afterCompaction).toMatchObject({ missing: 0, duplicated: 0, unacknowledged: 0 });
    // The resends left copies, and compaction's report accounts for every row it dropped.
    expect(parity.afterFlush.duplicated).toBeGreaterThan(0);
    expect(parity.compacted.duplicatesRemoved).toBe(parity.afterFlush.rows - parity.afterCompaction.rows);
    expect(parity.graphqlErrors).toBeNull();
    expect(parity.graphqlPageViews).toBe(parity.acknowledgedPageViews);
    expect(parity.acknowledgedPageViews).toBeGreaterThan(0);
    expect(parity.ok).toBe(true);
  }, 60_000);
});
