/**
 * Hot data end to end on the real local stack: POST /events → ingestion → Analytics Engine
 * stand-in → the API Worker's GraphQL `realtime` field (through the one AE SQL client).
 *
 * Other files also send events of project `other` within the last hour (the isolation and secrets
 * tests, the lake tests), in an order vitest chooses: figures are compared with the answer before
 * this file's events, and rows are this file's own (its pages, path and organization).
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";

const origin = inject("stackOrigin");

async function graphql<T>(query: string, key: string | null = "other-dev-key"): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers["x-api-key"] = key;
  const response = await fetch(`${origin}/graphql`, { method: "POST", headers, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as T };
}

const now = new Date().toISOString();
const base = () => ({ event_id: randomUUID(), timestamp: now, session_id: `rt-${randomUUID()}` });
const events = [
  ...Array.from({ length: 4 }, () => ({ ...base(), type: "page_view", page_url: "https://rt.example/a" })),
  ...Array.from({ length: 2 }, () => ({ ...base(), type: "page_view", page_url: "https://rt.example/b" })),
  ...[10, 10, 10, 500].map((duration_ms, i) => ({ ...base(), type: "api_request", method: "GET", path: "/v1/x", status_code: i === 3 ? 502 : 200, duration_ms })),
  { ...base(), type: "usage", organization_id: "org_rt", sku: "seats", quantity: 7, unit: "count" },
];

const REALTIME_QUERY = `{
  realtime(minutes: 60) {
    eventsPerMinute { minute events }
    topPages(limit: 1000) { page_url views }
    apiLatency { p50_ms p99_ms requests }
    apiErrors(limit: 1000) { path requests errors error_rate }
    usage { organization_id sku quantity }
  }
}`;
const PAGE_VIEWS_QUERY = `{ realtime { eventsPerMinute(eventType: page_view) { events } } }`;

let before: RealtimeAnswer["data"]["realtime"];
let pageViewsBefore: number;

const total = (rows: { events: number }[]) => rows.reduce((sum, row) => sum + row.events, 0);

/** Nothing yet: on a fresh stack the Analytics Engine stand-in has no dataset before its first data point, and realtime answers an error. */
const NOTHING_YET: RealtimeAnswer["data"]["realtime"] = { eventsPerMinute: [], topPages: [], apiLatency: { p50_ms: 0, p99_ms: 0, requests: 0 }, apiErrors: [], usage: [] };

beforeAll(async () => {
  before = (await graphql<Partial<RealtimeAnswer>>(REALTIME_QUERY)).body.data?.realtime ?? NOTHING_YET;
  pageViewsBefore = total((await graphql<Partial<RealtimeAnswer>>(PAGE_VIEWS_QUERY)).body.data?.realtime.eventsPerMinute ?? []);
  const response = await fetch(`${origin}/events`, {
    method: "POST",
    // A browser's User-Agent: Node's own would (rightly) flag these page views as bot traffic.
    headers: {
      "content-type": "application/json",
      "x-api-key": "other-dev-key",
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(202);
  expect(await response.json()).toMatchObject({ accepted: events.length });
});

interface RealtimeAnswer {
  data: {
    realtime: {
      eventsPerMinute: { minute: string; events: number }[];
      topPages: { page_url: string; views: number }[];
      apiLatency: { p50_ms: number; p99_ms: number; requests: number };
      apiErrors: { path: string; requests: number; errors: number; error_rate: number }[];
      usage: { organization_id: string; sku: string; quantity: number }[];
    };
  };
}

describe("GraphQL realtime over Analytics Engine", () => {
  it("answers every realtime figure for the key's project", async () => {
    const { status, body } = await graphql<RealtimeAnswer>(REALTIME_QUERY);
    expect(status).toBe(200);
    const realtime = body.data.realtime;
    expect(total(realtime.eventsPerMinute) - total(before.eventsPerMinute)).toBe(events.length);
    expect(realtime.topPages.filter((page) => page.page_url.startsWith("https://rt.example/"))).toEqual([
      { page_url: "https://rt.example/a", views: 4 },
      { page_url: "https://rt.example/b", views: 2 },
    ]);
    expect(realtime.apiLatency.requests - before.apiLatency.requests).toBe(4);
    // The quantiles are this file's own only when no other file sent API requests of `other` this hour.
    if (before.apiLatency.requests === 0) expect(realtime.apiLatency).toEqual({ p50_ms: 10, p99_ms: 500, requests: 4 });
    expect(realtime.apiErrors.filter((row) => row.path === "/v1/x")).toEqual([{ path: "/v1/x", requests: 4, errors: 1, error_rate: 0.25 }]);
    expect(realtime.usage.filter((row) => row.organization_id === "org_rt")).toEqual([{ organization_id: "org_rt", sku: "seats", quantity: 7 }]);
  });

  it("filters by event type with the generated enum", async () => {
    const { body } = await graphql<RealtimeAnswer>(PAGE_VIEWS_QUERY);
    expect(total(body.data.realtime.eventsPerMinute) - pageViewsBefore).toBe(6);
  });

  it("needs a project key, and a project sees only its own data", async () => {
    expect((await graphql(`{ realtime { usage { sku } } }`, null)).status).toBe(401);
    expect((await graphql(`{ realtime { usage { sku } } }`, "local-admin-key")).status).toBe(403);
    const local = await graphql<RealtimeAnswer>(`{ realtime { topPages { page_url } } }`, "local-dev-key");
    expect(local.body.data.realtime.topPages.map((p) => p.page_url)).not.toContain("https://rt.example/a");
  });
});
