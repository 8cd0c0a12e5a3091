/**
 * Analytics Engine's SQL API takes SQL text only: it has no bound parameters. So every value a
 * caller supplies goes through these functions, which either render a literal that cannot change
 * the statement's structure or refuse. Identifiers never come from callers: they come from the
 * generated column map.
 */

/** Raised when a value cannot be rendered safely as a literal. */
export class UnsafeLiteralError extends Error {
  override readonly name = "UnsafeLiteralError";
}

/**
 * A ClickHouse string literal: single-quoted, with backslash and quote escaped, and control
 * characters refused (they have no business in filter values).
 * @example stringLiteral("it's") // 'it\'s'
 */
export function stringLiteral(value: string): string {
  if (typeof value !== "string") throw new UnsafeLiteralError(`expected a string, got ${typeof value}`);
  // biome-ignore lint: control characters are matched on purpose
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new UnsafeLiteralError("control characters are not allowed in string values");
  if (value.length > 1024) throw new UnsafeLiteralError("string values are limited to 1024 characters");
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A finite number literal. */
export function numberLiteral(value: number): string {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new UnsafeLiteralError(`expected a finite number, got ${String(value)}`);
  return String(value);
}

/** A positive integer within bounds, e.g. for LIMIT or INTERVAL counts. */
export function boundedInteger(value: number, min: number, max: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UnsafeLiteralError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return String(value);
}

/** The interval units Analytics Engine documents. */
export type IntervalUnit = "SECOND" | "MINUTE" | "HOUR" | "DAY" | "MONTH" | "YEAR";

/** `INTERVAL '<n>' UNIT`, in the quoted-number form Analytics Engine documents. */
export function intervalLiteral(count: number, unit: IntervalUnit): string {
  return `INTERVAL '${boundedInteger(count, 1, 100_000, "interval")}' ${unit}`;
}
