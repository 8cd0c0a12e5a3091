// The five fixes that let DuckDB-WASM's blocking browser build (dist/duckdb-browser-blocking.mjs
// with duckdb-eh.wasm) run in workerd, as measured for
// @duckdb/duckdb-wasm 1.32.0. Each is a named function with its own test
// (test/workerd-fixes.test.ts in Node, workers/api/test/engine.test.ts in workerd); each function
// that changes a global returns the function that puts it back, so the changes last only as long
// as DuckDB needs them. src/instantiate.ts applies them in order.
import { bytesOf, thunkKey } from "./thunk-key.ts";

// ---------------------------------------------------------------------------------------------
// Fix 1: the `./blocking` export points to a file the package does not ship.
// ---------------------------------------------------------------------------------------------

/** The specifier the engine imports the blocking build under. */
export const DUCKDB_BLOCKING_SPECIFIER = "@duckdb/duckdb-wasm/blocking";

/**
 * Where the blocking browser build really is, relative to the repository root (hoisted
 * node_modules). The package's `exports["./blocking"].import` names
 * `dist/duckdb-node-blocking.mjs`, which 1.32.0 does not ship, and the browser build is not
 * exported at all, so bundlers need an alias.
 */
export const DUCKDB_BLOCKING_BUILD = "node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser-blocking.mjs";

/**
 * Fix 1: the bundler alias from {@link DUCKDB_BLOCKING_SPECIFIER} to the blocking browser build.
 * wrangler-api.toml's `[alias]` holds the same entry (with `root` = "."); the vitest pool does not
 * apply wrangler's `alias`, so vitest.config.ts passes this as `resolve.alias`.
 * @example blockingBuildAlias("/repo") // { "@duckdb/duckdb-wasm/blocking": "/repo/node_modules/…/duckdb-browser-blocking.mjs" }
 */
export function blockingBuildAlias(root: string): Record<string, string> {
  return { [DUCKDB_BLOCKING_SPECIFIER]: `${root.replace(/\/+$/, "")}/${DUCKDB_BLOCKING_BUILD}` };
}

// ---------------------------------------------------------------------------------------------
// Fix 2: instantiate the imported wasm module instead of fetching and compiling it.
// ---------------------------------------------------------------------------------------------

/** Emscripten's `Module.instantiateWasm` hook. */
export type InstantiateWasmHook = (
  imports: WebAssembly.Imports,
  success: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
) => WebAssembly.Exports;

/**
 * Fix 2: an `instantiateWasm` override that instantiates `module` (the `duckdb-eh.wasm` the Worker
 * imports, compiled by workerd at upload: compiling at run time is forbidden) synchronously.
 * It also sets `globalThis.DUCKDB_RUNTIME`, which the browser build's own override sets before
 * fetching and which every file-system import of the wasm calls.
 */
export function instantiateFromModule(module: WebAssembly.Module, runtime: unknown): InstantiateWasmHook {
  return function instantiateDuckDBWasm(imports, success) {
    (globalThis as { DUCKDB_RUNTIME?: unknown }).DUCKDB_RUNTIME = runtime;
    const instance = new WebAssembly.Instance(module, imports);
    success(instance, module);
    return instance.exports;
  };
}

// ---------------------------------------------------------------------------------------------
// Fix 3: workerd has no `self.location` and (without nodejs_compat) no `setImmediate`.
// ---------------------------------------------------------------------------------------------

/** The URL the emscripten glue takes as its script directory; nothing is ever fetched from it. */
export const PLACEHOLDER_LOCATION = "https://duckdb-wasm.invalid/";

/**
 * Fix 3a: gives `scope` a `location` while the emscripten factory runs. workerd defines
 * `WorkerGlobalScope`, so the glue believes it is in a Web Worker and reads `self.location.href`
 * for its script directory. Returns the function that removes it again, so libraries that sniff
 * `location` for a browser do not see one afterwards.
 */
export function provideLocation(scope: object = globalThis): () => void {
  const target = scope as { location?: unknown };
  if (target.location !== undefined) return function keepLocation() {};
  Object.defineProperty(target, "location", { value: { href: PLACEHOLDER_LOCATION }, configurable: true, writable: true });
  return function removeLocation() {
    delete target.location;
  };
}

/**
 * Fix 3b: gives `scope` a `setImmediate` (on `setTimeout(…, 0)`) when it has none, as in a
 * production Worker without nodejs_compat. Without it the glue picks a `postMessage` scheduler
 * and registers a `message` listener, which a module Worker cannot do. It stays installed: the
 * glue calls the global by name whenever it schedules, long after start-up.
 */
export function provideSetImmediate(scope: object = globalThis): void {
  const target = scope as { setImmediate?: unknown };
  if (typeof target.setImmediate === "function") return;
  Object.defineProperty(target, "setImmediate", {
    value: function setImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]) {
      return setTimeout(callback, 0, ...args);
    },
    configurable: true,
    writable: true,
  });
}

// ---------------------------------------------------------------------------------------------
// Fix 4: the "JS function to wasm" thunks, precompiled.
// ---------------------------------------------------------------------------------------------

/** Precompiled thunk modules by {@link thunkKey} of their bytes (generated/thunks.ts). */
export type ThunkIndex = ReadonlyMap<string, WebAssembly.Module>;

/** The command that regenerates the thunk index, named in every error about it. */
export const REGENERATE_THUNKS = "node packages/query-engine/scripts/build-thunks.ts";

/** Thunks are 30-40 bytes; anything this large is a real module and is never looked up. */
const MAX_THUNK_BYTES = 4096;

/** The slice of the WebAssembly namespace fix 4 replaces; typed loosely because Workers' types declare `Module` abstract. */
interface WasmCompileApi {
  Module: new (bytes: BufferSource) => WebAssembly.Module;
  compile: (bytes: BufferSource) => Promise<WebAssembly.Module>;
  instantiate: (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<unknown>;
}

function lookUp(index: ThunkIndex, source: unknown): WebAssembly.Module | undefined {
  const bytes = bytesOf(source);
  if (!bytes || bytes.byteLength > MAX_THUNK_BYTES) return undefined;
  return index.get(thunkKey(bytes));
}

function missingThunk(source: unknown, error: unknown): Error {
  const bytes = bytesOf(source);
  const key = bytes && bytes.byteLength <= MAX_THUNK_BYTES ? ` (${thunkKey(bytes)})` : "";
  return new Error(
    `DuckDB-WASM compiled a wasm module at run time${key} that the precompiled thunk index lacks, and this runtime forbids compiling: run \`${REGENERATE_THUNKS}\``,
    { cause: error },
  );
}

/**
 * Fix 4: answers `new WebAssembly.Module(bytes)`, `WebAssembly.compile(bytes)` and
 * `WebAssembly.instantiate(bytes)` from `index` when the bytes are a known thunk. Emscripten
 * builds one tiny module per signature of JS function it puts in the wasm table ("JS function to
 * wasm"), which workerd refuses (`Wasm code generation disallowed by embedder`); the build script
 * captured them in Node. Unknown bytes go to the real API; where that fails, the error names the
 * regeneration command. Returns the function that restores the real API.
 */
export function answerThunksFrom(index: ThunkIndex, scope: object = WebAssembly): () => void {
  const wasm = scope as WasmCompileApi;
  const original = { Module: wasm.Module, compile: wasm.compile, instantiate: wasm.instantiate };

  function Module(bytes: BufferSource): WebAssembly.Module {
    const hit = lookUp(index, bytes);
    if (hit) return hit;
    try {
      return new original.Module(bytes);
    } catch (error) {
      throw missingThunk(bytes, error);
    }
  }
  // `instanceof WebAssembly.Module` and the static helpers (`customSections`, used on the main
  // module) must keep working while the replacement is installed.
  Module.prototype = original.Module.prototype;
  Object.setPrototypeOf(Module, original.Module);

  wasm.Module = Module as unknown as WasmCompileApi["Module"];
  wasm.compile = function compile(bytes) {
    const hit = lookUp(index, bytes);
    return hit ? Promise.resolve(hit) : original.compile.call(scope, bytes).catch((error: unknown) => Promise.reject(missingThunk(bytes, error)));
  };
  wasm.instantiate = function instantiate(source, imports) {
    const hit = lookUp(index, source);
    if (hit) return Promise.resolve({ module: hit, instance: new WebAssembly.Instance(hit, imports) });
    return original.instantiate.call(scope, source, imports);
  };
  return function restoreWasmCompilation() {
    Object.assign(wasm, original);
  };
}

// ---------------------------------------------------------------------------------------------
// Fix 5: nodejs_compat makes the bundled js-sha256 (at import) and the emscripten glue (at
// instantiation) take their Node paths (`require("crypto")`, `fs`).
// ---------------------------------------------------------------------------------------------

/**
 * Fix 5: hides `process.versions.node` (a copy of `process.versions` without it) until the
 * returned function restores the original. Both js-sha256 and emscripten test
 * `process.versions.node` to decide they run in Node. Does nothing where there is no `process`
 * (a Worker without nodejs_compat). The property is redefined on the `process` object itself, so
 * code that imports `process` (wrangler's nodejs_compat injection) sees the change too.
 */
export function hideNodeVersion(scope: object = globalThis): () => void {
  const processObject = (scope as { process?: unknown }).process;
  if (typeof processObject !== "object" || processObject === null) return function nothingHidden() {};
  const versions = (processObject as { versions?: Record<string, unknown> }).versions;
  if (typeof versions?.node !== "string") return function nothingHidden() {};
  const own = Object.getOwnPropertyDescriptor(processObject, "versions");
  Object.defineProperty(processObject, "versions", {
    value: { ...versions, node: undefined },
    configurable: true,
    enumerable: own?.enumerable ?? true,
    writable: true,
  });
  return function restoreNodeVersion() {
    if (own) Object.defineProperty(processObject, "versions", own);
    else delete (processObject as { versions?: unknown }).versions;
  };
}
