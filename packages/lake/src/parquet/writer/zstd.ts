// Zstandard compression for Parquet pages, from the C library compiled to wasm by
// @foxglove/wasm-zstd. The package's own loader fetches or reads its .wasm by path, which workerd
// forbids (code must be compiled at upload), so the module is instantiated here from a
// WebAssembly.Module the Worker imports, or from the bytes in Node. The import and export names
// below are those of the package's emscripten build (pinned in package.json and the lockfile);
// zstd.test.ts fails loudly if an upgrade renames them.

interface ZstdExports {
  /** Linear memory. */
  readonly c: WebAssembly.Memory;
  /** Static constructors; run once after instantiation. */
  readonly d: () => void;
  readonly f: (size: number) => number;
  readonly g: (pointer: number) => void;
  /** ZSTD_compressBound(srcSize). */
  readonly h: (size: number) => number;
  /** ZSTD_compress(dst, dstCapacity, src, srcSize, level): compressed size, or an error code. */
  readonly i: (destination: number, capacity: number, source: number, size: number, level: number) => number;
}

let zstd: ZstdExports | undefined;

function instantiate(module: WebAssembly.Module): ZstdExports {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    a: {
      // emscripten_resize_heap(requestedSize): grow the memory to at least that many bytes.
      a: (requested: number): number => {
        if (!memory) return 0;
        const missing = (requested >>> 0) - memory.buffer.byteLength;
        try {
          if (missing > 0) memory.grow(Math.ceil(missing / 65536));
          return 1;
        } catch {
          return 0;
        }
      },
      // emscripten_memcpy_big(dest, src, num)
      b: (destination: number, source: number, length: number): void => {
        if (memory) new Uint8Array(memory.buffer).copyWithin(destination, source, source + length);
      },
    },
  };
  const exports = new WebAssembly.Instance(module, imports).exports as unknown as ZstdExports;
  for (const name of ["c", "d", "f", "g", "h", "i"] as const) {
    if (exports[name] === undefined) throw new Error(`@foxglove/wasm-zstd: the wasm module has no export "${name}"; was the package upgraded?`);
  }
  memory = exports.c;
  exports.d();
  return exports;
}

/**
 * Instantiates the zstd compressor once per isolate; later calls do nothing. In a Worker pass the
 * module imported with `import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm"`; in Node
 * pass the bytes of that file.
 * @example initZstd(readFileSync(require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")))
 */
export function initZstd(source: WebAssembly.Module | BufferSource): void {
  if (zstd) return;
  // Workers' types declare WebAssembly.Module abstract (workerd refuses to compile at run time);
  // in Node, where the tests pass bytes, it is the usual constructor.
  const compile = WebAssembly.Module as unknown as new (bytes: BufferSource) => WebAssembly.Module;
  zstd = instantiate(source instanceof WebAssembly.Module ? source : new compile(source));
}

/** Whether {@link initZstd} has run in this isolate. */
export function isZstdInitialised(): boolean {
  return zstd !== undefined;
}

/** Throws unless {@link initZstd} has run, naming what needed it. */
export function assertZstdInitialised(operation: string): void {
  if (!zstd) {
    throw new Error(
      `${operation}: the zstd compressor is not initialised; call initZstd(module) once first ` +
        `(in a Worker with the module imported from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm")`,
    );
  }
}

/**
 * Measured on 25k realistic page views (the sink's file size): level 1 gave 27.44 B/row, level 3
 * 27.53 B/row in the same time, level 6 27.25 B/row at 1.7x the encode time. The pages are
 * already dictionary- and delta-encoded, so there is little left for a higher level to find.
 */
export const ZSTD_LEVEL = 1;

/**
 * One zstd frame of `input`, in a new array. The compressor's scratch buffers are allocated per
 * call and freed before it returns, so the wasm memory stays at the size of the largest page.
 */
export function zstdCompress(input: Uint8Array, level = ZSTD_LEVEL): Uint8Array {
  const z = zstd;
  if (!z) throw new Error("zstdCompress: call initZstd(module) first");
  const capacity = z.h(input.length);
  const source = z.f(input.length);
  const destination = z.f(capacity);
  try {
    if (source === 0 || destination === 0) throw new Error(`zstd: out of memory compressing ${input.length} bytes`);
    new Uint8Array(z.c.buffer, source, input.length).set(input);
    const size = z.i(destination, capacity, source, input.length, level);
    // ZSTD error codes are the largest size_t values, i.e. negative as a wasm32 i32.
    if (size < 0 || size > capacity) throw new Error(`zstd: compression failed (code ${size})`);
    return new Uint8Array(z.c.buffer, destination, size).slice();
  } finally {
    z.g(source);
    z.g(destination);
  }
}
