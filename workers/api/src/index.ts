/**
 * analytics-api: the GraphQL API over the lake and Analytics Engine, and the dashboard.
 *
 * Today it answers `GET /health` only; its issue fills in `/graphql`, `/` and `/assets/*`
 * (CONTRACT.md). Every other request gets the platform's one JSON error shape, naming this
 * Worker so a caller behind the local router can tell which Worker answered.
 */

const WORKER_NAME = "analytics-api";

/** The platform's JSON error body (the ingestion Worker answers errors in the same shape). */
interface ErrorBody {
  error: { status: number; message: string };
}

function json(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  const body: ErrorBody = {
    error: { status: 404, message: `${WORKER_NAME}: no route for ${request.method} ${pathname}` },
  };
  return json(body, 404);
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health" && request.method === "GET") {
      return json({ worker: WORKER_NAME, status: "ok" }, 200);
    }
    return notFound(request);
  },
} satisfies ExportedHandler;
