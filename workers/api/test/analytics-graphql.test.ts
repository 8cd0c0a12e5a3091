/**
 * The lake-backed GraphQL API in workerd, through the real Worker (SELF): Parquet files written by
 * the lake's own writer into the pool's R2, registered with the real catalog Worker, read by
 * DuckDB-WASM. Files hold copies of one event in two files (raw files are at-least-once), two
 * projects, bots and events outside the range; expected figures are computed here in plain
 * TypeScript. Keys, isolation, hostile arguments, limits and the read budget (QUERY_MAX_ROWS is
 * 5,000 in this pool) are checked where the Worker runs.
 */
import { env, SELF } from "cloudflare:test";
import { catalogRpc } from "@edge-analytics/catalog";
import { encodeLakeRows, initZstd } from "@edge-analytics/lake";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";
import { beforeAll, describe, expect, it } from "vitest";

const DESIGN_QUERY = `query { analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["page_url"]) {
  page_url view_count unique_users avg_time_on_page } } }`;

type Row = Record<string, unknown>;
let n = 0;
function view(fields: Row = {}): Row {
  n++;
  const at = Date.parse("2024-01-05T08:00:00Z") + n * 3_600_000;
  return {
    type: "page_view",
    event_id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    timestamp: at,
    received_at: at + 1000,
    session_id: `s${n % 6}`,
    user_id: n % 5 === 0 ? null : `u${n % 4}`,
    project_id: "local",
    environment: "production",
    is_bot: false,
    page_url: `https://shop.example/${["", "pricing", "docs", "blog"][n % 4]}`,
    time_on_page: n % 3 === 0 ? null : (n % 11) * 2.5,
    properties: n % 7 === 0 ? {} : { plan: n % 2 ? "pro" : "free", seats: n % 3 },
    ...fields,
  };
}

const first = Array.from({ length: 40 }, () => view());
const second = [
  ...Array.from({ length: 30 }, () => view()),
  ...first.slice(0, 6).map((r) => ({ ...r, received_at: Number(r.received_at) + 3_600_000 })),
  view({ project_id: "other", page_url: "https://other.example/" }),
  view({ is_bot: true }),
  view({ device_type: "bot" }),
  view({ timestamp: Date.parse("2024-02-01T00:00:00Z") }),
];
// Many rows of another month: over the pool's read budget when asked for.
const big = Array.from({ length: 6000 }, (_, i) => view({ timestamp: Date.parse("2024-03-01T00:00:00Z") + i * 1000, received_at: Date.parse("2024-03-01T00:00:00Z") + i * 1000 }));

async function putAndRegister(name: string, rows: Row[]) {
  const key = `events/page_views/year=2024/month=01/day=05/hour=08/${name}.parquet`;
  await env.SOURCE_BUCKET.put(key, encodeLakeRows("page_view", rows.map((r) => lakeRowFromRecord("page_view", r))));
  await catalogRpc(env.CATALOG).registerFile("analytics-source", key);
}

beforeAll(async () => {
  initZstd(zstdWasm);
  await putAndRegister("00000000-0000-4000-8000-000000000001", first);
  await putAndRegister("00000000-0000-4000-8000-000000000002", second);
  await putAndRegister("00000000-0000-4000-8000-000000000003", big);
});

async function graphql(query: string, key: string | null = "local-read-key", variables?: Row) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers["x-api-key"] = key;
  const response = await SELF.fetch("https://api.example/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: (await response.json()) as { data?: { analytics: Record<string, unknown> }; errors?: { message: string; extensions?: Row }[]; extensions?: { meta?: Record<string, Row> } } };
}

/** The first copies of project local's human January views, as every answer should count them. */
function keptJanuary(): Row[] {
  const seen = new Set<string>();
  return [...first, ...second].filter((r) => {
    const t = Number(r.timestamp);
    const ok = r.project_id === "local" && !r.is_bot && r.device_type !== "bot" && t >= Date.parse("2024-01-01T00:00:00Z") && t < Date.parse("2024-02-01T00:00:00Z");
    if (!ok || seen.has(String(r.event_id))) return false;
    seen.add(String(r.event_id));
    return true;
  });
}

function expected(projectId: string) {
  const seen = new Set<string>();
  const kept = [...first, ...second].filter((r) => {
    const t = Number(r.timestamp);
    const ok = r.project_id === projectId && !r.is_bot && r.device_type !== "bot" && t >= Date.parse("2024-01-01T00:00:00Z") && t < Date.parse("2024-02-01T00:00:00Z");
    if (!ok || seen.has(String(r.event_id))) return false;
    seen.add(String(r.event_id));
    return true;
  });
  const pages = new Map<string, Row[]>();
  for (const r of kept) pages.set(String(r.page_url), [...(pages.get(String(r.page_url)) ?? []), r]);
  return [...pages]
    .map(([page_url, views]) => {
      const timed = views.filter((v) => v.time_on_page !== null);
      return {
        page_url,
        view_count: views.length,
        unique_users: new Set(views.map((v) => v.user_id).filter((u) => u !== null)).size,
        avg_time_on_page: timed.length === 0 ? null : timed.reduce((s, v) => s + Number(v.time_on_page), 0) / timed.length,
      };
    })
    .sort((a, b) => b.view_count - a.view_count || a.page_url.localeCompare(b.page_url));
}

describe("analytics.pageViews in workerd (DuckDB-WASM over R2)", () => {
  it("answers the design's query verbatim: every event once, this project, humans, January", async () => {
    const { status, body } = await graphql(DESIGN_QUERY);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const rows = body.data?.analytics.pageViews as Row[];
    const want = expected("local");
    expect(rows.map((r) => [r.page_url, r.view_count, r.unique_users])).toEqual(want.map((r) => [r.page_url, r.view_count, r.unique_users]));
    for (const [i, row] of rows.entries()) expect(row.avg_time_on_page).toBeCloseTo(want[i]?.avg_time_on_page ?? Number.NaN, 9);
    expect(want.reduce((s, r) => s + r.view_count, 0)).toBe(70);
  });

  it("carries meta beside data: raw tier, files and row groups read and skipped, bytes, freshness", async () => {
    const { body } = await graphql(DESIGN_QUERY);
    const meta = body.extensions?.meta?.["analytics.pageViews"];
    expect(meta).toMatchObject({ tiers: [{ tier: "raw", from: "2024-01-05T09:00:00.000Z", to: "2024-02-01T00:00:00.000Z" }], files_read: 2, files_skipped: 1 });
    expect(Number(meta?.engine_memory_bytes)).toBeGreaterThan(0);
    expect(meta?.rows_scanned).toBe(first.length + second.length);
    expect(Number(meta?.bytes_read)).toBeGreaterThan(0);
    // The hour of the lake's newest event (01:39:59): the files hold every project's rows, so no finer.
    expect(new Date(Number(big.at(-1)?.timestamp)).toISOString()).toBe("2024-03-01T01:39:59.000Z");
    expect((meta?.freshness as Row).raw_through).toBe("2024-03-01T01:00:00.000Z");
  });

  it("another project's key sees only its own events; a key of a project without events sees nothing", async () => {
    const { body } = await graphql(DESIGN_QUERY, "other-dev-key");
    const rows = body.data?.analytics.pageViews as Row[];
    expect(rows.map((r) => [r.page_url, r.view_count, r.unique_users])).toEqual(expected("other").map((r) => [r.page_url, r.view_count, r.unique_users]));
    expect((await graphql(DESIGN_QUERY, "lake-test-key")).body.data?.analytics.pageViews).toEqual([]);
  });

  it("401 without a key, 403 for a publishable key (it may only send)", async () => {
    expect((await graphql(DESIGN_QUERY, null)).status).toBe(401);
    const publishable = await graphql(DESIGN_QUERY, "local-pub-key");
    expect(publishable.status).toBe(403);
    expect(JSON.stringify(publishable.body)).toContain("a publishable key may only send events");
  });

  it("a question over the read budget gets the narrowing error, and the next question still works", async () => {
    const { status, body } = await graphql(`{ analytics { pageViews(timeRange: { start: "2024-03-01", end: "2024-03-31" }) { view_count } } }`);
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe("OVER_BUDGET");
    expect(body.errors?.[0]?.message).toContain("narrow it with a shorter timeRange");
    expect((await graphql(DESIGN_QUERY)).body.errors).toBeUndefined();
  });

  it("hostile arguments get GraphQL errors, never a 5xx, SQL or a stack", async () => {
    for (const argument of [
      `groupBy: ["page_url\\"; DROP TABLE raw_1; --"]`,
      `groupBy: ["page_url"], filter: { page_url: { eq: "x' OR '1'='1" } }`,
      `groupBy: ["page_url"], limit: 99999999`,
      `groupBy: ["page_url"], orderBy: [{ field: "(SELECT 1)" }]`,
      `groupBy: ["a", "b", "c", "d", "e", "f"]`,
    ]) {
      const { status, body } = await graphql(`{ analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, ${argument}) { page_url view_count } } }`);
      expect(status, argument).toBeLessThan(500);
      expect(JSON.stringify(body), argument).not.toMatch(/SELECT .* FROM|QUALIFY|\.ts:\d+/);
      if (!argument.includes("OR '1'='1")) expect(body.errors?.[0]?.extensions?.code, argument).toBe("BAD_ARGUMENT");
    }
    const deep = `{ analytics { ${Array.from({ length: 9 }, (_, i) => `q${i}: pageViews(timeRange: { start: "2024-01-01", end: "2024-01-02" }) { view_count }`).join(" ")} } }`;
    expect((await graphql(deep)).body.errors?.[0]?.message).toContain("at most 8 analytics questions");
  });

  it("the general query and timeSeries agree with pageViews", async () => {
    const { body } = await graphql(`{ analytics {
      query(metrics: ["view_count"], timeRange: { start: "2024-01-01", end: "2024-01-31" }) { rows total_rows }
      timeSeries(timeRange: { start: "2024-01-01", end: "2024-01-31" }, granularity: day, timezone: "America/New_York") { period value }
    } }`);
    expect(body.errors).toBeUndefined();
    expect((body.data?.analytics.query as Row).rows).toEqual([{ view_count: 70 }]);
    const points = body.data?.analytics.timeSeries as { period: string; value: number }[];
    // New York's January ends at 05:00Z on February 1st: the view at 00:00Z that day is in it.
    expect(points.reduce((s, p) => s + p.value, 0)).toBe(71);
    // 09:00Z on January 5th is 04:00 in New York, the same local day.
    expect(points[0]?.period).toBe("2024-01-05T00:00:00");
  });

  it("serves an identical question from the Cache API (meta.cached), and a new file changes the answer", async () => {
    const question = `{ analytics { pageViews(timeRange: { start: "2024-04-01", end: "2024-04-30" }, groupBy: ["country"]) { country view_count } } }`;
    const first = await graphql(question);
    const second = await graphql(question);
    expect(first.body.extensions?.meta?.["analytics.pageViews"]?.cached).toBe(false);
    expect(second.body.extensions?.meta?.["analytics.pageViews"]?.cached).toBe(true);
    expect(second.body.data).toEqual(first.body.data);
    expect(first.body.data?.analytics.pageViews).toEqual([]);
    await putAndRegister("00000000-0000-4000-8000-000000000004", [view({ timestamp: Date.parse("2024-04-05T12:30:00Z"), country: "JP" })]);
    const third = await graphql(question);
    expect(third.body.extensions?.meta?.["analytics.pageViews"]?.cached).toBe(false);
    expect(third.body.data?.analytics.pageViews).toContainEqual({ country: "JP", view_count: 1 });
  });

  it("groups by properties.<key> (parsed from the properties JSON outside DuckDB) and filters on it", async () => {
    const { body } = await graphql(
      `query ($pro: JSON) { analytics {
        byPlan: query(metrics: ["view_count"], dimensions: ["properties.plan"], timeRange: { start: "2024-01-01", end: "2024-01-31" }, orderBy: [{ field: "properties.plan", direction: ASC }]) { rows }
        seats: query(metrics: ["view_count"], dimensions: ["properties.seats"], filter: $pro, timeRange: { start: "2024-01-01", end: "2024-01-31" }, orderBy: [{ field: "properties.seats", direction: ASC }]) { rows }
      } }`,
      "local-read-key",
      { pro: { "properties.plan": { eq: "pro" } } },
    );
    expect(body.errors).toBeUndefined();
    const kept = keptJanuary();
    const plan = (r: Row) => (r.properties as Row).plan as string | undefined;
    const count = (rows: Row[], key: (r: Row) => string | null) => {
      const counts = new Map<string | null, number>();
      for (const r of rows) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
      return counts;
    };
    const byPlan = count(kept, (r) => plan(r) ?? null);
    expect((body.data?.analytics.byPlan as { rows: Row[] }).rows).toEqual(
      ["free", "pro", null].filter((p) => byPlan.has(p)).map((p) => ({ "properties.plan": p, view_count: byPlan.get(p) })),
    );
    // Numbers come back as their JSON text.
    const seats = count(kept.filter((r) => plan(r) === "pro"), (r) => String((r.properties as Row).seats));
    expect((body.data?.analytics.seats as { rows: Row[] }).rows).toEqual([...seats.keys()].sort().map((k) => ({ "properties.seats": k, view_count: seats.get(k) })));
  });

  it("sessions: count, bounce rate and duration per landing page, in DuckDB-WASM", async () => {
    const { body } = await graphql(`{ analytics {
      sessions(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["page_url"], orderBy: [{ field: "page_url", direction: ASC }]) { page_url sessions bounce_rate avg_session_duration views_per_session }
    } }`);
    expect(body.errors).toBeUndefined();
    const sessions = new Map<string, Row[]>();
    for (const r of keptJanuary()) sessions.set(String(r.session_id), [...(sessions.get(String(r.session_id)) ?? []), r]);
    const landing = new Map<string, { views: number[]; durations: number[] }>();
    for (const views of sessions.values()) {
      const ordered = [...views].sort((a, b) => Number(a.timestamp) - Number(b.timestamp) || String(a.event_id).localeCompare(String(b.event_id)));
      const start = Number(ordered[0]?.timestamp);
      const end = Math.max(...views.map((v) => Number(v.timestamp) + Number(v.time_on_page ?? 0) * 1000));
      const entry = landing.get(String(ordered[0]?.page_url)) ?? { views: [], durations: [] };
      entry.views.push(views.length);
      entry.durations.push((end - start) / 1000);
      landing.set(String(ordered[0]?.page_url), entry);
    }
    const rows = body.data?.analytics.sessions as Row[];
    expect(rows.map((r) => r.page_url)).toEqual([...landing.keys()].sort());
    for (const row of rows) {
      const entry = landing.get(String(row.page_url))!;
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      expect(row.sessions).toBe(entry.views.length);
      expect(row.bounce_rate).toBeCloseTo(entry.views.filter((v) => v === 1).length / entry.views.length, 12);
      expect(row.avg_session_duration).toBeCloseTo(mean(entry.durations), 6);
      expect(row.views_per_session).toBeCloseTo(mean(entry.views), 12);
    }
  });

  it("dailyMetrics joins each event type's figures by day", async () => {
    const { body } = await graphql(`{ analytics { dailyMetrics(timeRange: { start: "2024-01-05", end: "2024-01-06" }) { day page_views unique_users sessions api_requests video_plays } } }`);
    expect(body.errors).toBeUndefined();
    const kept = keptJanuary().filter((r) => Number(r.timestamp) < Date.parse("2024-01-07T00:00:00Z"));
    const days = [...new Set(kept.map((r) => new Date(Number(r.timestamp)).toISOString().slice(0, 10)))].sort();
    // A session counts on the day it started (as agg_daily_metrics' session_date).
    const started = new Map<string, number>();
    for (const r of kept) started.set(String(r.session_id), Math.min(started.get(String(r.session_id)) ?? Number.POSITIVE_INFINITY, Number(r.timestamp)));
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect((body.data?.analytics.dailyMetrics as Row[]).map((r) => [r.day, r.page_views, r.sessions])).toEqual(
      days.map((day) => [day, kept.filter((r) => dayOf(Number(r.timestamp)) === day).length, [...started.values()].filter((ms) => dayOf(ms) === day).length]),
    );
    // No API or video events in this lake: their questions answer nothing for these days.
    expect((body.data?.analytics.dailyMetrics as Row[]).every((r) => r.api_requests === undefined || r.api_requests === null)).toBe(true);
  });

  it("every field answers only the key's project: another project's key sees none of local's events", async () => {
    const range = `timeRange: { start: "2024-01-01", end: "2024-01-31" }`;
    const document = `{ analytics {
      query(metrics: ["view_count"], dimensions: ["page_url"], ${range}) { rows total_rows }
      timeSeries(${range}, granularity: day) { period value }
      top(dimension: "page_url", ${range}) { value count }
      sessions(${range}, groupBy: ["page_url"]) { page_url sessions }
      dailyMetrics(${range}) { day page_views sessions }
      apiPerformance(${range}) { path requests }
      usage(${range}) { organization_id quantity }
      videoEngagement(${range}) { video_id plays }
    } }`;
    const other = await graphql(document, "other-dev-key");
    // At most 8 lake questions per document: the rest in a second one.
    const events = await graphql(`{ analytics { events(type: page_view, ${range}) { nodes } activeUsers(${range}, granularity: day) { period users sessions } } }`, "other-dev-key");
    expect(other.body.errors).toBeUndefined();
    expect(events.body.errors).toBeUndefined();
    const text = JSON.stringify([other.body.data, events.body.data]);
    expect(text).not.toContain("shop.example");
    expect(text).toContain("other.example");
    const analytics = other.body.data?.analytics as Record<string, Row[] & Row>;
    expect((analytics.query as Row).total_rows).toBe(1);
    expect((analytics.timeSeries as Row[]).reduce((sum, point) => sum + Number(point.value), 0)).toBe(1);
    expect((analytics.dailyMetrics as Row[]).map((d) => d.page_views)).toEqual([1]);
    expect(((events.body.data?.analytics as Row).events as { nodes: Row[] }).nodes.map((node) => node.project_id)).toEqual(["other"]);
  });
});
