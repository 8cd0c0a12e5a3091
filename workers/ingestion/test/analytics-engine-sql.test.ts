import { apiDurationQuantiles, apiErrorRates, eventsPerMinute, topPages, usageByOrganizationAndSku } from "@edge-analytics/sql";
import { makeEvent } from "@edge-analytics/test-support";
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ingest } from "./helpers.ts";

// Events sent through POST /events reach the Analytics Engine stand-in (workers/analytics-engine-local)
// through ingestion's ANALYTICS_ENGINE binding, and its SQL API reads them back.

const PROJECT = "sqltest";
const SQL_PATH = "/client/v4/accounts/local/analytics_engine/sql";

async function sql(text: string, token = "local-admin-key"): Promise<Response> {
  return env.AE_LOCAL.fetch(`http://analytics-engine-local${SQL_PATH}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: text });
}

async function rows<Row>(text: string): Promise<Row[]> {
  const response = await sql(text);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`SQL API answered ${response.status}: ${body}`);
  const parsed = JSON.parse(body) as { meta: { name: string; type: string }[]; data: Row[]; rows: number };
  expect(parsed.rows).toBe(parsed.data.length);
  return parsed.data;
}

// What this file sends through POST /events (project "sqltest"), and so what the queries must find.
const PAGES = { "https://shop.example/": 5, "https://shop.example/pricing": 3, "https://shop.example/docs": 1 };
const DURATIONS = [...Array(11).fill(10), ...Array(7).fill(100), ...Array(2).fill(1000)] as number[];

beforeAll(async () => {
  const events: Record<string, unknown>[] = [];
  let session = 0;
  for (const [url, views] of Object.entries(PAGES)) {
    for (let i = 0; i < views; i++) events.push(makeEvent("page_view", { page_url: url, session_id: `s${session++ % 4}` }));
  }
  DURATIONS.forEach((duration, i) =>
    events.push(makeEvent("api_request", { duration_ms: duration, path: i % 2 ? "/v1/a" : "/v1/b", status_code: i % 5 === 0 ? 503 : 200 })),
  );
  events.push(makeEvent("usage", { organization_id: "org_1", sku: "events", quantity: 100, unit: "count" }));
  events.push(makeEvent("usage", { organization_id: "org_1", sku: "events", quantity: 50, unit: "count" }));
  events.push(makeEvent("usage", { organization_id: "org_2", sku: "storage", quantity: 2.5, unit: "GB" }));
  // A bot's page view must not count among top pages.
  const bot = makeEvent("page_view", { page_url: "https://shop.example/" });
  expect((await ingest({ events }, { key: "sql-test-key" })).accepted).toBe(events.length);
  expect((await ingest(bot, { key: "sql-test-key", headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } })).accepted).toBe(1);
});

describe("the Analytics Engine SQL API stand-in answers the platform's hot queries", () => {
  it("counts events per minute (sum of _sample_interval)", async () => {
    const series = await rows<{ minute: string; events: string }>(eventsPerMinute({ projectId: PROJECT, minutes: 60 }).sql);
    const total = series.reduce((sum, row) => sum + Number(row.events), 0);
    expect(total).toBe(9 + DURATIONS.length + 3 + 1);
    for (const row of series) expect(row.minute).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00$/);
    const pageViews = await rows<{ events: string }>(eventsPerMinute({ projectId: PROJECT, minutes: 60, eventType: "page_view" }).sql);
    expect(pageViews.reduce((sum, row) => sum + Number(row.events), 0)).toBe(10);
  });

  it("ranks top pages of human visitors with distinct sessions", async () => {
    const top = await rows<{ page_url: string; views: string; sessions: string }>(topPages({ projectId: PROJECT, minutes: 60, limit: 2 }).sql);
    expect(top.map((row) => [row.page_url, Number(row.views)])).toEqual([
      ["https://shop.example/", 5],
      ["https://shop.example/pricing", 3],
    ]);
    expect(Number(top[0]?.sessions)).toBe(4);
  });

  it("computes p50 / p95 / p99 of api_request durations", async () => {
    const [quantiles] = await rows<{ p50_ms: number; p95_ms: number; p99_ms: number; requests: string }>(
      apiDurationQuantiles({ projectId: PROJECT, minutes: 60 }).sql,
    );
    expect(quantiles).toMatchObject({ p50_ms: 10, p95_ms: 1000, p99_ms: 1000 });
    expect(Number(quantiles?.requests)).toBe(DURATIONS.length);
  });

  it("computes error rates of api_request events per path", async () => {
    const rates = await rows<{ path: string; requests: string; errors: string; error_rate: number }>(
      apiErrorRates({ projectId: PROJECT, minutes: 60, limit: 10 }).sql,
    );
    const expected = new Map<string, { requests: number; errors: number }>();
    DURATIONS.forEach((_, i) => {
      const path = i % 2 ? "/v1/a" : "/v1/b";
      const entry = expected.get(path) ?? { requests: 0, errors: 0 };
      entry.requests++;
      if (i % 5 === 0) entry.errors++;
      expected.set(path, entry);
    });
    expect(rates).toHaveLength(2);
    for (const row of rates) {
      const want = expected.get(row.path);
      expect(Number(row.requests)).toBe(want?.requests);
      expect(Number(row.errors)).toBe(want?.errors);
      expect(row.error_rate).toBeCloseTo((want?.errors ?? 0) / (want?.requests ?? 1), 10);
    }
  });

  it("sums usage per organization and sku", async () => {
    const usage = await rows<{ organization_id: string; sku: string; unit: string; quantity: number; events: string }>(
      usageByOrganizationAndSku({ projectId: PROJECT, minutes: 60 }).sql,
    );
    expect(usage.map((row) => [row.organization_id, row.sku, row.unit, row.quantity, Number(row.events)])).toEqual([
      ["org_1", "events", "count", 150, 2],
      ["org_2", "storage", "GB", 2.5, 1],
    ]);
  });

  it("speaks FORMAT JSONEachRow and JSON's meta", async () => {
    const each = await sql(`SELECT blob1 AS type, sum(_sample_interval) AS n FROM analytics_events WHERE index1 = '${PROJECT}' GROUP BY type ORDER BY type FORMAT JSONEachRow`);
    expect(each.status).toBe(200);
    const lines = (await each.text()).trim().split("\n").map((line) => JSON.parse(line) as { type: string; n: string });
    expect(lines.map((l) => l.type)).toEqual(["api_request", "page_view", "usage"]);
    const json = (await (await sql("SELECT count() AS c FROM analytics_events")).json()) as { meta: { name: string; type: string }[] };
    expect(json.meta).toEqual([{ name: "c", type: "UInt64" }]);
  });
});

describe("hostile SQL is refused cleanly", () => {
  it.each([
    ["multiple statements", "SELECT 1; SELECT 2"],
    ["another table", "SELECT * FROM sqlite_master"],
    ["a huge LIMIT", "SELECT blob1 FROM analytics_events LIMIT 1000000000000"],
    ["writes", "DELETE FROM analytics_events"],
    ["unsupported syntax", "SELECT CASE WHEN double1 > 0 THEN 1 ELSE 0 END FROM analytics_events"],
    ["a join", "SELECT * FROM analytics_events JOIN analytics_events USING (index1)"],
  ])("refuses %s with a 4xx and a reason", async (_what, text) => {
    const response = await sql(text);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect((await response.text()).length).toBeGreaterThan(0);
  });

  it("needs the admin key", async () => {
    expect((await sql("SELECT 1", "local-dev-key")).status).toBe(403);
    expect((await sql("SELECT 1", "nope")).status).toBe(401);
  });

  it("still holds the data after hostile queries", async () => {
    const [row] = await rows<{ n: string }>(`SELECT sum(_sample_interval) AS n FROM analytics_events WHERE index1 = '${PROJECT}'`);
    expect(Number(row?.n)).toBe(9 + DURATIONS.length + 3 + 1);
  });
});
