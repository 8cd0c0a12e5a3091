// Spawning one `wrangler dev` process, shared by the local stack (scripts/local-stack.mjs), the
// benchmarks (bench/lib/wrangler-dev.mjs) and the e2e producer Worker (tests/global-setup.ts).
// Only the spawning is shared: each caller keeps its own output handling, readiness wait and stop
// sequence (their grace periods and escalation differ on purpose).
//
// Plain ESM on node: built-ins only, so it runs before anything is built.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in scripts/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// wrangler's bin/wrangler.js re-spawns cli.js without forwarding signals, so a SIGINT sent to it
// would orphan the real wrangler (and workerd). Run cli.js directly under the pinned Node 22
// (current wrangler refuses Node < 22.12, and the system Node may be 20).
/** The pinned Node (node_modules/.bin/node); callers that require it check it exists. */
export const pinnedNode = join(repoRoot, "node_modules", ".bin", "node");
/** wrangler's real entry point (not bin/wrangler.js, which does not forward signals). */
export const wranglerCli = join(repoRoot, "node_modules", "wrangler", "wrangler-dist", "cli.js");

/** Resolves with a TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port assigned"))));
    });
  });
}

/** The watchdog that leads wrangler's process group (scripts/wrangler-watchdog.mjs). */
export const wranglerWatchdog = join(repoRoot, "scripts", "wrangler-watchdog.mjs");

/**
 * Spawns `wrangler dev <args>` from the repository root, in its OWN process group (`detached`), so
 * a terminal's Ctrl-C reaches only the caller, which can then stop wrangler in order and signal
 * workerd (wrangler's child, same group) with `process.kill(-child.pid, ...)`.
 *
 * The process spawned is scripts/wrangler-watchdog.mjs, the group's leader, which runs wrangler:
 * signals sent to it (`child.kill("SIGINT")`) reach wrangler, it exits the way wrangler did, and
 * `child.pid` is the group's id. Its stdin is a pipe from the caller that nobody writes to: when
 * the caller dies, even by SIGKILL, the pipe closes and the watchdog stops wrangler and workerd,
 * so no orphan keeps serving the port or holding the state folder. Closing `child.stdin` is thus
 * a stop request too; do not write to it. stdout and stderr (wrangler's) are piped for the caller.
 *
 * @param {{ args: string[], registryDir?: string, env?: Record<string, string> }} options
 *   `args` follow `wrangler dev`; `registryDir` is a private dev registry (`WRANGLER_REGISTRY_PATH`):
 *   separate `wrangler dev` processes that each register e.g. `analytics-ingestion` must not bind
 *   to each other's Workers. `env` is added last (it overrides).
 * @returns {import("node:child_process").ChildProcessByStdio<import("node:stream").Writable, import("node:stream").Readable, import("node:stream").Readable>}
 */
export function spawnWranglerDev({ args, registryDir, env = {} }) {
  // Without the pinned Node (only possible for callers that do not insist on it, the benchmarks)
  // fall back to the Node running us.
  const node = existsSync(pinnedNode) ? pinnedNode : process.execPath;
  return spawn(node, [wranglerWatchdog, node, "--no-warnings", wranglerCli, "dev", ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      // wrangler finds workerd and esbuild, and the pinned Node, through PATH.
      PATH: [join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
      WRANGLER_SEND_METRICS: "false",
      ...(registryDir ? { WRANGLER_REGISTRY_PATH: registryDir } : {}),
      ...env,
    },
  });
}
