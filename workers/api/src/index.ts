// analytics-api: the GraphQL API (graphql-yoga). Today it serves `realtime` figures from
// Analytics Engine; the lake-backed `analytics` field (DuckDB-WASM over R2) and the dashboard at
// `/` come with their issues.
import { apiKeyRegistryFromEnv, jsonError, presentedKey, refusalFor } from "@edge-analytics/worker-kit";
import { createYoga } from "graphql-yoga";
import { type GraphQLContext, schema } from "./graphql-schema.ts";
import { type HotDataEnv, hotDataClient } from "./hot-data.ts";

const WORKER_NAME = "analytics-api";

type ApiEnv = Env & HotDataEnv;

const yoga = createYoga<GraphQLContext>({
  schema,
  graphqlEndpoint: "/graphql",
  landingPage: false,
  // Errors inside resolvers are masked: callers see "Unexpected error.", the log has the cause.
  maskedErrors: true,
});

async function handleGraphQL(request: Request, env: ApiEnv): Promise<Response> {
  const key = await (await apiKeyRegistryFromEnv(env)).resolve(presentedKey(request.headers));
  if (!key) return jsonError(401, "missing or unknown API key: send a read or secret key in X-API-Key");
  const refusal = refusalFor(key, "query");
  if (refusal) return jsonError(403, refusal);
  if (key.role.kind !== "project") return jsonError(403, "GraphQL answers for one project: use a read or secret key");
  return yoga.fetch(request, { projectId: key.role.projectId, hotData: hotDataClient(env) });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health" && request.method === "GET") {
      return Response.json({ worker: WORKER_NAME, status: "ok" }, { headers: { "cache-control": "no-store" } });
    }
    if (pathname === "/graphql") return handleGraphQL(request, env);
    return jsonError(404, `${WORKER_NAME}: no route for ${request.method} ${pathname}`);
  },
} satisfies ExportedHandler<ApiEnv>;
