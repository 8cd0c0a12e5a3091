/**
 * `/app/*`: a small Hono API instrumented with `@edge-analytics/client/hono`, as a SaaS backend
 * on Workers would record its traffic and its customers' usage for billing. Every request becomes
 * an `api_request` event (route pattern, status, duration, organization); `POST
 * /app/orgs/:org/usage` also records a `usage` event. Events go over the RPC service binding and
 * leave after the response, in `ctx.waitUntil`.
 */
import { createClient, serviceBindingRpcTransport } from "@edge-analytics/client";
import { analytics } from "@edge-analytics/client/hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ProducerEnv } from "./env.ts";

type AppEnv = { Bindings: ProducerEnv };

/** The project the stack's local keys use (README "Sending events"); no key travels over a binding. */
const PROJECT_ID = "local";

export const app = new Hono<AppEnv>().basePath("/app");

app.use(
  analytics<AppEnv>({
    // One client per request: bindings live on `c.env`, and a Worker's timers do not outlive the
    // request, so the middleware flushes each request's events in `waitUntil` instead.
    client: (c) => createClient({ transport: serviceBindingRpcTransport(c.env.ANALYTICS), projectId: PROJECT_ID }),
    organizationId: (c) => c.req.param("org"),
  }),
);

app.get("/orgs/:org/items/:id", (c) => c.json({ organization: c.req.param("org"), item: c.req.param("id") }));

app.post("/orgs/:org/usage", async (c) => {
  const body: unknown = await c.req.json().catch(() => undefined);
  const { sku, quantity, unit } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof sku !== "string" || typeof quantity !== "number" || typeof unit !== "string") {
    throw new HTTPException(400, { message: "send { sku: string, quantity: number, unit: string }" });
  }
  const event = c.get("analytics").usage({ organization_id: c.req.param("org"), sku, quantity, unit });
  return c.json({ recorded: event.event_id }, 202);
});

app.get("/orgs/:org/fail", () => {
  throw new Error("a deliberate failure, recorded as a 500");
});

app.onError(function toJsonError(error, c) {
  const status = error instanceof HTTPException ? error.status : 500;
  const message = error instanceof HTTPException ? error.message : "internal error";
  return c.json({ error: { status, message } }, status);
});

app.notFound((c) => c.json({ error: { status: 404, message: `example-producer: no route for ${c.req.method} ${c.req.path}` } }, 404));
