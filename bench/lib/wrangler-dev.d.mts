// Types for the parts of wrangler-dev.mjs (plain ESM, so `npm run bench` needs no build) that
// TypeScript callers use: tests/support/load.ts starts its stack from a patched config copy
// and reads the stack's CPU time.

/** Reads a wrangler config (JSONC/JSON) as its raw object with wrangler's own parser. */
export declare function readRawWranglerConfig(configPath: string): Promise<Record<string, unknown>>;

/** CPU seconds (user + system) used so far by a process and all its descendants (Linux /proc). */
export declare function processTreeCpuSeconds(pid: number): number;
