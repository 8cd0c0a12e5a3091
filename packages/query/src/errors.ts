/**
 * Why a question cannot be answered as asked. The API turns these into GraphQL errors with the
 * message as is (never SQL, never a stack): a caller can act on each.
 */
export type QueryErrorCode =
  /** An argument names something that does not exist, or a value of the wrong shape. */
  | "BAD_ARGUMENT"
  /** The question needs more memory or rows than one request may use: narrow it. */
  | "OVER_BUDGET";

export class QueryError extends Error {
  override readonly name = "QueryError";
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    /** The argument at fault, as a path (`filter.country.in`), when one is. */
    readonly argument?: string,
  ) {
    super(message);
  }
}

/**
 * A mart file read for a question was not built from the raw files its partition has now (a raw
 * file landed while dbt ran): the planner answers that partition from raw files instead.
 */
export class StaleMartError extends Error {
  override readonly name = "StaleMartError";
  constructor(
    /** The hour partition whose mart file is stale. */
    readonly partition: string,
  ) {
    super(`the mart file of ${partition} predates its raw files`);
  }
}
