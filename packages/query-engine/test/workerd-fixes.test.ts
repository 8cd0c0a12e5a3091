// Each workerd fix on its own, in Node (workers/api/test/engine.test.ts proves them in workerd,
// where the runtime's refusals are real).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import manifest from "../generated/thunks.json";
import { thunkKey } from "../src/thunk-key.ts";
import {
  answerThunksFrom,
  blockingBuildAlias,
  DUCKDB_BLOCKING_BUILD,
  DUCKDB_BLOCKING_SPECIFIER,
  hideNodeVersion,
  instantiateFromModule,
  PLACEHOLDER_LOCATION,
  provideLocation,
  provideSetImmediate,
  REGENERATE_THUNKS,
} from "../src/workerd-fixes.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/** `new WebAssembly.Module(bytes)` as the glue calls it: through the global at call time. */
function compile(bytes: BufferSource): WebAssembly.Module {
  const Module = WebAssembly.Module as unknown as new (source: BufferSource) => WebAssembly.Module;
  return new Module(bytes);
}

/** A captured thunk: imports `e.f`, exports `f` (a JS function turned into a wasm table entry). */
const thunk = manifest.thunks[0]!;
const thunkBytes = () => Uint8Array.from(Buffer.from(thunk.base64, "base64"));

describe("fix 1: the blocking build alias", () => {
  it("points the ./blocking specifier at the browser build the package ships", () => {
    const alias = blockingBuildAlias(root);
    expect(Object.keys(alias)).toEqual([DUCKDB_BLOCKING_SPECIFIER]);
    expect(existsSync(alias[DUCKDB_BLOCKING_SPECIFIER]!)).toBe(true);
  });

  it("is needed: the package's ./blocking import names a file it does not ship", () => {
    const pkg = JSON.parse(readFileSync(`${root}node_modules/@duckdb/duckdb-wasm/package.json`, "utf8")) as {
      exports: Record<string, { import?: string }>;
    };
    const target = pkg.exports["./blocking"]?.import;
    expect(target).toBeDefined();
    // When an upgrade ships it, the alias (and this fix) can go.
    expect(existsSync(`${root}node_modules/@duckdb/duckdb-wasm/${target}`)).toBe(false);
  });

  it("is the same in wrangler-api.toml and in the vitest pool's resolve.alias", () => {
    const toml = readFileSync(`${root}wrangler-api.toml`, "utf8");
    expect(toml).toContain(`[alias]\n"${DUCKDB_BLOCKING_SPECIFIER}" = "./${DUCKDB_BLOCKING_BUILD}"`);
    expect(blockingBuildAlias(".")[DUCKDB_BLOCKING_SPECIFIER]).toBe(`./${DUCKDB_BLOCKING_BUILD}`);
    expect(readFileSync(`${root}vitest.config.ts`, "utf8")).toMatch(/resolve: \{ alias: blockingBuildAlias\(/);
  });
});

describe("fix 2: instantiateWasm from the imported module", () => {
  it("instantiates synchronously, reports the instance and module, returns the exports and sets DUCKDB_RUNTIME", () => {
    const module = compile(thunkBytes());
    const runtime = { name: "runtime" };
    const success = vi.fn();
    const hook = instantiateFromModule(module, runtime);
    const exports = hook({ e: { f: () => {} } }, success);
    expect(typeof exports.f).toBe("function");
    expect(success).toHaveBeenCalledOnce();
    expect(success.mock.calls[0]?.[1]).toBe(module);
    expect((success.mock.calls[0]?.[0] as WebAssembly.Instance).exports).toBe(exports);
    expect((globalThis as { DUCKDB_RUNTIME?: unknown }).DUCKDB_RUNTIME).toBe(runtime);
  });
});

describe("fix 3: location and setImmediate", () => {
  it("gives a scope without location one until restored", () => {
    const scope: { location?: { href: string } } = {};
    const restore = provideLocation(scope);
    expect(scope.location?.href).toBe(PLACEHOLDER_LOCATION);
    restore();
    expect("location" in scope).toBe(false);
  });

  it("leaves an existing location alone", () => {
    const location = { href: "https://example.com/" };
    const scope = { location };
    provideLocation(scope)();
    expect(scope.location).toBe(location);
  });

  it("gives a scope without setImmediate one that runs the callback with its arguments", async () => {
    const scope: { setImmediate?: (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown } = {};
    provideSetImmediate(scope);
    const seen = await new Promise((resolve) => scope.setImmediate!(resolve, "ran"));
    expect(seen).toBe("ran");
  });

  it("keeps an existing setImmediate", () => {
    const own = () => {};
    const scope = { setImmediate: own };
    provideSetImmediate(scope);
    expect(scope.setImmediate).toBe(own);
  });
});

describe("fix 4: precompiled thunks", () => {
  it("answers new WebAssembly.Module, compile and instantiate from the index, and restores the real API", async () => {
    const precompiled = compile(thunkBytes());
    const index = new Map([[thunk.key, precompiled]]);
    const real = { Module: WebAssembly.Module, compile: WebAssembly.compile, instantiate: WebAssembly.instantiate };
    const restore = answerThunksFrom(index);
    try {
      const module = compile(thunkBytes());
      expect(module).toBe(precompiled);
      expect(module instanceof WebAssembly.Module).toBe(true);
      // Static helpers stay reachable (the glue reads the main module's custom sections).
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: "e", name: "f", kind: "function" }]);
      expect(await WebAssembly.compile(thunkBytes())).toBe(precompiled);
      const { module: instantiated } = (await WebAssembly.instantiate(thunkBytes(), { e: { f: () => {} } })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
      expect(instantiated).toBe(precompiled);
      // Bytes that are no thunk compile as usual where the runtime allows it (Node).
      const other = compile(Uint8Array.from(Buffer.from(manifest.thunks[1]!.base64, "base64")));
      expect(other).not.toBe(precompiled);
    } finally {
      restore();
    }
    expect(WebAssembly.Module).toBe(real.Module);
    expect(WebAssembly.compile).toBe(real.compile);
    expect(WebAssembly.instantiate).toBe(real.instantiate);
  });

  it("names the regeneration command when unknown bytes cannot be compiled (as in workerd)", () => {
    const refusing = {
      Module: function Module() {
        throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
      },
      compile: () => Promise.reject(new Error("unused")),
      instantiate: () => Promise.reject(new Error("unused")),
    };
    const restore = answerThunksFrom(new Map(), refusing);
    const Replaced = refusing.Module as unknown as new (bytes: BufferSource) => unknown;
    expect(() => new Replaced(thunkBytes())).toThrow(`${thunkKey(thunkBytes())}) that the precompiled thunk index lacks`);
    expect(() => new Replaced(thunkBytes())).toThrow(REGENERATE_THUNKS);
    restore();
  });
});

describe("fix 5: hiding process.versions.node", () => {
  it("hides only the node version until restored", () => {
    const before = process.versions;
    const restore = hideNodeVersion();
    try {
      expect(process.versions.node).toBeUndefined();
      expect(process.versions.v8).toBe(before.v8);
    } finally {
      restore();
    }
    expect(process.versions).toBe(before);
    expect(typeof process.versions.node).toBe("string");
  });

  it("does nothing where there is no process (a Worker without nodejs_compat)", () => {
    const scope = {};
    hideNodeVersion(scope)();
    expect(scope).toEqual({});
  });
});
