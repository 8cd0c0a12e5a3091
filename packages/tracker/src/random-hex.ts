/** Fills a byte array with random values (`crypto.getRandomValues` in the browser). */
export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

/** `byteCount` random bytes as lowercase hex, two digits a byte. */
export function randomHex(randomBytes: RandomBytes, byteCount: number): string {
  return Array.from(randomBytes(new Uint8Array(byteCount)), (byte) => (byte + 0x100).toString(16).slice(1)).join("");
}
