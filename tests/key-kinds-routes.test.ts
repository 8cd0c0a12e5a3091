/**
 * Route × key kind on the real stack: every route of every Worker answers each kind of key as
 * README "Keys" documents. The expected status is generated from the one permission table
 * (`KEY_PERMISSIONS` in packages/worker-kit): no key or an unknown key → 401; a key whose kind
 * lacks the route's permission → 403 naming what the key may do; otherwise the route's own answer.
 */
import { randomUUID } from "node:crypto";
import { KEY_PERMISSIONS, type KeyKind, type Permission } from "@edge-analytics/worker-kit";
import { describe, expect, inject, it } from "vitest";

const origin = inject("stackOrigin");

/** The CONTRACT keys, one per kind. */
const KEYS: Record<KeyKind, string> = {
  publishable: "local-pub-key",
  read: "local-read-key",
  secret: "local-dev-key",
  admin: "local-admin-key",
};

interface Route {
  method: "GET" | "POST";
  path: string;
  /** What the route needs; `public` routes answer everyone. */
  needs: Permission | "public";
  body?: () => string;
  contentType?: string;
}

const event = () => JSON.stringify({ type: "custom", name: "route-matrix", session_id: `m-${randomUUID()}` });

const ROUTES: Route[] = [
  { method: "POST", path: "/events", needs: "send", body: event },
  { method: "POST", path: "/v1/track", needs: "send", body: () => JSON.stringify({ event: "route-matrix", anonymousId: "m" }) },
  { method: "POST", path: "/v1/batch", needs: "send", body: () => JSON.stringify({ batch: [{ type: "page", anonymousId: "m", properties: { url: "https://m.example/" } }] }) },
  { method: "GET", path: "/tracker.js", needs: "public" },
  { method: "GET", path: "/health", needs: "public" },
  { method: "POST", path: "/graphql", needs: "query", body: () => JSON.stringify({ query: "{ realtime(minutes: 5) { usage { sku } } }" }) },
  { method: "GET", path: "/admin/dead-letters?limit=1", needs: "operate" },
  { method: "GET", path: "/admin/pipelines/buffer", needs: "operate" },
  { method: "GET", path: "/admin/pipelines/duplicates", needs: "operate" },
  { method: "POST", path: "/admin/flush", needs: "operate" },
  { method: "POST", path: "/client/v4/accounts/local/analytics_engine/sql", needs: "operate", body: () => "SELECT 1", contentType: "text/plain" },
  { method: "GET", path: "/catalog/tables", needs: "operate" },
  { method: "GET", path: "/catalog/partitions?table=page_views", needs: "operate" },
  { method: "GET", path: "/catalog/files?table=page_views", needs: "operate" },
  { method: "GET", path: "/catalog/schemas?table=page_views", needs: "operate" },
  { method: "GET", path: "/catalog/parity", needs: "operate" },
  { method: "GET", path: "/catalog/costs", needs: "operate" },
  { method: "POST", path: "/catalog/reconcile", needs: "operate" },
  { method: "GET", path: "/compact/status", needs: "operate" },
  // A table that does not exist: the admin key gets compaction's own 400, nobody else gets that far.
  { method: "POST", path: "/compact", needs: "operate", body: () => JSON.stringify({ table: "no_such_table" }) },
];

type Presented = KeyKind | "none" | "unknown";
const PRESENTED: Presented[] = ["none", "unknown", "publishable", "read", "secret", "admin"];

function expected(route: Route, presented: Presented): "ok" | 401 | 403 {
  if (route.needs === "public") return "ok";
  if (presented === "none" || presented === "unknown") return 401;
  return KEY_PERMISSIONS[presented].includes(route.needs) ? "ok" : 403;
}

const cases = ROUTES.flatMap((route) => PRESENTED.map((presented) => ({ route, presented, expect: expected(route, presented) })));

describe("every route answers each key kind as documented", () => {
  it.each(cases.map((c) => [`${c.route.method} ${c.route.path}`, c.presented, c.expect, c] as const))("%s with %s key → %s", async (_name, presented, want, { route }) => {
    const headers: Record<string, string> = {};
    if (presented === "unknown") headers["x-api-key"] = `unknown-${randomUUID()}`;
    else if (presented !== "none") headers["x-api-key"] = KEYS[presented];
    if (route.body) headers["content-type"] = route.contentType ?? "application/json";
    const response = await fetch(`${origin}${route.path}`, { method: route.method, headers, ...(route.body ? { body: route.body() } : {}) });
    const text = await response.text();
    if (want === "ok") {
      // The route's own answer: success, or (compaction of a missing table) its own 400.
      expect(response.status, text).not.toBe(401);
      expect(response.status, text).not.toBe(403);
      expect(response.status, text).toBeLessThan(500);
      if (route.path !== "/compact") expect(response.status, text).toBeLessThan(300);
    } else {
      expect(response.status, text).toBe(want);
      if (want === 403) expect(text).toMatch(/key may only|needs the admin key|needs a|project key/);
    }
  });
});
