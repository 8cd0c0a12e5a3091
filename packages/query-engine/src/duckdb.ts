// The engine in a Worker: DuckDB-WASM's blocking build and duckdb-eh.wasm bundled with the
// Worker, instantiated on first use (a Worker's global scope must finish within 1 s; this takes
// ~0.5 s) and kept for the isolate's life.
import duckdbWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm";
import { THUNKS, THUNKS_DUCKDB_WASM_VERSION } from "../generated/thunks.ts";
import { type ConfigurableSqlEngine, createSqlEngine, type EngineOptions } from "./engine.ts";
import { EngineError } from "./engine-error.ts";
import { type BlockingBuild, instantiateDuckDB } from "./instantiate.ts";
import type { SqlEngine } from "./sql-engine.ts";

/** The isolate's engine (or its start-up), shared by every request of the isolate. */
let current: Promise<ConfigurableSqlEngine> | undefined;

async function start(options: EngineOptions): Promise<ConfigurableSqlEngine> {
  let duckdb;
  try {
    duckdb = await instantiateDuckDB({
      // A dynamic import, so the 1.1 MB of glue is evaluated here (with fix 5 in place), not at
      // global scope. The specifier is aliased to the browser build (fix 1).
      load: async () => (await import("@duckdb/duckdb-wasm/blocking")) as unknown as BlockingBuild,
      wasm: duckdbWasm,
      thunks: THUNKS,
      thunksVersion: THUNKS_DUCKDB_WASM_VERSION,
    });
  } catch (error) {
    throw new EngineError("internal", `DuckDB-WASM did not start: ${error instanceof Error ? error.message : String(error)}`, {
      statement: "openDuckDB",
      cause: error,
    });
  }
  return createSqlEngine(duckdb, options, function forgetBrokenEngine() {
    current = undefined;
  });
}

/**
 * The isolate's SQL engine (DuckDB-WASM), instantiated on the first call and shared by every
 * later one in the isolate (concurrent first calls share one start-up). `options` apply to the
 * shared engine on every call. A failed start-up is not cached: the next call tries again; an
 * engine that failed internally (a trap) is replaced by a fresh one on the next call. Rejects
 * with `EngineError` kind `internal` when DuckDB cannot start.
 * @example
 * const engine = await openDuckDB({ memoryLimit: "64MB" });
 * await engine.insertArrow("page_views", lake.ipc);
 * const rows = await engine.query<{ n: number }>("SELECT count(*) AS n FROM page_views WHERE project_id = ?", [projectId]);
 */
export async function openDuckDB(options: EngineOptions = {}): Promise<SqlEngine> {
  const starting = (current ??= start(options));
  let engine: ConfigurableSqlEngine;
  try {
    engine = await starting;
  } catch (error) {
    if (current === starting) current = undefined;
    throw error;
  }
  engine.configure(options);
  return engine;
}
