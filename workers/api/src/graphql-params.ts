import { jsonError } from "@edge-analytics/worker-kit";

/** The parameters GraphQL over HTTP carries as JSON text in a query string or a form body. */
const JSON_PARAMETERS = ["variables", "extensions"] as const;

/**
 * 400 with the reason for a GET (or a form-encoded POST) whose `variables` or `extensions` is not
 * JSON: graphql-yoga parses them with JSON.parse and let the SyntaxError out as a 500 (found by
 * tests/fuzz.test.ts with `GET /graphql?query=...&variables=%7B%22a`). Undefined when readable.
 */
export async function unreadableJsonParameters(request: Request): Promise<Response | undefined> {
  let parameters: URLSearchParams | undefined;
  if (request.method === "GET") parameters = new URL(request.url).searchParams;
  else if (/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(request.headers.get("content-type") ?? "")) parameters = new URLSearchParams(await request.clone().text());
  if (!parameters) return undefined;
  for (const name of JSON_PARAMETERS) {
    for (const value of parameters.getAll(name)) {
      if (value === "") continue;
      try {
        JSON.parse(value);
      } catch (error) {
        return jsonError(400, `the "${name}" parameter is not valid JSON (${error instanceof Error ? error.message : String(error)}); send a JSON object, URL-encoded`);
      }
    }
  }
  return undefined;
}
