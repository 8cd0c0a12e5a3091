/**
 * Global setup of the `e2e` vitest project: a real local stack (one `wrangler dev`, router + the
 * four Workers) on a free port with a fresh state folder, plus the example producer Worker in its
 * own `wrangler dev`, bound to the stack's ingestion Worker through wrangler's dev registry.
 * Both origins reach the tests through vitest's `provide`/`inject`.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startStack } from "../scripts/local-stack.mjs";
import { freePort, spawnWranglerDev } from "../scripts/wrangler-process.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** The stack's one origin, e.g. http://127.0.0.1:8788. */
    stackOrigin: string;
    /** The example producer Worker (examples/producer-worker), bound to the stack's ingestion. */
    producerOrigin: string;
    /** The stack's persisted state folder (`wrangler r2 object get --local --persist-to` reads it). */
    stackStateDir: string;
    /** Everything the stack's wrangler and Workers printed so far (stdout and stderr, appended as it comes). */
    stackLogFile: string;
  }
}

const PRODUCER_READY_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function portFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return port;
}

/** Keeps the last lines of a child's output, for the error when it does not come up. */
function collectOutput(child: ChildProcess): () => string {
  const chunks: string[] = [];
  const keep = (chunk: Buffer) => {
    chunks.push(chunk.toString("utf8"));
    if (chunks.length > 200) chunks.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => chunks.join("").trim();
}

/**
 * The producer is ready when its binding reaches ingestion: wrangler answers 503 (and RPC throws)
 * until the dev registry has connected the two processes, which can lag the producer's own start.
 */
async function waitForProducer(origin: string, exited: () => string | undefined, output: () => string): Promise<void> {
  const deadline = Date.now() + PRODUCER_READY_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit) throw new Error(`the producer's wrangler dev exited (${exit}).\n--- output ---\n${output()}`);
    try {
      const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(10_000) });
      const body = await response.text();
      if (response.status === 200) return;
      last = `${response.status} ${body.slice(0, 500)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`the producer at ${origin} did not reach analytics-ingestion within ${PRODUCER_READY_TIMEOUT_MS / 1000} s (last: ${last}).\n--- output ---\n${output()}`);
}

async function stopChild(child: ChildProcess, exitedPromise: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  child.kill("SIGINT");
  const ended = await Promise.race([exitedPromise.then(() => true), sleep(10_000).then(() => false)]);
  // workerd runs in the child's process group (detached below); end the whole group if it lingers.
  try {
    process.kill(-child.pid, ended ? "SIGTERM" : "SIGKILL");
  } catch {
    // the group is already gone
  }
}

/** Starts the stack and the producer Worker; the returned function stops both. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = mkdtempSync(join(tmpdir(), "analytics-e2e-"));
  const stateDir = join(workDir, "state");
  // A registry of our own: a developer's `npm start` also registers `analytics-ingestion`, and the
  // producer must bind to this test's stack, not to that one.
  const registryDir = join(workDir, "registry");
  const stackPort = portFromEnv("E2E_STACK_PORT") ?? (await freePort());
  const producerPort = portFromEnv("E2E_PRODUCER_PORT") ?? (await freePort());

  const logFile = join(workDir, "stack.log");
  // Everything the Workers print, for tests that read the logs: wrangler shows console.log only at
  // level `log` (its levels: error < warn < info < log < debug).
  const stack = await startStack({ port: stackPort, stateDir, quiet: true, registryDir, logFile, logLevel: "log" });

  // Own process group (stopChild ends workerd with it); the stack's registry, so the producer's
  // service binding finds this stack's analytics-ingestion.
  const producer = spawnWranglerDev({
    args: [
      "-c",
      "examples/producer-worker/wrangler.jsonc",
      "--ip",
      "127.0.0.1",
      "--port",
      String(producerPort),
      "--persist-to",
      join(workDir, "producer-state"),
      "--log-level",
      "warn",
      "--show-interactive-dev-session=false",
    ],
    registryDir,
  });
  const producerOutput = collectOutput(producer);
  let producerExit: string | undefined;
  const producerExited = new Promise<void>((done) => {
    producer.on("exit", (code, signal) => {
      producerExit = signal ? `signal ${signal}` : `code ${code}`;
      done();
    });
  });
  const producerOrigin = `http://127.0.0.1:${producerPort}`;

  const teardown = async () => {
    await stopChild(producer, producerExited);
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await waitForProducer(producerOrigin, () => producerExit, producerOutput);
  } catch (error) {
    await teardown();
    throw error;
  }

  project.provide("stackOrigin", stack.origin);
  project.provide("producerOrigin", producerOrigin);
  project.provide("stackStateDir", stack.stateDir);
  project.provide("stackLogFile", logFile);
  return teardown;
}
