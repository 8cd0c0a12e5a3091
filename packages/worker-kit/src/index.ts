export * from "./api-keys.ts";
export * from "./origins.ts";

/** The platform's one JSON error body: every Worker answers failures in this shape. */
export interface ErrorBody {
  error: { status: number; message: string };
}

/**
 * A JSON error response in the platform's shape.
 * @example jsonError(404, "analytics-api: no route for GET /x")
 */
export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { error: { status, message } };
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/**
 * A Worker that so far only reports its health (`GET /health` → `{ worker, status: "ok" }`) and
 * answers everything else with a 404 naming itself, so a caller behind the local router can tell
 * which Worker answered. The api, catalog and compaction Workers start as this; their issues
 * replace it.
 */
export function healthOnlyWorker(workerName: string): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      if (pathname === "/health" && request.method === "GET") {
        return Response.json({ worker: workerName, status: "ok" }, { headers: { "cache-control": "no-store" } });
      }
      return jsonError(404, `${workerName}: no route for ${request.method} ${pathname}`);
    },
  };
}
