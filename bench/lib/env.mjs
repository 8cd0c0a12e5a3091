// Benchmark settings from the environment, validated with a message naming the variable.

/**
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 * @returns {number}
 */
export function integerFromEnv(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return value;
}
