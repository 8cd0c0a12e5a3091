import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { validate as isUuid } from "uuid";
import { describe, expect, it, vi } from "vitest";
import { analytics } from "../src/hono.ts";
import { createClient, type OutgoingEvent, type OutgoingEventOf } from "../src/index.ts";
import { quiet, RecordingTransport } from "./fakes.ts";

/** An app like a user's: a route with ids, one that records usage, failing ones. */
function appWith(transport: RecordingTransport, clock?: () => number) {
  const client = createClient({ ...quiet, transport, projectId: "local" });
  const app = new Hono();
  app.use(
    analytics({
      client,
      organizationId: (c) => c.req.param("org"),
      ...(clock ? { now: clock } : {}),
    }),
  );
  app.get("/orgs/:org/items/:id", (c) => c.json({ id: c.req.param("id") }));
  app.post("/orgs/:org/usage", (c) => {
    c.get("analytics").usage({ organization_id: c.req.param("org"), sku: "exports", quantity: 3, unit: "count" });
    return c.json({ ok: true }, 201);
  });
  app.get("/orgs/:org/boom", () => {
    throw new Error("boom");
  });
  app.get("/forbidden", () => {
    throw new HTTPException(403, { message: "no" });
  });
  app.get("/not-an-error", () => {
    // Not an Error: what a careless dependency might throw, and Hono's onError does not catch.
    throw "a string";
  });
  app.on("PROPFIND", "/dav", (c) => c.text("dav"));
  return { app, client };
}

function apiRequests(events: OutgoingEvent[]): OutgoingEventOf<"api_request">[] {
  return events.filter((e): e is OutgoingEventOf<"api_request"> => e.type === "api_request");
}

describe("analytics() Hono middleware", () => {
  it("records the route pattern, never the URL with its ids, with method, status and organization", async () => {
    const transport = new RecordingTransport();
    const { app, client } = appWith(transport);
    const response = await app.request("/orgs/acme/items/12345?secret=1", { headers: { "x-session-id": "sess-1" } });
    expect(response.status).toBe(200);
    await client.flush();
    expect(apiRequests(transport.events)).toEqual([
      expect.objectContaining({
        type: "api_request",
        method: "GET",
        path: "/orgs/:org/items/:id",
        status_code: 200,
        organization_id: "acme",
        session_id: "sess-1",
        project_id: "local",
        channel: "server",
      }),
    ]);
  });

  it("records a thrown error as the 500 Hono answers, and an HTTPException as its status", async () => {
    const transport = new RecordingTransport();
    const { app, client } = appWith(transport);
    // Hono's default error handler logs the error; keep the test output about the tests.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect((await app.request("/orgs/acme/boom")).status).toBe(500);
    expect((await app.request("/forbidden")).status).toBe(403);
    await expect(app.request("/not-an-error")).rejects.toBe("a string");
    logged.mockRestore();
    await client.flush();
    expect(apiRequests(transport.events).map((e) => [e.path, e.status_code, e.organization_id])).toEqual([
      ["/orgs/:org/boom", 500, "acme"],
      ["/forbidden", 403, undefined],
      ["/not-an-error", 500, undefined],
    ]);
  });

  it("measures duration_ms around the handler", async () => {
    const transport = new RecordingTransport();
    let now = 1000;
    const { app, client } = appWith(transport, () => {
      now += 42.5;
      return now;
    });
    await app.request("/orgs/acme/items/1");
    await client.flush();
    expect(apiRequests(transport.events)[0]?.duration_ms).toBe(42.5);
  });

  it("gives handlers the request's client, with its session, and records their events", async () => {
    const transport = new RecordingTransport();
    const { app, client } = appWith(transport);
    expect((await app.request("/orgs/acme/usage", { method: "POST", headers: { "x-session-id": "sess-2" } })).status).toBe(201);
    await client.flush();
    expect(transport.events.map((e) => [e.type, e.session_id])).toEqual([
      ["usage", "sess-2"],
      ["api_request", "sess-2"],
    ]);
    expect(transport.events[0]).toMatchObject({ organization_id: "acme", sku: "exports", quantity: 3 });
    expect(transport.events[1]).toMatchObject({ method: "POST", path: "/orgs/:org/usage", status_code: 201 });
  });

  it("without x-session-id, gives each request an id of its own", async () => {
    const transport = new RecordingTransport();
    const { app, client } = appWith(transport);
    await app.request("/orgs/a/items/1");
    await app.request("/orgs/a/items/1");
    await client.flush();
    const [first, second] = apiRequests(transport.events).map((e) => e.session_id);
    expect(isUuid(first ?? "") && isUuid(second ?? "")).toBe(true);
    expect(first).not.toBe(second);
  });

  it("skips methods outside the schema's enum, and records no-route requests under the middleware's pattern", async () => {
    const transport = new RecordingTransport();
    const { app, client } = appWith(transport);
    expect((await app.request("/dav", { method: "PROPFIND" })).status).toBe(200);
    expect((await app.request("/nowhere/42")).status).toBe(404);
    await client.flush();
    expect(apiRequests(transport.events).map((e) => [e.method, e.path, e.status_code])).toEqual([["GET", "/*", 404]]);
  });

  it("in Workers, hands client.flush() to executionCtx.waitUntil", async () => {
    const transport = new RecordingTransport();
    const app = new Hono<{ Bindings: { PROJECT: string } }>();
    app.use(analytics<{ Bindings: { PROJECT: string } }>({ client: (c) => createClient({ ...quiet, transport, projectId: c.env.PROJECT }) }));
    app.get("/ping", (c) => c.text("pong"));
    const waited: Promise<unknown>[] = [];
    const executionCtx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise), passThroughOnException: () => {}, props: {} };
    await app.request("/ping", {}, { PROJECT: "local" }, executionCtx);
    expect(waited).toHaveLength(1);
    await Promise.all(waited);
    expect(transport.events).toEqual([expect.objectContaining({ type: "api_request", path: "/ping", project_id: "local" })]);
  });
});
