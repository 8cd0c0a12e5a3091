/**
 * example-producer: a user's own Worker that sends events to the platform through a service
 * binding to `analytics-ingestion`, both ways the platform offers (README.md):
 *
 * - `POST /via-fetch`: forwards the JSON body to `ANALYTICS.fetch("https://internal/events")`.
 * - `POST /via-rpc`: calls `ANALYTICS.ingestBatch(body.events)`, or `ingestEvent(body)` for one event.
 * - `GET /health`: whether the binding reaches ingestion (its `/health`), e.g. before sending.
 *
 * Through a binding no API key travels, so every event must name its `project_id`.
 */

/** One rejected event, as ingestion reports it (CONTRACT.md "Ingestion"). */
interface RejectedEvent {
  index: number;
  event_id?: string;
  errors: Array<{ path: string; message: string }>;
}

/** What ingestion answers for a batch, over HTTP (202 body) and RPC alike. */
interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

/** The part of the ingestion Worker's interface this Worker uses. */
interface AnalyticsService {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  ingestEvent(event: unknown): Promise<IngestResult>;
  ingestBatch(events: unknown[]): Promise<IngestResult>;
}

interface Env {
  ANALYTICS: AnalyticsService;
}

function json(body: unknown, status: number): Response {
  return Response.json(body, { status });
}

function errorResponse(status: number, message: string): Response {
  return json({ error: { status, message } }, status);
}

async function viaFetch(request: Request, env: Env): Promise<Response> {
  const body = await request.text();
  // The host is ignored by a service binding; ingestion routes on the path.
  return env.ANALYTICS.fetch("https://internal/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

async function viaRpc(request: Request, env: Env): Promise<Response> {
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

async function health(env: Env): Promise<Response> {
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
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/via-fetch") return viaFetch(request, env);
    if (request.method === "POST" && pathname === "/via-rpc") return viaRpc(request, env);
    if (request.method === "GET" && pathname === "/health") return health(env);
    return errorResponse(404, `example-producer: no route for ${request.method} ${pathname}`);
  },
} satisfies ExportedHandler<Env>;
