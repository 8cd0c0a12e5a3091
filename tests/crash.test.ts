/**
 * Nothing acknowledged is lost: a stack of its own (another port, another state folder) takes
 * batches from several clients until every process of it is killed with SIGKILL mid-stream; a
 * new stack on the same state folder then flushes the Pipelines stand-in's buffer, and every
 * event_id any client got a 202 for is in the lake (at least once). The ingestion path is
 * production's: validation, enrichment, then each table's stream `send()`, whose durability
 * (the stand-in's SQLite buffer) is what the 202 waits for.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, type RunningStack, startStack } from "../scripts/local-stack.mjs";
import { copiesById, rawFiles } from "./support/raw-files.ts";

const workDir = mkdtempSync(join(tmpdir(), "analytics-crash-"));
const stateDir = join(workDir, "state");
const registryDir = join(workDir, "registry");
let stack: RunningStack | undefined;

afterAll(async () => {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function batch(size: number): Record<string, unknown>[] {
  return Array.from({ length: size }, (_, i) =>
    i % 2 === 0
      ? { type: "page_view", event_id: randomUUID(), session_id: `crash-${i % 5}`, page_url: `https://crash.example/${i}` }
      : { type: "custom", event_id: randomUUID(), session_id: `crash-${i % 5}`, name: "crash-test" },
  );
}

describe("kill -9 of the stack while clients send", () => {
  it("loses no acknowledged event", async () => {
    const port = await freePort();
    stack = await startStack({ port, stateDir, quiet: true, registryDir });
    const origin = stack.origin;
    const acknowledged: string[] = [];
    let sending = true;
    const client = async () => {
      while (sending) {
        const events = batch(40);
        try {
          const response = await fetch(`${origin}/events`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-api-key": "local-dev-key" },
            body: JSON.stringify({ events }),
            signal: AbortSignal.timeout(10_000),
          });
          if (response.status === 202) {
            const result = (await response.json()) as { accepted: number };
            if (result.accepted === events.length) acknowledged.push(...events.map((e) => String(e.event_id)));
          }
        } catch {
          // The stack died under this request: it was never acknowledged.
          await sleep(50);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    // Let acknowledgements accumulate, then kill every process of the stack without warning.
    while (acknowledged.length < 2_000) await sleep(100);
    const pid = stack.pid;
    if (pid === undefined) throw new Error("the stack has no process id");
    process.kill(-pid, "SIGKILL");
    await stack.exited;
    await sleep(500);
    sending = false;
    await Promise.all(clients);
    await stack.stop();
    const acked = [...acknowledged];
    expect(acked.length).toBeGreaterThanOrEqual(2_000);

    // A new stack on the same state: the stand-in's buffer survived; flush it into the lake.
    stack = await startStack({ port: await freePort(), stateDir, quiet: true, registryDir });
    const flushed = await fetch(`${stack.origin}/admin/flush`, { method: "POST", headers: { "x-api-key": "local-admin-key" } });
    expect(flushed.status).toBe(200);
    const copies = copiesById([...(await rawFiles(stack.origin, "page_views")), ...(await rawFiles(stack.origin, "custom_events"))]);
    const missing = acked.filter((id) => !copies.has(id));
    expect(missing, `${missing.length} of ${acked.length} acknowledged events are not in the lake`).toEqual([]);
  });
});
