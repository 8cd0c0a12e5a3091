import { QueryError } from "@edge-analytics/query";
import { createGraphQLError } from "graphql-yoga";

/**
 * A planner refusal as a GraphQL error the caller can act on: its message as is, the code and
 * the argument at fault in `extensions`. Anything else stays masked by Yoga ("Unexpected error.").
 */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof QueryError) {
    return createGraphQLError(error.message, { extensions: { code: error.code, ...(error.argument ? { argument: error.argument } : {}) } });
  }
  return error;
}
