// The key under which a precompiled wasm thunk is found: computed from its bytes at build time
// (scripts/build-thunks.ts) and again at run time in workerd, where it must be synchronous
// (`crypto.subtle.digest` is not) and cheap (the thunks are 30-40 bytes each).

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/**
 * `<FNV-1a 64-bit hex>-<byte length>` of a wasm module's bytes: the index key of a precompiled
 * thunk (see `generated/thunks.ts`). 64 bits over a few dozen known modules leaves no practical
 * room for a collision; the build script also refuses one.
 * @example thunkKey(new Uint8Array([0, 97, 115, 109])) // "…-4"
 */
export function thunkKey(bytes: Uint8Array): string {
  let hash = FNV64_OFFSET;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV64_PRIME) & MASK64;
  return `${hash.toString(16).padStart(16, "0")}-${bytes.byteLength}`;
}

/** The bytes of whatever a WebAssembly API was handed (a view or a buffer), or undefined for anything else. */
export function bytesOf(source: unknown): Uint8Array | undefined {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return undefined;
}
