/** Guard rails of the local SQL API; every one can be lowered or raised per call. */
export interface AeSqlLimits {
  /** UTF-8 bytes of SQL text. */
  maxQueryBytes: number;
  /** Nested brackets: parentheses, function calls and subqueries. */
  maxNestingDepth: number;
  /** Depth of the expression tree (operator chains count), kept far below SQLite's 1000. */
  maxExpressionDepth: number;
  /** Rows one response may hold; an explicit larger LIMIT is refused. */
  maxResultRows: number;
  /**
   * Rows fetched when the emulator sorts, de-duplicates or limits in JavaScript (ORDER BY on a
   * value SQLite cannot compute): above this the query is refused rather than truncated.
   */
  maxPostProcessRows: number;
  /** Distinct bound parameters in one statement (Durable Object SQLite allows 100). */
  maxBoundParameters: number;
  /** Length of the generated SQLite statement (Durable Object SQLite allows 100 KB). */
  maxCompiledSqlBytes: number;
  /** Bytes of a LIKE/GLOB pattern SQLite is given (Durable Object SQLite allows 50). */
  maxLikePatternBytes: number;
}

/**
 * Defaults. The query length, nesting depth and LIMIT rules follow Cloudflare's SQL API limits
 * page (https://developers.cloudflare.com/analytics/sql-api/limits/: statement length 10 KiB,
 * parser nesting depth 10, one statement, "a maximum page size rejects an explicit LIMIT above
 * the maximum"). The row maximum itself is dataset-specific and not published: 10,000 is our
 * choice. The SQLite numbers are Durable Object limits
 * (https://developers.cloudflare.com/durable-objects/platform/limits/).
 */
export const AE_SQL_LIMITS: Readonly<AeSqlLimits> = Object.freeze({
  maxQueryBytes: 10 * 1024,
  maxNestingDepth: 10,
  maxExpressionDepth: 100,
  maxResultRows: 10_000,
  maxPostProcessRows: 100_000,
  maxBoundParameters: 100,
  maxCompiledSqlBytes: 100_000,
  maxLikePatternBytes: 50,
});

/** The defaults with some limits replaced. */
export function resolveLimits(overrides: Partial<AeSqlLimits> = {}): AeSqlLimits {
  return { ...AE_SQL_LIMITS, ...overrides };
}
