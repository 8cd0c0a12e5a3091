/**
 * `npm start` never leaves a stack behind: its node (scripts/dev.mjs) is started as a terminal
 * would (a process group of its own), with a free port and a fresh state folder; once
 * `GET /health` answers, it is ended one way, and within seconds the port is closed and no process
 * of that stack remains: not the launchers, not wrangler, not workerd (nothing in their process
 * groups, nothing holding a file of the state folder open). The ways: Ctrl-C (SIGINT to the whole
 * foreground group), SIGTERM to dev.mjs alone, SIGKILL of dev.mjs alone (scripts/stack.mjs sees
 * its parent gone), SIGKILL of scripts/stack.mjs alone (wrangler's watchdog sees its pipe close).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoTrafficMarkerPath } from "../scripts/demo-traffic.mjs";
import { freePort, repoRoot } from "../scripts/local-stack.mjs";
import { recordCrashFigures } from "./support/crash-summary.ts";
import { allProcesses, hasProcfs, portOpen, stackProcesses } from "./support/processes.ts";

/** What "within a few seconds" means here: wrangler's own stop takes ~2 s. */
const GONE_WITHIN_MS = 10_000;
const HEALTH_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const workDirs: string[] = [];
const started: ChildProcess[] = [];
const figures: Record<string, { seconds_to_gone: number; launcher_exit: string }> = {};

afterAll(() => {
  // A failed assertion must not leave its stack running either: the launchers' groups, then
  // whatever of each stack is left (wrangler's group, found by its state folder).
  const groups = started.flatMap((child) => child.pid ?? []);
  const leftovers = workDirs.flatMap((dir) => stackProcesses(join(dir, "state"), groups).map((p) => p.pgid));
  for (const group of new Set([...groups, ...leftovers])) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  recordCrashFigures("launcher", figures);
});

interface Launched {
  dev: ChildProcess;
  port: number;
  stateDir: string;
  exited: Promise<string>;
  output: () => string;
}

/** `npm start` as `npm start` runs it (`node scripts/dev.mjs start`), in a process group of its own. */
async function launch(): Promise<Launched> {
  const workDir = mkdtempSync(join(tmpdir(), "analytics-launcher-"));
  workDirs.push(workDir);
  const stateDir = join(workDir, "state");
  // The demo data is beside the point here (and loading a month of it would only slow the run).
  mkdirSync(stateDir);
  writeFileSync(demoTrafficMarkerPath(stateDir), `${JSON.stringify({ loaded_at: "skipped by tests/launcher.test.ts", events: 0 })}\n`);
  const port = await freePort();
  const dev = spawn(process.execPath, [join(repoRoot, "scripts", "dev.mjs"), "start"], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, STACK_PORT: String(port), STACK_STATE_DIR: stateDir, WRANGLER_REGISTRY_PATH: join(workDir, "registry") },
  });
  started.push(dev);
  let text = "";
  dev.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  dev.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  const exited = new Promise<string>((done) => dev.on("exit", (code, signal) => done(signal ? `signal ${signal}` : `code ${code}`)));
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    if (exit) throw new Error(`npm start exited (${exit}) before /health answered:\n${text.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`/health did not answer within ${HEALTH_TIMEOUT_MS / 1000} s:\n${text.slice(-4000)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) })).status === 200) break;
    } catch {
      // not up yet
    }
    await sleep(300);
  }
  return { dev, port, stateDir, exited, output: () => text };
}

/** The pid of scripts/stack.mjs, dev.mjs's child. */
function stackLauncherPid(devPid: number): number {
  const child = allProcesses().find((p) => p.ppid === devPid && p.cmdline.includes("scripts/stack.mjs"));
  if (!child) throw new Error(`scripts/stack.mjs is not a child of dev.mjs (pid ${devPid})`);
  return child.pid;
}

/** Waits until the port is closed and nothing of the stack runs; resolves with the seconds it took. */
async function gone(launched: Launched, groups: number[], since: number): Promise<number> {
  for (;;) {
    const left = stackProcesses(launched.stateDir, groups);
    const open = await portOpen(launched.port);
    if (!open && left.length === 0) return (Date.now() - since) / 1000;
    if (Date.now() - since > GONE_WITHIN_MS) {
      const list = left.map((p) => `${p.pid} (${p.comm}, group ${p.pgid}): ${p.cmdline.slice(0, 160)}`).join("\n");
      throw new Error(`after ${GONE_WITHIN_MS / 1000} s: port ${launched.port} ${open ? "still open" : "closed"}; ${left.length} process(es) left:\n${list}\n--- npm start output ---\n${launched.output().slice(-3000)}`);
    }
    await sleep(100);
  }
}

type Ending = "Ctrl-C (SIGINT to the group)" | "SIGTERM to dev.mjs" | "SIGKILL of dev.mjs" | "SIGKILL of stack.mjs";

// Ctrl-C or SIGTERM: 0 once the stack has started, 130 when it arrives while startStack is still
// finishing (GET /health already answers then); either way nothing may be left behind.
const endings: { name: Ending; end: (dev: number) => void; exit: RegExp }[] = [
  { name: "Ctrl-C (SIGINT to the group)", end: (dev) => process.kill(-dev, "SIGINT"), exit: /^code (0|130)$/ },
  { name: "SIGTERM to dev.mjs", end: (dev) => process.kill(dev, "SIGTERM"), exit: /^code (0|130)$/ },
  { name: "SIGKILL of dev.mjs", end: (dev) => process.kill(dev, "SIGKILL"), exit: /^signal SIGKILL$/ },
  // dev.mjs then exits 1: its child died by a signal.
  { name: "SIGKILL of stack.mjs", end: (dev) => process.kill(stackLauncherPid(dev), "SIGKILL"), exit: /^code 1$/ },
];

describe.skipIf(!hasProcfs)("npm start leaves nothing running however it ends", () => {
  for (const ending of endings) {
    it(`${ending.name}: port closed, no wrangler or workerd left`, { timeout: HEALTH_TIMEOUT_MS + 30_000 }, async () => {
      const launched = await launch();
      const devPid = launched.dev.pid;
      if (devPid === undefined) throw new Error("npm start has no pid");
      const before = stackProcesses(launched.stateDir, [devPid]);
      // The stack is really there: the chain of launchers, wrangler and its workerd processes.
      expect(before.filter((p) => p.comm === "workerd").length).toBeGreaterThanOrEqual(1);
      expect(before.some((p) => p.cmdline.includes("wrangler-watchdog.mjs"))).toBe(true);
      const groups = [...new Set(before.map((p) => p.pgid))];

      const since = Date.now();
      ending.end(devPid);
      const seconds = await gone(launched, groups, since);
      expect(await launched.exited).toMatch(ending.exit);
      figures[ending.name] = { seconds_to_gone: seconds, launcher_exit: await launched.exited };
      console.log(`[launcher] ${ending.name}: port closed and ${before.length} processes gone after ${seconds.toFixed(1)} s`);
      expect(seconds * 1000).toBeLessThan(GONE_WITHIN_MS);
    });
  }
});
