// Instantiates DuckDB-WASM's blocking browser build with the workerd fixes applied for exactly as
// long as each needs, from a wasm module and a thunk index passed in: in workerd the imported
// `duckdb-eh.wasm` and generated/thunks.ts (src/duckdb.ts); in Node a module compiled from the
// file's bytes and an empty index (the tests and scripts/build-thunks.ts, which runs the same
// code to capture the thunks).
import {
  answerThunksFrom,
  hideNodeVersion,
  instantiateFromModule,
  type InstantiateWasmHook,
  provideLocation,
  provideSetImmediate,
  type ThunkIndex,
} from "./workerd-fixes.ts";

/** The members of the blocking build's bindings (`DuckDBBindingsBase`) the engine calls. */
export interface BlockingBindings {
  instantiate(onProgress?: (progress: unknown) => void): Promise<unknown>;
  open(config: Record<string, unknown>): void;
  connect(): { readonly _conn: number };
  runQuery(connection: number, text: string): Uint8Array;
  createPrepared(connection: number, text: string): number;
  runPrepared(connection: number, statement: number, params: readonly unknown[]): Uint8Array;
  closePrepared(connection: number, statement: number): void;
  insertArrowFromIPCStream(connection: number, buffer: Uint8Array, options: { name: string; create: boolean }): void;
  readonly mod: { readonly HEAPU8: Uint8Array };
}

/**
 * The blocking browser build's module namespace, as far as it is used here. Declared here because
 * the package's types for `./blocking` describe the Node build (fix 1 swaps the file).
 */
export interface BlockingBuild {
  readonly PACKAGE_VERSION: string;
  readonly BROWSER_RUNTIME: unknown;
  readonly VoidLogger: new () => unknown;
  createDuckDB(bundles: DuckDBBundles, logger: unknown, runtime: unknown): Promise<unknown>;
}

interface DuckDBBundles {
  mvp: { mainModule: string; mainWorker: string };
  eh: { mainModule: string; mainWorker: string };
}

/**
 * Names, not URLs: the module is instantiated from memory (fix 2), so these only tell which
 * bundle `createDuckDB` chose. It picks `eh` when the runtime supports wasm exceptions; the module
 * passed in is `duckdb-eh.wasm`, whose glue is the `eh` one.
 */
const BUNDLES: DuckDBBundles = {
  mvp: { mainModule: "duckdb-mvp.wasm", mainWorker: "" },
  eh: { mainModule: "duckdb-eh.wasm", mainWorker: "" },
};

/** What {@link instantiateDuckDB} needs; every part is passed in. */
export interface DuckDBSources {
  /** Imports the blocking build (a dynamic import: evaluating it is part of the work, fix 5). */
  readonly load: () => Promise<BlockingBuild>;
  /** `duckdb-eh.wasm`, compiled. */
  readonly wasm: WebAssembly.Module;
  /** Precompiled thunks (fix 4); empty where the runtime may compile (Node). */
  readonly thunks: ThunkIndex;
  /** Version the thunk index was generated for; checked against the build when given. */
  readonly thunksVersion?: string;
}

/** An instantiated, opened DuckDB and how to call into it safely. */
export interface InstantiatedDuckDB {
  readonly bindings: BlockingBindings;
  readonly version: string;
  /**
   * Runs `call` with the thunk index answering wasm compilations (fix 4): emscripten may build a
   * thunk lazily the first time a signature is used. Calls are synchronous, so nothing else runs
   * while the replacement is installed.
   */
  readonly guard: <T>(call: () => T) => T;
}

/**
 * Imports and instantiates the blocking build from `sources` with the workerd fixes, and opens
 * an in-memory database with one thread and DECIMAL/HUGEINT results cast to DOUBLE.
 * @example const duckdb = await instantiateDuckDB({ load: () => import("@duckdb/duckdb-wasm/blocking"), wasm, thunks: THUNKS });
 */
export async function instantiateDuckDB(sources: DuckDBSources): Promise<InstantiatedDuckDB> {
  provideSetImmediate();
  const restores = [provideLocation(), hideNodeVersion(), answerThunksFrom(sources.thunks)];
  try {
    const build = await sources.load();
    if (sources.thunksVersion !== undefined && sources.thunksVersion !== build.PACKAGE_VERSION) {
      throw new Error(
        `the precompiled thunks are for @duckdb/duckdb-wasm ${sources.thunksVersion}, the build is ${build.PACKAGE_VERSION}: run \`node packages/query-engine/scripts/build-thunks.ts\``,
      );
    }
    const bindings = (await build.createDuckDB(BUNDLES, new build.VoidLogger(), build.BROWSER_RUNTIME)) as BlockingBindings & {
      mainModuleURL?: string;
      instantiateWasm: InstantiateWasmHook;
    };
    if (bindings.mainModuleURL !== BUNDLES.eh.mainModule) {
      throw new Error(`DuckDB-WASM chose the ${String(bindings.mainModuleURL)} bundle: this runtime lacks wasm exception handling`);
    }
    // The bindings pass `this.instantiateWasm.bind(this)` to emscripten, so an own property wins.
    bindings.instantiateWasm = instantiateFromModule(sources.wasm, build.BROWSER_RUNTIME);
    await bindings.instantiate();
    bindings.open({ maximumThreads: 1, query: { castDecimalToDouble: true } });
    const thunks = sources.thunks;
    return {
      bindings,
      version: build.PACKAGE_VERSION,
      guard: function withThunks<T>(call: () => T): T {
        const restore = answerThunksFrom(thunks);
        try {
          return call();
        } finally {
          restore();
        }
      },
    };
  } finally {
    for (const restore of restores.reverse()) restore();
  }
}
