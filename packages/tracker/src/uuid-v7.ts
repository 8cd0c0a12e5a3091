import { type RandomBytes, randomHex } from "./random-hex.ts";

/** rand_a is 12 bits; seeding below half of it leaves room to count up within one millisecond. */
const MAX_SEED = 0x7ff;
const MAX_COUNTER = 0xfff;

/**
 * Makes a UUIDv7 generator (RFC 9562 §5.7: 48 bits of Unix milliseconds, version 7, a 12-bit
 * `rand_a`, variant `10`, 62 random bits). Ids made in the browser stay fixed across retries, so
 * the server counts a resent batch as duplicates instead of twice. Ids sort in creation order
 * within one page: when the clock has not moved on (or went back) the previous millisecond is
 * reused and `rand_a` counts up (RFC 9562 §6.2, method 1).
 *
 * @example
 * const uuidV7 = createUuidV7((bytes) => crypto.getRandomValues(bytes), Date.now);
 * uuidV7(); // "019a1b2c-3d4e-7f00-8a1b-2c3d4e5f6a7b"
 */
export function createUuidV7(randomBytes: RandomBytes, now: () => number): () => string {
  let lastMs = -1;
  let counter = 0;
  return function uuidV7(): string {
    const random = randomHex(randomBytes, 10);
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      counter = parseInt(random.slice(0, 3), 16) & MAX_SEED;
    } else if (++counter > MAX_COUNTER) {
      // Borrowing the next millisecond keeps the order; RFC 9562 §6.2 allows it.
      lastMs++;
      counter = 0;
    }
    const time = lastMs.toString(16).padStart(12, "0");
    const variant = 0x8000 | (parseInt(random.slice(4, 8), 16) & 0x3fff);
    return `${time.slice(0, 8)}-${time.slice(8)}-${(0x7000 | counter).toString(16)}-${variant.toString(16)}-${random.slice(8)}`;
  };
}
