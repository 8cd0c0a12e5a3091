// The precompiled thunks (fix 4) are generated per @duckdb/duckdb-wasm version: an upgrade without
// regenerating them would fail only in workerd, at the first query. This fails first, with the
// command to run.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { installedDuckDBWasmVersion } from "../scripts/node-duckdb.ts";
import { thunkKey } from "../src/thunk-key.ts";
import { REGENERATE_THUNKS } from "../src/workerd-fixes.ts";
import manifest from "../generated/thunks.json";

const generated = (path: string) => fileURLToPath(new URL(`../generated/${path}`, import.meta.url));

describe("generated thunks", () => {
  it("were generated from the installed @duckdb/duckdb-wasm", () => {
    const installed = installedDuckDBWasmVersion();
    expect(
      manifest.duckdbWasmVersion,
      `generated/ is stamped ${manifest.duckdbWasmVersion} but @duckdb/duckdb-wasm ${installed} is installed: run \`${REGENERATE_THUNKS}\``,
    ).toBe(installed);
  });

  it("hold each thunk's bytes under the key of those bytes", () => {
    expect(manifest.thunks.length).toBeGreaterThan(0);
    for (const thunk of manifest.thunks) {
      expect(existsSync(generated(thunk.file)), `${thunk.file} is missing: run \`${REGENERATE_THUNKS}\``).toBe(true);
      const bytes = new Uint8Array(readFileSync(generated(thunk.file)));
      expect(thunkKey(bytes)).toBe(thunk.key);
      expect(Buffer.from(bytes).toString("base64")).toBe(thunk.base64);
      // Every capture so far came from start-up: none depends on the queries run.
      expect(thunk.phase).toBe("instantiate");
    }
  });

  it("are indexed by generated/thunks.ts with the same stamp and keys", () => {
    const index = readFileSync(generated("thunks.ts"), "utf8");
    expect(index).toContain(`export const THUNKS_DUCKDB_WASM_VERSION = ${JSON.stringify(manifest.duckdbWasmVersion)};`);
    const keys = [...index.matchAll(/^ {2}\["([0-9a-f]{16}-\d+)", thunk\d+\],$/gm)].map((match) => match[1]);
    expect(keys).toEqual(manifest.thunks.map((thunk) => thunk.key));
    for (const thunk of manifest.thunks) expect(index).toContain(`from "./${thunk.file}";`);
  });
});
