/**
 * analytics-local: the local stack's one origin. It forwards each request, unchanged, to the
 * Worker that owns its path (the routing table in README "Architecture") through a service
 * binding, and answers `GET /health` for the whole stack. Local development only (README.md).
 * Besides the four Workers it fronts the local-only Workers: the S3-compatible endpoint over the
 * lake's buckets (workers/s3-local), which DuckDB and dbt reach path-style at `/<bucket>/<key>`,
 * and the stand-ins for Pipelines (its buffer's flush) and Analytics Engine (its SQL API).
 */

import { jsonError } from "@edge-analytics/worker-kit";

const WORKER_NAME = "analytics-local";

/** How long `GET /health` waits for each Worker's own `/health` before calling it down. */
const HEALTH_TIMEOUT_MS = 3_000;

/** The service bindings declared in this Worker's wrangler.jsonc. */
interface Env {
  INGESTION: Fetcher;
  API: Fetcher;
  CATALOG: Fetcher;
  COMPACTION: Fetcher;
  S3_LOCAL: Fetcher;
  PIPELINES_LOCAL: Fetcher;
  ANALYTICS_ENGINE_LOCAL: Fetcher;
}

type BindingName = keyof Env;

/**
 * The four Workers of the platform (by wrangler `name`), as `GET /health` reports them under
 * `workers` (it names each of the four, as README "Architecture" does).
 */
const WORKER_BY_BINDING = {
  INGESTION: "analytics-ingestion",
  API: "analytics-api",
  CATALOG: "analytics-catalog",
  COMPACTION: "analytics-compaction",
} as const satisfies Partial<Record<BindingName, string>>;

/**
 * Local-only Workers behind the router, reported apart under `tools`: they are not part of the
 * platform, but the stack is not healthy without them (dbt needs the S3 endpoint; ingestion's
 * streams and dataset bindings reach the stand-ins).
 */
const TOOL_BY_BINDING = {
  S3_LOCAL: "analytics-s3-local",
  PIPELINES_LOCAL: "analytics-pipelines-local",
  ANALYTICS_ENGINE_LOCAL: "analytics-engine-local",
} as const satisfies Partial<Record<BindingName, string>>;

/**
 * The S3 endpoint's buckets: path-style S3 (`/<bucket>`, `/<bucket>/<key>`) for the three lake
 * buckets goes to it, as DuckDB's httpfs addresses them with `s3_url_style='path'`.
 */
const S3_BUCKETS = ["analytics-source", "analytics-processed", "analytics-catalog"] as const;

/** A path rule: an exact path, or every path under a prefix (the `/x/*` of a Cloudflare route). */
type PathRule = { exact: string } | { prefix: string };

/**
 * README's routing table ("Architecture"), in its order. Cloudflare's `/x/*` route patterns do not match
 * `/x` itself, so a prefix rule here does not either; `/compact` is listed on its own for that reason.
 */
const ROUTES: ReadonlyArray<{ rule: PathRule; binding: BindingName }> = [
  // Local only, before ingestion's /admin/*: the Pipelines stand-in's buffer (README "Architecture": POST
  // /admin/flush writes every buffered event to the lake now) and its state and test switch.
  { rule: { exact: "/admin/flush" }, binding: "PIPELINES_LOCAL" },
  { rule: { prefix: "/admin/pipelines/" }, binding: "PIPELINES_LOCAL" },
  { rule: { exact: "/events" }, binding: "INGESTION" },
  { rule: { prefix: "/admin/" }, binding: "INGESTION" },
  { rule: { exact: "/tracker.js" }, binding: "INGESTION" },
  { rule: { prefix: "/v1/" }, binding: "INGESTION" },
  { rule: { exact: "/graphql" }, binding: "API" },
  { rule: { exact: "/" }, binding: "API" },
  { rule: { prefix: "/assets/" }, binding: "API" },
  { rule: { prefix: "/catalog/" }, binding: "CATALOG" },
  { rule: { exact: "/compact" }, binding: "COMPACTION" },
  { rule: { prefix: "/compact/" }, binding: "COMPACTION" },
  // Local only: the Analytics Engine stand-in's SQL API.
  { rule: { exact: "/client/v4/accounts/local/analytics_engine/sql" }, binding: "ANALYTICS_ENGINE_LOCAL" },
  // Local only: the S3-compatible endpoint (workers/s3-local), one bucket per path's first segment.
  ...S3_BUCKETS.flatMap((bucket) => [
    { rule: { exact: `/${bucket}` }, binding: "S3_LOCAL" as const },
    { rule: { prefix: `/${bucket}/` }, binding: "S3_LOCAL" as const },
  ]),
];

/** The binding that serves `pathname`, or undefined when no Worker does. */
function routeFor(pathname: string): BindingName | undefined {
  for (const { rule, binding } of ROUTES) {
    const matches = "exact" in rule ? pathname === rule.exact : pathname.startsWith(rule.prefix);
    if (matches) return binding;
  }
  return undefined;
}

/** One Worker's state as `GET /health` reports it. */
type WorkerHealth =
  | { status: "ok"; http_status: number; latency_ms: number }
  | { status: "error"; http_status?: number; latency_ms: number; error: string };

function json(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** Rejects after `ms` so one hung Worker cannot hang the stack's health check. */
function timeout(ms: number): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return {
    promise,
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

async function checkWorker(binding: Fetcher, healthUrl: string): Promise<WorkerHealth> {
  const started = Date.now();
  const deadline = timeout(HEALTH_TIMEOUT_MS);
  try {
    const response = await Promise.race([binding.fetch(healthUrl, { method: "GET" }), deadline.promise]);
    const latency_ms = Date.now() - started;
    // Drain the body so the binding's connection is released; its content is not needed.
    await response.arrayBuffer();
    if (response.ok) return { status: "ok", http_status: response.status, latency_ms };
    return { status: "error", http_status: response.status, latency_ms, error: `GET /health answered ${response.status}` };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return { status: "error", latency_ms: Date.now() - started, error: message };
  } finally {
    deadline.cancel();
  }
}

/** Each binding's health, keyed by the Worker's name. */
async function healthOf<B extends BindingName, N extends string>(names: Record<B, N>, env: Env, healthUrl: string): Promise<Record<N, WorkerHealth>> {
  const bindings = Object.keys(names) as B[];
  const results = await Promise.all(bindings.map((binding) => checkWorker(env[binding], healthUrl)));
  const report = {} as Record<N, WorkerHealth>;
  bindings.forEach((binding, index) => {
    const result = results[index];
    if (result) report[names[binding]] = result;
  });
  return report;
}

async function stackHealth(request: Request, env: Env): Promise<Response> {
  // Same origin as the caller's request, so each Worker sees the host it would behind the router.
  const healthUrl = new URL("/health", request.url).toString();
  const [workers, tools] = await Promise.all([healthOf(WORKER_BY_BINDING, env, healthUrl), healthOf(TOOL_BY_BINDING, env, healthUrl)]);
  const allOk = [...Object.values<WorkerHealth>(workers), ...Object.values<WorkerHealth>(tools)].every((result) => result.status === "ok");
  return json({ status: allOk ? "ok" : "degraded", workers, tools }, allOk ? 200 : 503);
}

/**
 * Host `internal` marks a call through a service binding, which ingestion trusts without a key
 * (README "From another Worker": the caller names project_id). Cloudflare never routes public traffic with that
 * Host to a Worker, but wrangler dev takes the URL's host from the client's Host header, so the
 * router refuses it rather than let `curl -H 'Host: internal'` skip the API key locally.
 */
const SERVICE_BINDING_HOST = "internal";

export default {
  async fetch(request, env) {
    const { hostname, pathname } = new URL(request.url);
    if (hostname === SERVICE_BINDING_HOST) {
      return jsonError(404, `${WORKER_NAME}: host "${SERVICE_BINDING_HOST}" is reachable only through a service binding`);
    }
    if (pathname === "/health" && request.method === "GET") return stackHealth(request, env);
    const binding = routeFor(pathname);
    // The original Request as is (URL, method, headers, body): the target Worker must see what
    // the client sent, e.g. `X-API-Key` and the body it checks for size and type.
    if (binding) return env[binding].fetch(request);
    return jsonError(404, `${WORKER_NAME}: no Worker serves ${request.method} ${pathname} (see README "Architecture" for the routes)`);
  },
} satisfies ExportedHandler<Env>;
