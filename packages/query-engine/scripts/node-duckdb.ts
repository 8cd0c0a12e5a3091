// DuckDB-WASM's blocking browser build in Node, set up as workerd sees it: the build the Worker
// bundles (the package's `./blocking` export names a missing file, fix 1), `duckdb-eh.wasm`
// compiled from its bytes, and the globals workerd has and Node lacks (`WorkerGlobalScope`, so the
// glue takes its Web Worker path, and `self`). Used by scripts/build-thunks.ts to capture the
// thunks and by the Node tests to compare with native DuckDB.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BlockingBuild, type InstantiatedDuckDB, instantiateDuckDB } from "../src/instantiate.ts";
import type { ThunkIndex } from "../src/workerd-fixes.ts";

/** The installed @duckdb/duckdb-wasm's dist folder (its exports map has no `./package.json`). */
export function duckdbWasmDist(): string {
  return dirname(createRequire(import.meta.url).resolve("@duckdb/duckdb-wasm"));
}

/** The installed @duckdb/duckdb-wasm version, from its package.json. */
export function installedDuckDBWasmVersion(): string {
  const manifest = JSON.parse(readFileSync(join(duckdbWasmDist(), "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/** Gives Node the globals workerd has that the emscripten glue looks at. */
function likeWorkerd(): void {
  const scope = globalThis as { WorkerGlobalScope?: unknown; self?: unknown };
  scope.WorkerGlobalScope ??= function WorkerGlobalScope() {};
  scope.self ??= globalThis;
}

/**
 * Instantiates the blocking browser build in Node exactly as src/duckdb.ts does in workerd
 * (instantiateDuckDB with all fixes), from the installed package's files.
 */
export async function instantiateDuckDBInNode(thunks: ThunkIndex = new Map()): Promise<InstantiatedDuckDB> {
  likeWorkerd();
  const dist = duckdbWasmDist();
  // Node's WebAssembly.Module is the usual constructor (Workers' types declare it abstract).
  const compile = WebAssembly.Module as unknown as new (bytes: BufferSource) => WebAssembly.Module;
  const wasm = new compile(readFileSync(join(dist, "duckdb-eh.wasm")));
  const buildUrl = pathToFileURL(join(dist, "duckdb-browser-blocking.mjs")).href;
  return instantiateDuckDB({
    load: async () => (await import(buildUrl)) as BlockingBuild,
    wasm,
    thunks,
  });
}
