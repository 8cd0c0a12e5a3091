#!/usr/bin/env node
// The leader of `wrangler dev`'s process group (scripts/wrangler-process.mjs spawns it detached):
// runs `node <wrangler cli> dev ...` as its child, in its own group, and makes sure that nothing of
// that group outlives the process that launched it.
//
// Why: wrangler runs in a process group of its own so a terminal's Ctrl-C reaches only the
// launcher (which then stops wrangler in order). That also means nothing reaches wrangler when the
// launcher dies without cleaning up (SIGKILL, a crash, the OOM killer): wrangler and workerd kept
// serving the port and holding the state folder. The launcher holds the write end of this
// process's stdin and never writes; the kernel closes it however the launcher ends, and the EOF
// is this process's cue to stop wrangler (SIGTERM), then SIGKILL the whole group once wrangler has
// exited, or after a grace period if it has not.
//
// Signals: SIGINT/SIGTERM/SIGHUP sent to this process are forwarded to wrangler (the launcher's
// orderly stop). When wrangler exits, whatever is left of the group (workerd) gets SIGTERM, and
// this process exits the way wrangler did (same code, or the same signal).
//
// Usage: node wrangler-watchdog.mjs <command> [args...]   (stdin: the lifeline pipe)
// Plain ESM on node: built-ins only.
import { spawn } from "node:child_process";
import { constants } from "node:os";

/** How long wrangler gets to stop after its launcher died, before the group is killed. */
const ORPHAN_GRACE_MS = 5_000;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write("usage: wrangler-watchdog.mjs <command> [args...]\n");
  process.exit(2);
}

// This process is the group's leader (spawned detached), so the group id is its pid.
const group = -process.pid;
const signalGroup = (signal) => {
  try {
    process.kill(group, signal);
  } catch {
    // the group is already empty
  }
};

// Once the launcher is gone, writing to the inherited stdout/stderr pipes fails with EPIPE; such
// an error must not end this process before it has stopped wrangler.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
let exiting = false;

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (!exiting) child.kill(signal);
  });
}

let orphaned = false;
const onLauncherGone = () => {
  if (orphaned || exiting) return;
  orphaned = true;
  child.kill("SIGTERM");
  // Not unref'd: this process must live until wrangler exits or the group is killed.
  setTimeout(() => signalGroup("SIGKILL"), ORPHAN_GRACE_MS);
};
process.stdin.on("end", onLauncherGone);
process.stdin.on("close", onLauncherGone);
process.stdin.on("error", onLauncherGone);
process.stdin.resume();

child.on("error", (error) => {
  process.stderr.write(`[watchdog] could not start ${command}: ${error.message}\n`);
  exiting = true;
  process.exit(127);
});

child.on("exit", (code, signal) => {
  exiting = true;
  // Orphaned, nobody waits for this process's exit status: end whatever is left of the group
  // (this process included) for certain, even a workerd that would ignore SIGTERM.
  if (orphaned) signalGroup("SIGKILL");
  // workerd is wrangler's child in this group; none of it may outlive wrangler. This process
  // receives the SIGTERM too and ignores it (its handler checks `exiting`).
  signalGroup("SIGTERM");
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    // A signal whose default action does not end the process: exit the shell's way.
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
    return;
  }
  process.exit(code ?? 1);
});
