// Types for wrangler-process.mjs (plain ESM so it runs before anything is built), for TypeScript
// callers such as tests/global-setup.ts.
import type { ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** The repository root. */
export declare const repoRoot: string;
/** The pinned Node (node_modules/.bin/node). */
export declare const pinnedNode: string;
/** wrangler's real entry point, node_modules/wrangler/wrangler-dist/cli.js. */
export declare const wranglerCli: string;

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export declare function freePort(): Promise<number>;

/** Options of {@link spawnWranglerDev}. */
export interface SpawnWranglerDevOptions {
  /** Arguments after `wrangler dev`. */
  args: string[];
  /** A private dev registry folder (`WRANGLER_REGISTRY_PATH`); default: wrangler's own. */
  registryDir?: string;
  /** Extra environment, applied last. */
  env?: Record<string, string>;
}

/** scripts/wrangler-watchdog.mjs: leads wrangler's process group, stops it when its launcher dies. */
export declare const wranglerWatchdog: string;

/**
 * Spawns `wrangler dev` in its own process group under the watchdog: stdin is the lifeline pipe
 * (never written; closing it, or the caller dying, stops wrangler), stdout/stderr piped.
 */
export declare function spawnWranglerDev(options: SpawnWranglerDevOptions): ChildProcessByStdio<Writable, Readable, Readable>;
