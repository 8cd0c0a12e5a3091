/**
 * Why a query was refused. `syntax`: the text does not parse. `unsupported`: valid ClickHouse
 * that Analytics Engine (or this local emulator) does not run. `unknown-function`,
 * `unknown-identifier`, `type`: semantic errors ClickHouse also reports. `unknown-table`: the
 * dataset never received a data point. `limit`: a guard rail (length, depth, LIMIT, result size).
 * `runtime`: an error while the query ran (division by zero, unparsable DateTime string).
 */
export type AeSqlErrorCode =
  | "syntax"
  | "unsupported"
  | "unknown-function"
  | "unknown-identifier"
  | "type"
  | "unknown-table"
  | "limit"
  | "runtime";

/**
 * A refused query, with the HTTP status the SQL API answers. Analytics Engine answers 422 for
 * invalid input (cloudflare/skills PR #87: `unsupported expression type: CASE WHEN`), so every
 * input problem is 422. Thrown deep inside; the Worker's edge turns it into its one error shape.
 */
export class AeSqlError extends Error {
  override readonly name = "AeSqlError";
  constructor(
    readonly code: AeSqlErrorCode,
    message: string,
    /** Character offset in the SQL text the problem was found at, when there is one. */
    readonly position?: number,
    readonly status: 422 | 500 = 422,
  ) {
    super(message);
  }
}

/** Shorthand for the common case: a feature this SQL dialect does not have. */
export function unsupported(what: string, position?: number): AeSqlError {
  return new AeSqlError("unsupported", what, position);
}

/**
 * ClickHouse wraps 64-bit integer arithmetic around; SQLite turns an overflowing integer into a
 * double (or fails sum()), losing the bits the wrapped value needs, so the query is refused.
 */
export function integerOverflow(): AeSqlError {
  return new AeSqlError("runtime", "integer overflow: a 64-bit integer result is beyond the range the local emulator computes exactly (ClickHouse would wrap around)");
}
