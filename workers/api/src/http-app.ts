import { jsonError } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { serveDashboard } from "./dashboard.ts";

export const WORKER_NAME = "analytics-api";

/** The Worker's env as the routes see it: only the GraphQL handler reads it. */
type AppEnv<E extends object> = { Bindings: E };

/**
 * The API Worker's HTTP surface: `/health`, `/graphql` (any method: graphql-yoga answers GET and
 * POST and refuses the rest) and the dashboard at `/` and `/assets/*`. The GraphQL handler is
 * passed in, so this module (and the routes it registers) loads without DuckDB or the catalog.
 */
export function createHttpApp<E extends object>(graphql: (request: Request, env: E) => Promise<Response>): Hono<AppEnv<E>> {
  const app = new Hono<AppEnv<E>>();

  app.get("/health", (c) => c.json({ worker: WORKER_NAME, status: "ok" }, 200, { "cache-control": "no-store" }));

  app.all("/graphql", function graphqlEndpoint(c) {
    return graphql(c.req.raw, c.env);
  });

  // GET also answers HEAD (Hono drops the body); serveDashboard sets the security headers and ETag.
  app.get("/", function dashboardPage(c) {
    return serveDashboard(c.req.raw, "/") ?? c.notFound();
  });
  app.get("/assets/*", function dashboardAsset(c) {
    return serveDashboard(c.req.raw, c.req.path) ?? c.notFound();
  });

  app.notFound((c) => jsonError(404, `${WORKER_NAME}: no route for ${c.req.method} ${c.req.path}`));

  app.onError(function toJsonError(error) {
    console.error(JSON.stringify({ level: "error", stage: "api-request", message: error instanceof Error ? error.message : String(error) }));
    return jsonError(500, "internal error");
  });

  return app;
}
