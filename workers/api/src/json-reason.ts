import { jsonError } from "@edge-analytics/worker-kit";

/** Why Yoga refused, for the statuses it answers with an empty body. */
const REASONS: Readonly<Record<number, string>> = {
  406: "the Accept header admits no type this API answers in: accept application/json or application/graphql-response+json",
  415: "Content-Type must be application/json (GraphQL over HTTP), or send the query with GET /graphql?query=...",
};

/**
 * Every refusal in the one JSON error shape: graphql-yoga answers some requests it cannot read
 * (a body of another content type: 415) with no body at all, which tells a client nothing
 * (found by tests/fuzz.test.ts). GraphQL answers (`{ errors }`) pass through untouched.
 */
export async function withJsonReason(response: Response): Promise<Response> {
  if (response.status < 400 || (response.headers.get("content-type") ?? "").includes("json")) return response;
  const text = (await response.text()).trim();
  const reason = REASONS[response.status] ?? (text.length > 0 ? text.slice(0, 500) : `the GraphQL endpoint refused the request (${response.status} ${response.statusText})`);
  const headers: Record<string, string> = {};
  const allow = response.headers.get("allow");
  if (allow) headers.allow = allow;
  return jsonError(response.status, reason, headers);
}
