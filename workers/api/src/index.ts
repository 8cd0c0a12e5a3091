// analytics-api: the GraphQL API (graphql-yoga): `analytics` answers from the lake (DuckDB-WASM
// over Parquet in R2, packages/query plans, packages/graphql types), `realtime` from Analytics
// Engine; the dashboard (packages/dashboard) at `/` and `/assets/*`.
import { apiKeyRegistryFromEnv, jsonError, presentedKey, refusalFor } from "@edge-analytics/worker-kit";
import { useAnswerMeta, useDocumentLimits } from "@edge-analytics/graphql";
import { catalogRpc } from "@edge-analytics/catalog";
import type { LakeFileCatalog } from "@edge-analytics/query";
import { openDuckDB, type SqlEngine } from "@edge-analytics/query-engine";
import { realtimeAggregateQuery } from "@edge-analytics/sql";
import { createYoga } from "graphql-yoga";
import { type GraphQLContext, schema } from "./graphql-schema.ts";
import { type HotDataEnv, hotDataClient } from "./hot-data.ts";
import { cacheApiAnswers } from "./answer-cache.ts";
import { narrowingOnOutOfMemory } from "./engine-budget.ts";
import { lakeLoader } from "./lake-loader.ts";
import { createHttpApp } from "./http-app.ts";
import { unreadableJsonParameters } from "./graphql-params.ts";
import { withJsonReason } from "./json-reason.ts";

type ApiEnv = Env & HotDataEnv;

let openedEngine: SqlEngine | undefined;

/** The engine's heap, once a lake question has opened it (0 before). */
function engineMemoryBytes(): number {
  return openedEngine?.memoryBytes() ?? 0;
}

/** Raw events one request may load into DuckDB (the isolate has 128 MB; README "GraphQL API" has the figures). */
const DEFAULT_MAX_ROWS = 100_000;

/**
 * The catalog Worker's read RPC (catalogRpc disposes each result). The mart tier lists
 * fact_page_views, a processed table, through the same method.
 */
function catalogOf(env: ApiEnv): LakeFileCatalog {
  return catalogRpc(env.CATALOG);
}

const yoga = createYoga<GraphQLContext>({
  schema,
  graphqlEndpoint: "/graphql",
  landingPage: false,
  // Errors inside resolvers are masked: callers see "Unexpected error.", the log has the cause;
  // planner refusals (bad arguments, over budget) are GraphQL errors the caller can act on.
  // isDev false: yoga would otherwise add the cause's message and stack to the answer whenever
  // NODE_ENV is "development", which wrangler dev sets, so the local stack answered differently
  // from a deployed Worker (tests/secrets.test.ts checks no answer carries them).
  maskedErrors: { isDev: false },
  // No CORS: the dashboard is same-origin, and a preflight (which carries no key) is refused with
  // 401 before yoga sees it. Yoga's default would echo any Origin with credentials allowed on answers.
  cors: false,
  plugins: [useDocumentLimits(), useAnswerMeta()],
});

async function handleGraphQL(request: Request, env: ApiEnv): Promise<Response> {
  const key = await (await apiKeyRegistryFromEnv(env)).resolve(presentedKey(request.headers));
  if (!key) return jsonError(401, "missing or unknown API key: send a read or secret key in X-API-Key");
  const refusal = refusalFor(key, "query");
  if (refusal) return jsonError(403, refusal);
  if (key.role.kind !== "project") return jsonError(403, "GraphQL answers for one project: use a read or secret key");
  const { success } = await env.RATE_LIMITER.limit({ key: key.keyId });
  if (!success) return jsonError(429, "rate limit exceeded for this API key", { "retry-after": "60" });
  const unreadable = await unreadableJsonParameters(request);
  if (unreadable) return unreadable;
  const maxRows = Number(env.QUERY_MAX_ROWS ?? DEFAULT_MAX_ROWS) || DEFAULT_MAX_ROWS;
  const maxStreamRows = Math.max(maxRows, Number(env.QUERY_MAX_STREAM_ROWS ?? 0) || 0);
  const hotData = hotDataClient(env);
  const answer = await yoga.fetch(request, {
    projectId: key.role.projectId,
    hotData,
    analytics: {
      catalog: catalogOf(env),
      loader: lakeLoader({ source: env.SOURCE_BUCKET, processed: env.PROCESSED_BUCKET }, async () => (openedEngine = await openDuckDB())),
      // DuckDB-WASM is instantiated once per isolate, on the first lake question (~0.4 s), never at start-up.
      engine: {
        query: (sql, params) => narrowingOnOutOfMemory(async () => (await openDuckDB()).query(sql, params)),
        memoryBytes: () => engineMemoryBytes(),
      },
      budget: { maxRows, maxStreamRows },
      cache: cacheApiAnswers(await caches.open("analytics-answers")),
      realtime: { aggregate: async (question) => (await hotData.query<Record<string, unknown>>(realtimeAggregateQuery(question))).data },
    },
    answerMeta: new Map(),
  });
  return withJsonReason(answer);
}

const app = createHttpApp(handleGraphQL);

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<ApiEnv>;
