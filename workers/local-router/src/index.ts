/**
 * analytics-local: the local stack's one origin. It forwards each request, unchanged, to the
 * Worker that owns its path (the table in CONTRACT.md "One local origin") through a service
 * binding, and answers `GET /health` for the whole stack. Local development only (README.md).
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
}

type BindingName = keyof Env;

/** The Worker (by its wrangler `name`) behind each binding, as `/health` reports it. */
const WORKER_BY_BINDING = {
  INGESTION: "analytics-ingestion",
  API: "analytics-api",
  CATALOG: "analytics-catalog",
  COMPACTION: "analytics-compaction",
} as const satisfies Record<BindingName, string>;

type WorkerName = (typeof WORKER_BY_BINDING)[BindingName];

/** A path rule: an exact path, or every path under a prefix (the `/x/*` of a Cloudflare route). */
type PathRule = { exact: string } | { prefix: string };

/**
 * CONTRACT.md's routing table, in its order. Cloudflare's `/x/*` route patterns do not match
 * `/x` itself, so a prefix rule here does not either; `/compact` is listed on its own for that reason.
 */
const ROUTES: ReadonlyArray<{ rule: PathRule; binding: BindingName }> = [
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
  // The Analytics Engine SQL stand-in; ingestion owns the recorder it reads (a later issue).
  { rule: { exact: "/client/v4/accounts/local/analytics_engine/sql" }, binding: "INGESTION" },
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

async function stackHealth(request: Request, env: Env): Promise<Response> {
  // Same origin as the caller's request, so each Worker sees the host it would behind the router.
  const healthUrl = new URL("/health", request.url).toString();
  const bindings = Object.keys(WORKER_BY_BINDING) as BindingName[];
  const results = await Promise.all(bindings.map((binding) => checkWorker(env[binding], healthUrl)));
  const workers = {} as Record<WorkerName, WorkerHealth>;
  bindings.forEach((binding, index) => {
    const result = results[index];
    if (result) workers[WORKER_BY_BINDING[binding]] = result;
  });
  const allOk = results.every((result) => result.status === "ok");
  return json({ status: allOk ? "ok" : "degraded", workers }, allOk ? 200 : 503);
}

/**
 * Host `internal` marks a call through a service binding, which ingestion trusts without a key
 * (CONTRACT.md: the caller names project_id). Cloudflare never routes public traffic with that
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
    return jsonError(404, `${WORKER_NAME}: no Worker serves ${request.method} ${pathname} (CONTRACT.md, "One local origin")`);
  },
} satisfies ExportedHandler<Env>;
