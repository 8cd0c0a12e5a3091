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
