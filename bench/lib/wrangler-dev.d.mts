// Types for the parts of wrangler-dev.mjs (plain ESM, so `npm run bench` needs no build) that
// TypeScript callers use: tests/support/load.ts starts its stack from a patched config copy.

/** Reads a wrangler config (JSONC/JSON) as its raw object with wrangler's own parser. */
export declare function readRawWranglerConfig(configPath: string): Promise<Record<string, unknown>>;

/**
 * Writes a temporary copy of a wrangler config, changed by `patch`, next to the original (named
 * `.bench-wrangler-<pid>-<label>.jsonc`, gitignored); `remove()` deletes it (also done at exit).
 */
export declare function writeTemporaryConfig<Raw = Record<string, unknown>>(
  configPath: string,
  patch: (raw: Raw) => void,
  label: string,
): Promise<{ path: string; remove: () => void }>;
