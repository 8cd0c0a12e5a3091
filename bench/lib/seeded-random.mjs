// Deterministic random data for benchmarks: the same seed gives the same rows, hence the same
// file sizes and answers, every run.

/** A small deterministic PRNG (mulberry32). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pickers and ids drawn from `random`: `pick` uniform, `pickSkewed` towards the first entries
 * (squaring a uniform number: popular pages first), UUIDv4 and time-ordered UUIDv7 ids.
 */
export function randomKit(random) {
  const hex = (digits) => {
    let text = "";
    for (let i = 0; i < digits; i++) text += "0123456789abcdef"[Math.floor(random() * 16)];
    return text;
  };
  return {
    pick: (list) => list[Math.floor(random() * list.length)],
    pickSkewed: (list) => list[Math.floor(random() * random() * list.length)],
    hex,
    uuidV4: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`,
    uuidV7: (ms) => {
      const time = ms.toString(16).padStart(12, "0");
      return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(3)}-${"89ab"[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
    },
  };
}
