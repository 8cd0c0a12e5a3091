/**
 * example-producer: a user's own Worker that sends events to the platform through a service
 * binding to `analytics-ingestion`, both ways the platform offers (README.md):
 *
 * - `POST /via-fetch`: forwards the JSON body to `ANALYTICS.fetch("https://internal/events")`.
 * - `POST /via-rpc`: calls `ANALYTICS.ingestBatch(body.events)`, or `ingestEvent(body)` for one event.
 * - `GET /health`: whether the binding reaches ingestion (its `/health`), e.g. before sending.
 * - `/app/*`: a Hono API recording its requests and usage with `@edge-analytics/client` (app.ts).
 *
 * Through a binding no API key travels, so every event must name its `project_id`.
 */
import { app } from "./app.ts";
import type { ProducerEnv } from "./env.ts";

function json(body: unknown, status: number): Response {
  return Response.json(body, { status });
}

function errorResponse(status: number, message: string): Response {
  return json({ error: { status, message } }, status);
}

async function viaFetch(request: Request, env: ProducerEnv): Promise<Response> {
  const body = await request.text();
  // The host is ignored by a service binding; ingestion routes on the path.
  return env.ANALYTICS.fetch("https://internal/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

async function viaRpc(request: Request, env: ProducerEnv): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return errorResponse(400, "body is not valid JSON");
  }
  const events = typeof body === "object" && body !== null && "events" in body ? body.events : undefined;
  if (events !== undefined && !Array.isArray(events)) return errorResponse(400, "`events` must be an array");
  try {
    const result = events ? await env.ANALYTICS.ingestBatch(events) : await env.ANALYTICS.ingestEvent(body);
    return json(result, 200);
  } catch (cause) {
    // An RPC call throws when the binding cannot reach ingestion (e.g. the stack is not running).
    const message = cause instanceof Error ? cause.message : String(cause);
    return errorResponse(502, `analytics-ingestion RPC failed: ${message}`);
  }
}

async function health(env: ProducerEnv): Promise<Response> {
  try {
    const response = await env.ANALYTICS.fetch("https://internal/health");
    const upstream: unknown = await response.json().catch(() => null);
    const analytics = response.ok ? "connected" : "unavailable";
    return json({ worker: "example-producer", analytics, upstream_status: response.status, upstream }, response.ok ? 200 : 503);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return json({ worker: "example-producer", analytics: "unavailable", error: message }, 503);
  }
}

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === "/app" || pathname.startsWith("/app/")) return app.fetch(request, env, ctx);
    if (request.method === "POST" && pathname === "/via-fetch") return viaFetch(request, env);
    if (request.method === "POST" && pathname === "/via-rpc") return viaRpc(request, env);
    if (request.method === "GET" && pathname === "/health") return health(env);
    return errorResponse(404, `example-producer: no route for ${request.method} ${pathname}`);
  },
} satisfies ExportedHandler<ProducerEnv>;
