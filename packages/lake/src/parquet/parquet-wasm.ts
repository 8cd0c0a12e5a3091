// parquet-wasm's esm build is the only one that runs in workerd (NOTES.md "Parquet and Arrow in
// workerd"): its `/node` and `/bundler` builds load the .wasm themselves, and a bare `init()`
// fetches it by URL. `initSync` instantiates from a module or bytes we hand it, with no I/O.
import { initSync } from "parquet-wasm/esm";

let initialised = false;

/**
 * Instantiates parquet-wasm once per isolate; later calls do nothing, so every entry point may call
 * it. In a Worker pass the module imported with `import wasm from "parquet-wasm/esm/parquet_wasm_bg.wasm"`
 * (workerd compiles it at upload; compiling bytes at run time is forbidden there); in Node pass the
 * bytes of `node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm`.
 * @example initParquetWasm(await readFile(require.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")))
 */
export function initParquetWasm(source: WebAssembly.Module | BufferSource): void {
  if (initialised) return;
  // The object form: a bare argument still works but makes wasm-bindgen log a deprecation warning.
  initSync({ module: source });
  initialised = true;
}

/** Whether {@link initParquetWasm} has run in this isolate. */
export function isParquetWasmInitialised(): boolean {
  return initialised;
}

/** Throws unless {@link initParquetWasm} has run: parquet-wasm's own error would be a bare wasm trap. */
export function assertParquetWasmInitialised(operation: string): void {
  if (!initialised) {
    throw new Error(
      `${operation}: parquet-wasm is not initialised; call initParquetWasm(module) once first ` +
        `(in a Worker with the module imported from "parquet-wasm/esm/parquet_wasm_bg.wasm")`,
    );
  }
}
