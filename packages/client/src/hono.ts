/**
 * `analytics()`: a Hono middleware that records every request as an `api_request` event, and
 * hands handlers a request-scoped client (`c.get("analytics")`) for events of their own.
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { v7 as uuidv7 } from "uuid";
import type { AnalyticsClient } from "./client.ts";
import type { ApiRequestMethod } from "./events.ts";

declare module "hono" {
  // Hono's way for a middleware to type what it sets (as its requestId middleware does): every
  // app that imports this module reads `c.get("analytics")` as the request's client.
  interface ContextVariableMap {
    /** The request's client (set by `analytics()`), with the request's session as its default. */
    analytics: AnalyticsClient;
  }
}

/** Options of {@link analytics}. */
export interface AnalyticsMiddlewareOptions<E extends Env = Env> {
  /**
   * The client, or a function that makes one per request. In Workers the bindings live on
   * `c.env`, so pass a function: `(c) => createClient({ transport: serviceBindingRpcTransport(c.env.ANALYTICS), projectId })`.
   */
  client: AnalyticsClient | ((c: Context<E>) => AnalyticsClient);
  /** The request's organization (`organization_id`), for per-customer figures. Called after the handler, so route params resolve. */
  organizationId?: (c: Context<E>) => string | undefined;
  /** The request's session. Defaults to the `x-session-id` header; without one, a new id per request. */
  sessionId?: (c: Context<E>) => string | undefined;
  /** The request's user (`user_id`). Called after the handler. */
  userId?: (c: Context<E>) => string | undefined;
  /**
   * For tests: a clock in milliseconds (default `performance.now`). In Workers the clock only
   * moves on I/O (https://developers.cloudflare.com/workers/runtime-apis/web-standards/), so
   * `duration_ms` measures the handler's waiting (subrequests, storage), not its CPU time.
   */
  now?: () => number;
}

/**
 * The schema's `api_request.method` values. The client does not load zod at run time, so the enum
 * is listed here; `MissingMethods` fails to compile if the schema gains a method this list lacks.
 */
const API_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const satisfies readonly ApiRequestMethod[];
type MissingMethods = Exclude<ApiRequestMethod, (typeof API_METHODS)[number]>;
const allMethodsListed: MissingMethods extends never ? true : never = true;
void allMethodsListed;

function isApiMethod(method: string): method is ApiRequestMethod {
  return (API_METHODS as readonly string[]).includes(method);
}

/** Longest `session_id` the schema takes: a longer header falls back to a generated id, not a rejected event. */
const MAX_SESSION_ID_LENGTH = 128;

function sessionHeader(c: Context): string | undefined {
  const value = c.req.header("x-session-id");
  return value && value.length <= MAX_SESSION_ID_LENGTH ? value : undefined;
}

/** `c.executionCtx` throws outside Workers (Node, tests); there the client's timer flushes instead. */
function executionContextOf(c: Context): { waitUntil(promise: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/**
 * Records every request as an `api_request` event: `method`, `path` as the matched route
 * pattern (`/orgs/:org/items/:id`, never the URL with its ids; the middleware's own pattern, such
 * as `/app/*`, when no route matched), `status_code` (500 for a thrown error, as Hono answers),
 * `duration_ms`, and `organization_id` / `user_id` from your callbacks. Methods outside the
 * schema's enum (e.g. `PROPFIND`) are not recorded.
 *
 * Handlers get the request's client as `c.get("analytics")`, with the session already set. In
 * Workers the middleware hands `client.flush()` to `c.executionCtx.waitUntil`, so events leave
 * after the response without delaying it.
 *
 * @example
 * type AppEnv = { Bindings: { ANALYTICS: IngestRpcBinding } };
 * const app = new Hono<AppEnv>();
 * // The type argument types `c.env` in the callbacks (Hono's `use` does not pass it on).
 * app.use(analytics<AppEnv>({
 *   client: (c) => createClient({ transport: serviceBindingRpcTransport(c.env.ANALYTICS), projectId: "my-project" }),
 *   organizationId: (c) => c.req.param("org"),
 * }));
 * app.post("/orgs/:org/exports", (c) => {
 *   c.get("analytics").usage({ organization_id: c.req.param("org"), sku: "exports", quantity: 1, unit: "count" });
 *   return c.json({ ok: true });
 * });
 */
export function analytics<E extends Env = Env>(options: AnalyticsMiddlewareOptions<E>): MiddlewareHandler<E> {
  const now = options.now ?? (() => performance.now());
  return async function analyticsMiddleware(c, next) {
    const started = now();
    const base = typeof options.client === "function" ? options.client(c) : options.client;
    const sessionId = (options.sessionId ? options.sessionId(c) : sessionHeader(c)) ?? uuidv7();
    const client = base.child({ sessionId });
    c.set("analytics", client);
    let threw = false;
    try {
      await next();
    } catch (error) {
      // Hono turns Errors into responses before they get here; anything else reaches the runtime as a 500.
      threw = true;
      throw error;
    } finally {
      try {
        const method = c.req.method;
        if (isApiMethod(method)) {
          const organizationId = options.organizationId?.(c);
          const userId = options.userId?.(c);
          client.apiRequest({
            method,
            // routePath is never empty inside a route's middleware; "*" keeps the raw URL out regardless.
            path: routePath(c) || "*",
            status_code: threw ? 500 : c.res.status,
            duration_ms: Math.max(0, now() - started),
            ...(organizationId ? { organization_id: organizationId } : {}),
            ...(userId ? { user_id: userId } : {}),
          });
        }
      } catch (error) {
        // Recording must never turn a served request into a failed one.
        console.error("@edge-analytics/client/hono: could not record the request", error);
      }
      executionContextOf(c)?.waitUntil(client.flush());
    }
  };
}
