/**
 * scripts/wrangler-watchdog.mjs on its own, with stand-ins for wrangler and workerd (small Node
 * scripts) instead of the real ones, so the paths the real stack rarely takes run in seconds:
 *   - its lifeline closed (the launcher died): a "wrangler" that ignores SIGTERM and a "workerd"
 *     that ignores it too are both killed after the grace period; a "wrangler" that stops on
 *     SIGTERM but leaves its "workerd" behind takes it along at once;
 *   - an orderly stop (SIGINT from the launcher) reaches "wrangler", whose exit code the watchdog
 *     exits with, and the "workerd" it leaves behind gets SIGTERM.
 * Linux only (process groups read from /proc).
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { wranglerWatchdog } from "../scripts/wrangler-process.mjs";
import { allProcesses, hasProcfs } from "./support/processes.ts";

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A "wrangler" that starts a "workerd" child (in its group) and reacts to SIGTERM/SIGINT as told. */
function fakeWrangler({ wranglerOnTerm, workerdIgnoresTerm }: { wranglerOnTerm: "ignore" | "exit"; workerdIgnoresTerm: boolean }): string {
  const workerd = `${workerdIgnoresTerm ? "process.on('SIGTERM', () => {});" : ""} setInterval(() => {}, 1000);`;
  return [
    `require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(workerd)}], { stdio: "ignore" });`,
    `process.on("SIGTERM", () => { ${wranglerOnTerm === "exit" ? "process.exit(0);" : ""} });`,
    `process.on("SIGINT", () => process.exit(3));`,
    "setInterval(() => {}, 1000);",
  ].join("\n");
}

function startWatchdog(script: string) {
  const watchdog = spawn(process.execPath, [wranglerWatchdog, process.execPath, "-e", script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  const exited = new Promise<string>((done) => watchdog.on("exit", (code, signal) => done(signal ? `signal ${signal}` : `code ${code}`)));
  const group = watchdog.pid;
  if (group === undefined) throw new Error("the watchdog did not start");
  const members = () => allProcesses().filter((p) => p.pgid === group);
  return { watchdog, exited, members };
}

/** Waits until the group has `count` members (the watchdog, "wrangler", "workerd"). */
async function until(members: () => unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (members().length !== count) {
    if (Date.now() > deadline) throw new Error(`the group has ${members().length} members, not ${count}`);
    await sleep(50);
  }
}

/** Seconds until the group is empty (or throws after `withinMs`). */
async function emptied(members: () => unknown[], since: number, withinMs: number): Promise<number> {
  while (members().length > 0) {
    if (Date.now() - since > withinMs) throw new Error(`after ${withinMs} ms the group still has ${members().length} members`);
    await sleep(50);
  }
  return (Date.now() - since) / 1000;
}

describe.skipIf(!hasProcfs)("wrangler's watchdog", () => {
  it("its launcher gone, it kills a wrangler and a workerd that ignore SIGTERM after the grace period", { timeout: 20_000 }, async () => {
    const { watchdog, members } = startWatchdog(fakeWrangler({ wranglerOnTerm: "ignore", workerdIgnoresTerm: true }));
    await until(members, 3);
    const since = Date.now();
    watchdog.stdin.destroy(); // what the kernel does to the pipe when the launcher dies
    const seconds = await emptied(members, since, 9_000);
    expect(seconds).toBeGreaterThanOrEqual(4.5); // it did give wrangler its grace period
  });

  it("its launcher gone, a wrangler that stops on SIGTERM takes its stubborn workerd along at once", { timeout: 20_000 }, async () => {
    const { watchdog, members } = startWatchdog(fakeWrangler({ wranglerOnTerm: "exit", workerdIgnoresTerm: true }));
    await until(members, 3);
    const since = Date.now();
    watchdog.stdin.destroy();
    expect(await emptied(members, since, 3_000)).toBeLessThan(3);
  });

  it("forwards the launcher's SIGINT, exits with wrangler's code, and SIGTERMs what wrangler left", { timeout: 20_000 }, async () => {
    const { watchdog, exited, members } = startWatchdog(fakeWrangler({ wranglerOnTerm: "ignore", workerdIgnoresTerm: false }));
    await until(members, 3);
    const since = Date.now();
    watchdog.kill("SIGINT");
    expect(await exited).toBe("code 3");
    expect(await emptied(members, since, 3_000)).toBeLessThan(3);
  });
});
