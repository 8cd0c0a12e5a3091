/**
 * Route × key kind on the real stack: every route of every Worker answers each kind of key as
 * README "Keys" documents. The expected status is generated from the one permission table
 * (`KEY_PERMISSIONS` in packages/worker-kit): no key or an unknown key → 401; a key whose kind
 * lacks the route's permission → 403 naming what the key may do; a key other than a publishable
 * one outside a header (the beacon's `?key=`, Segment's `writeKey` in the body) → 403; otherwise
 * the route's own answer.
 *
 * The table is checked against what the Workers register: each Worker of the local stack
 * (scripts/workers.mjs) is loaded in Node and its Hono app's routes (`inspectRoutes`) must each be
 * exercised by a row below, so a route added to a Worker without a row here fails this file.
 */
import { randomUUID } from "node:crypto";
import { DASHBOARD_ASSETS } from "@edge-analytics/dashboard";
import { KEY_PERMISSIONS, type KeyKind, type Permission } from "@edge-analytics/worker-kit";
import { describe, expect, inject, it, vi } from "vitest";
import { registeredRoutes, ROUTED_WORKERS, routePattern } from "./support/worker-routes.ts";

// Loading the Workers' HTTP modules in Node: their Durable Object modules extend classes of the
// workerd runtime, and compaction imports the zstd encoder as a compiled wasm module; neither is
// used while registering routes.
vi.mock("cloudflare:workers", () => ({ DurableObject: class {}, WorkerEntrypoint: class {} }));
vi.mock("@foxglove/wasm-zstd/dist/wasm-zstd.wasm", () => ({ default: {} }));

const origin = inject("stackOrigin");

/** The local keys (README "Keys"), one per kind. */
const KEYS: Record<KeyKind, string> = {
  publishable: "local-pub-key",
  read: "local-read-key",
  secret: "local-dev-key",
  admin: "local-admin-key",
};

interface Route {
  /** The Workers whose registered route this row exercises through the stack's origin; `every`: the router's `GET /health` asks each one's. */
  workers: readonly string[] | "every";
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** What the route needs; `public` routes answer everyone; `sigv4`: the local S3 endpoint, which takes no API key at all. */
  needs: Permission | "public" | "sigv4";
  /** Where the key travels (default `header`, X-API-Key): `basic` is Segment's Basic user name, `query` the beacon's `?key=`, `body` Segment's `writeKey`. */
  keyIn?: "header" | "basic" | "query" | "body";
  body?: (key: string | undefined) => string;
  contentType?: string;
}

const event = () => JSON.stringify({ type: "custom", name: "route-matrix", session_id: `m-${randomUUID()}` });
const INGESTION = ["analytics-ingestion"];
const API = ["analytics-api"];
const CATALOG = ["analytics-catalog"];
const COMPACTION = ["analytics-compaction"];
const PIPELINES = ["analytics-pipelines-local"];
const DASHBOARD_ASSET = Object.keys(DASHBOARD_ASSETS)[0] ?? "/assets/missing";

const ROUTES: Route[] = [
  { workers: INGESTION, method: "POST", path: "/events", needs: "send", body: event },
  // navigator.sendBeacon: the key in the URL and a text/plain body.
  { workers: INGESTION, method: "POST", path: "/events", needs: "send", keyIn: "query", body: event, contentType: "text/plain" },
  { workers: INGESTION, method: "POST", path: "/v1/track", needs: "send", body: () => JSON.stringify({ event: "route-matrix", anonymousId: "m" }) },
  { workers: INGESTION, method: "POST", path: "/v1/batch", needs: "send", body: () => JSON.stringify({ batch: [{ type: "page", anonymousId: "m", properties: { url: "https://m.example/" } }] }) },
  { workers: INGESTION, method: "POST", path: "/v1/page", needs: "send", keyIn: "basic", body: () => JSON.stringify({ anonymousId: "m", properties: { url: "https://m.example/basic" } }) },
  // analytics.js's short path, its write key in the body.
  { workers: INGESTION, method: "POST", path: "/v1/t", needs: "send", keyIn: "body", body: (key) => JSON.stringify({ ...(key ? { writeKey: key } : {}), event: "route-matrix", anonymousId: "m" }) },
  { workers: INGESTION, method: "GET", path: "/tracker.js", needs: "public" },
  { workers: "every", method: "GET", path: "/health", needs: "public" },
  { workers: API, method: "POST", path: "/graphql", needs: "query", body: () => JSON.stringify({ query: "{ realtime(minutes: 5) { usage { sku } } }" }) },
  { workers: API, method: "GET", path: `/graphql?query=${encodeURIComponent("{ realtime(minutes: 5) { usage { sku } } }")}`, needs: "query" },
  { workers: API, method: "GET", path: "/", needs: "public" },
  { workers: API, method: "GET", path: DASHBOARD_ASSET, needs: "public" },
  { workers: INGESTION, method: "GET", path: "/admin/dead-letters?limit=1", needs: "operate" },
  { workers: PIPELINES, method: "GET", path: "/admin/pipelines/buffer", needs: "operate" },
  { workers: PIPELINES, method: "GET", path: "/admin/pipelines/duplicates", needs: "operate" },
  // The test-only switch, set to its default (no extra deliveries), so other files see no change.
  { workers: PIPELINES, method: "PUT", path: "/admin/pipelines/duplicates", needs: "operate", body: () => JSON.stringify({ copies: 0 }) },
  { workers: PIPELINES, method: "DELETE", path: "/admin/pipelines/duplicates", needs: "operate" },
  { workers: PIPELINES, method: "POST", path: "/admin/flush", needs: "operate" },
  { workers: ["analytics-engine-local"], method: "POST", path: "/client/v4/accounts/local/analytics_engine/sql", needs: "operate", body: () => "SELECT 1", contentType: "text/plain" },
  { workers: CATALOG, method: "GET", path: "/catalog/tables", needs: "operate" },
  { workers: CATALOG, method: "GET", path: "/catalog/partitions?table=page_views", needs: "operate" },
  { workers: CATALOG, method: "GET", path: "/catalog/files?table=page_views", needs: "operate" },
  { workers: CATALOG, method: "GET", path: "/catalog/schemas?table=page_views", needs: "operate" },
  { workers: CATALOG, method: "GET", path: "/catalog/parity", needs: "operate" },
  { workers: CATALOG, method: "GET", path: "/catalog/costs", needs: "operate" },
  { workers: CATALOG, method: "POST", path: "/catalog/reconcile", needs: "operate" },
  { workers: COMPACTION, method: "GET", path: "/compact/status", needs: "operate" },
  // A table that does not exist: the admin key gets compaction's own 400, nobody else gets that far.
  { workers: COMPACTION, method: "POST", path: "/compact", needs: "operate", body: () => JSON.stringify({ table: "no_such_table" }) },
  { workers: ["analytics-s3-local"], method: "GET", path: "/analytics-source?list-type=2", needs: "sigv4" },
];

/**
 * Routes a Worker registers that the stack's origin never reaches, and why. Each must really be
 * shadowed: another row exercises the same method and path on the Worker that answers it locally.
 */
const NOT_REACHABLE_LOCALLY: ReadonlyArray<{ worker: string; method: string; path: string; why: string }> = [
  {
    worker: "analytics-ingestion",
    method: "POST",
    path: "/admin/flush",
    why: "locally the router sends POST /admin/flush to the Pipelines stand-in; deployed, ingestion answers it (admin key: 409) as workers/ingestion/test/key-kinds.test.ts checks",
  },
];

type Presented = KeyKind | "none" | "unknown";
const PRESENTED: Presented[] = ["none", "unknown", "publishable", "read", "secret", "admin"];

function expected(route: Route, presented: Presented): "ok" | 401 | 403 {
  if (route.needs === "public") return "ok";
  // S3 wants a SigV4 signature; an API key is no credential there, whatever its kind.
  if (route.needs === "sigv4") return 403;
  if (presented === "none" || presented === "unknown") return 401;
  if (!KEY_PERMISSIONS[presented].includes(route.needs)) return 403;
  // URLs and bodies end up in logs: only a publishable key may travel there.
  if ((route.keyIn === "query" || route.keyIn === "body") && presented !== "publishable") return 403;
  return "ok";
}

function request(route: Route, key: string | undefined): { url: string; init: RequestInit } {
  const headers: Record<string, string> = {};
  let path = route.path;
  const keyIn = route.keyIn ?? "header";
  if (key !== undefined && keyIn === "header") headers["x-api-key"] = key;
  if (key !== undefined && keyIn === "basic") headers.authorization = `Basic ${btoa(`${key}:`)}`;
  if (key !== undefined && keyIn === "query") path += `${path.includes("?") ? "&" : "?"}key=${encodeURIComponent(key)}`;
  const body = route.body?.(key);
  if (body !== undefined) headers["content-type"] = route.contentType ?? "application/json";
  return { url: `${origin}${path}`, init: { method: route.method, headers, ...(body !== undefined ? { body } : {}) } };
}

const cases = ROUTES.flatMap((route) => PRESENTED.map((presented) => ({ route, presented, expect: expected(route, presented) })));

describe("every route answers each key kind as documented", () => {
  it.each(cases.map((c) => [`${c.route.method} ${c.route.path}${c.route.keyIn ? ` (key in ${c.route.keyIn})` : ""}`, c.presented, c.expect, c] as const))(
    "%s with %s key → %s",
    async (_name, presented, want, { route }) => {
      const key = presented === "unknown" ? `unknown-${randomUUID()}` : presented === "none" ? undefined : KEYS[presented];
      const { url, init } = request(route, key);
      const response = await fetch(url, init);
      const text = await response.text();
      if (want === "ok") {
        // The route's own answer: success, or (compaction of a missing table) its own 400.
        expect(response.status, text).not.toBe(401);
        expect(response.status, text).not.toBe(403);
        expect(response.status, text).toBeLessThan(500);
        if (route.path !== "/compact") expect(response.status, text).toBeLessThan(300);
      } else {
        expect(response.status, text).toBe(want);
        if (route.needs === "sigv4") expect(text).toContain("<Code>AccessDenied</Code>");
        else if (want === 403) expect(text).toMatch(/key may only|needs the admin key|needs a|project key|must travel in the X-API-Key/);
      }
    },
  );
});

function rowsFor(worker: string, method: string, path: string): Route[] {
  const matches = routePattern(path);
  return ROUTES.filter(
    (row) =>
      (row.workers === "every" || row.workers.includes(worker)) &&
      (method === "ALL" || row.method === method) &&
      matches.test(new URL(row.path, "http://x").pathname),
  );
}

describe("the table covers every route each Worker registers", () => {
  it("loads every Worker of the local stack", () => {
    expect(ROUTED_WORKERS.map((worker) => worker.name)).toEqual(
      expect.arrayContaining(["analytics-ingestion", "analytics-api", "analytics-catalog", "analytics-compaction"]),
    );
  });

  it.each(ROUTED_WORKERS.map((worker) => [worker.name, worker] as const))("%s: each registered route has a row", async (name, worker) => {
    const routes = await registeredRoutes(worker);
    expect(routes.length).toBeGreaterThan(0);
    const missing = routes.filter(({ method, path }) => {
      if (rowsFor(name, method, path).length > 0) return false;
      const shadowed = NOT_REACHABLE_LOCALLY.find((entry) => entry.worker === name && entry.method === method && entry.path === path);
      // Shadowed for real: another Worker answers the same method and path on the stack.
      return !(shadowed && ROUTES.some((row) => row.method === method && new URL(row.path, "http://x").pathname === path));
    });
    expect(missing, `routes of ${name} with no row in ROUTES`).toEqual([]);
  });

  it("every row's Workers are Workers of the stack", () => {
    const names = new Set(ROUTED_WORKERS.map((worker) => worker.name));
    for (const row of ROUTES) if (row.workers !== "every") for (const worker of row.workers) expect(names, `${row.method} ${row.path}`).toContain(worker);
  });
});
