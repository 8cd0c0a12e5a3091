/**
 * The design's query, verbatim, through the real GraphQL schema (graphql-yoga) and the real
 * planner, over Parquet files written by the lake's own writer, with native DuckDB as the engine
 * (the Worker runs DuckDB-WASM; workers/api/test covers that). Expected figures are computed here
 * in plain TypeScript. Files hold copies of one event (raw files are at-least-once), another
 * project's events, bots and events outside the range.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lakeColumns } from "@edge-analytics/event-schema";
import { encodeLakeRows, initZstd } from "@edge-analytics/lake";
import type { CatalogFileRef, RawLoader } from "@edge-analytics/query";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";
import { type NativeDuckDB, openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnalyticsContext, analyticsResolvers, analyticsTypeDefs, useAnswerMeta, useDocumentLimits } from "../src/index.ts";

const DESIGN_QUERY = `query { analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["page_url"]) {
  page_url view_count unique_users avg_time_on_page } } }`;

type Record_ = Record<string, unknown>;
let n = 0;
function view(fields: Record_): Record_ {
  n++;
  return {
    type: "page_view",
    event_id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    timestamp: Date.parse("2024-01-10T10:00:00Z") + n * 60_000,
    received_at: Date.parse("2024-01-10T10:00:00Z") + n * 60_000 + 500,
    session_id: `s${n % 5}`,
    user_id: n % 4 === 0 ? null : `u${n % 3}`,
    project_id: "local",
    environment: "production",
    is_bot: false,
    page_url: `https://shop.example/${["", "pricing", "docs"][n % 3]}`,
    time_on_page: (n % 7) * 3.5,
    ...fields,
  };
}

const fileA: Record_[] = Array.from({ length: 30 }, () => view({}));
const fileB: Record_[] = [...Array.from({ length: 20 }, () => view({})), view({ project_id: "other" }), view({ is_bot: true }), view({ timestamp: Date.parse("2024-02-02T00:00:00Z") })];
// A client retry: the same events again in a later file (the next hour's partition).
const fileC: Record_[] = [...fileA.slice(0, 5).map((r) => ({ ...r, received_at: Number(r.received_at) + 3_600_000 })), view({ timestamp: Date.parse("2023-12-30T00:00:00Z") })];

let dir: string;
let db: NativeDuckDB;
const catalogFiles: CatalogFileRef[] = [];
const apiFiles: CatalogFileRef[] = [];
// API requests of one day: two endpoints, one slow and failing now and then.
const apiRequests: Record_[] = Array.from({ length: 40 }, (_, i) => ({
  type: "api_request",
  event_id: `00000000-0000-7000-9000-${String(i).padStart(12, "0")}`,
  timestamp: Date.parse("2024-01-12T09:00:00Z") + i * 60_000,
  received_at: Date.parse("2024-01-12T09:00:00Z") + i * 60_000 + 100,
  session_id: "server",
  project_id: "local",
  environment: "production",
  is_bot: false,
  method: i % 2 ? "GET" : "POST",
  path: i % 2 ? "/v1/items/:id" : "/v1/orders",
  status_code: i % 10 === 0 ? 503 : 200,
  duration_ms: (i % 2 ? 10 : 100) + i,
  organization_id: `org_${i % 3}`,
}));
let relations = 0;

beforeAll(async () => {
  initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  dir = mkdtempSync(join(tmpdir(), "graphql-page-views-"));
  for (const [name, records] of [["a", fileA], ["b", fileB], ["c", fileC]] as const) {
    const bytes = encodeLakeRows("page_view", records.map((r) => lakeRowFromRecord("page_view", r)));
    writeFileSync(join(dir, `${name}.parquet`), bytes);
    const times = records.map((r) => Number(r.timestamp));
    catalogFiles.push({ key: `${name}.parquet`, rows: records.length, bytes: bytes.byteLength, min_timestamp: new Date(Math.min(...times)).toISOString(), max_timestamp: new Date(Math.max(...times)).toISOString() });
  }
  const apiBytes = encodeLakeRows("api_request", apiRequests.map((r) => lakeRowFromRecord("api_request", r)));
  writeFileSync(join(dir, "api.parquet"), apiBytes);
  apiFiles.push({ key: "api.parquet", rows: apiRequests.length, bytes: apiBytes.byteLength, min_timestamp: "2024-01-12T09:00:00.000Z", max_timestamp: "2024-01-12T09:39:00.000Z" });
  db = await openNativeDuckDB();
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Native DuckDB reads the planned files' columns into a temporary table, as the Worker's loader does with DuckDB-WASM. */
const loader: RawLoader = {
  async load({ type, files, columns }) {
    const name = `raw_${++relations}`;
    const known = new Set(lakeColumns(type).map((c) => c.name));
    const list = files.map((f) => `'${join(dir, f.key)}'`).join(", ");
    const selected = columns.filter((c) => known.has(c));
    if (files.length === 0) {
      // No file to read: an empty relation with the table's columns, as the Worker's loader gives.
      const types = { string: "VARCHAR", float64: "DOUBLE", int64: "BIGINT", boolean: "BOOLEAN", timestamp: "TIMESTAMPTZ", json: "VARCHAR" } as const;
      const specs = lakeColumns(type).filter((c) => selected.includes(c.name));
      await db.run(`CREATE TEMP TABLE ${name} (${specs.map((c) => `"${c.name}" ${types[c.kind]}`).join(", ")})`);
    } else {
      await db.run(`CREATE TEMP TABLE ${name} AS SELECT ${selected.map((c) => `"${c}"`).join(", ")} FROM read_parquet([${list}], union_by_name = true)`);
    }
    const rows = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`))[0]?.n ?? 0;
    return { name, stats: { rows, rowGroupsRead: files.length, rowGroupsSkipped: 0, bytesRead: files.reduce((s, f) => s + f.bytes, 0) }, release: () => db.run(`DROP TABLE ${name}`) };
  },
};

function yoga(projectId = "local", maxRows = 1_000_000, maxStreamRows?: number) {
  return createYoga<AnalyticsContext>({
    schema: createSchema<AnalyticsContext>({ typeDefs: [analyticsTypeDefs(), "type Query { analytics: Analytics! }"], resolvers: analyticsResolvers }),
    plugins: [useAnswerMeta(), useDocumentLimits()],
    context: () => ({
      projectId,
      answerMeta: new Map(),
      analytics: { catalog: { files: async (table: string) => (table === "page_views" ? catalogFiles : table === "api_requests" ? apiFiles : []) }, loader, engine: db, budget: { maxRows, ...(maxStreamRows ? { maxStreamRows } : {}) } },
    }),
  });
}

async function ask(query: string, projectId?: string, maxRows?: number, maxStreamRows?: number) {
  const response = await yoga(projectId, maxRows, maxStreamRows).fetch("http://local/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: { analytics: { pageViews: Record_[] } }; errors?: { message: string; path?: string[]; extensions?: Record_ }[]; extensions?: { meta?: Record_ } };
}

function expected(projectId: string) {
  const seen = new Set<string>();
  const from = Date.parse("2024-01-01T00:00:00Z");
  const to = Date.parse("2024-02-01T00:00:00Z");
  const kept = [...fileA, ...fileB, ...fileC].filter((r) => {
    const t = Number(r.timestamp);
    if (r.project_id !== projectId || r.is_bot || t < from || t >= to || seen.has(String(r.event_id))) return false;
    seen.add(String(r.event_id));
    return true;
  });
  const byPage = new Map<string, Record_[]>();
  for (const r of kept) byPage.set(String(r.page_url), [...(byPage.get(String(r.page_url)) ?? []), r]);
  return [...byPage]
    .map(([page_url, views]) => ({
      page_url,
      view_count: views.length,
      unique_users: new Set(views.map((v) => v.user_id).filter((u) => u !== null)).size,
      avg_time_on_page: views.reduce((s, v) => s + Number(v.time_on_page), 0) / views.length,
    }))
    .sort((a, b) => b.view_count - a.view_count || a.page_url.localeCompare(b.page_url));
}

describe("analytics.pageViews", () => {
  it("answers the design's query verbatim: each event once, this project, no bots, January only", async () => {
    const answer = await ask(DESIGN_QUERY);
    expect(answer.errors).toBeUndefined();
    const rows = answer.data?.analytics.pageViews ?? [];
    const want = expected("local");
    expect(rows.map((r) => r.page_url)).toEqual(want.map((r) => r.page_url));
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ page_url: want[i]?.page_url, view_count: want[i]?.view_count, unique_users: want[i]?.unique_users });
      expect(row.avg_time_on_page).toBeCloseTo(want[i]?.avg_time_on_page ?? Number.NaN, 9);
    }
    expect(want.reduce((s, r) => s + r.view_count, 0)).toBe(50);
  });

  it("reports meta beside data: the tier, files read and skipped, rows scanned, freshness", async () => {
    const answer = await ask(DESIGN_QUERY);
    expect(answer.extensions?.meta?.["analytics.pageViews"]).toMatchObject({
      tiers: [{ tier: "raw", from: "2024-01-01T00:00:00.000Z", to: "2024-02-01T00:00:00.000Z" }],
      files_read: 3,
      files_skipped: 0,
      rows_scanned: fileA.length + fileB.length + fileC.length,
      freshness: { raw_through: "2024-02-02T00:00:00.000Z", mart_built_at: null, realtime_through: null },
      cached: false,
    });
  });

  it("another project's key sees only its own events", async () => {
    const answer = await ask(DESIGN_QUERY, "other");
    expect(answer.data?.analytics.pageViews).toEqual(expected("other").map((r) => ({ ...r })));
    expect((await ask(DESIGN_QUERY, "nobody")).data?.analytics.pageViews).toEqual([]);
  });

  it("filters, groups by several dimensions, orders and pages", async () => {
    const answer = await ask(`{ analytics { pageViews(timeRange: { start: "2024-01-10T00:00:00Z", end: "2024-01-11T00:00:00Z" },
      groupBy: ["page_url", "session_id"], filter: { page_url: { contains: "pricing" }, user_id: { is_set: true } },
      orderBy: [{ field: "session_id", direction: ASC }], limit: 2) { page_url session_id view_count country } } }`);
    expect(answer.errors).toBeUndefined();
    const rows = answer.data?.analytics.pageViews ?? [];
    expect(rows.length).toBe(2);
    expect(rows.every((r) => r.page_url === "https://shop.example/pricing" && r.country === null)).toBe(true);
    expect(String(rows[0]?.session_id) < String(rows[1]?.session_id)).toBe(true);
  });

  it.each([
    [`groupBy: ["page_url\\"; DROP TABLE x; --"]`, "BAD_ARGUMENT", "unknown field"],
    [`groupBy: ["properties"]`, "BAD_ARGUMENT", "unknown field"],
    [`filter: { page_url: { eq: "x' OR '1'='1" } }`, null, null],
    [`limit: 100000`, "BAD_ARGUMENT", "must be an integer from 0 to 10000"],
    [`orderBy: [{ field: "random()" }]`, "BAD_ARGUMENT", "unknown field"],
  ])("hostile %s gets a GraphQL error (or nothing), never SQL or a stack", async (argument, code, message) => {
    const grouped = argument.startsWith("groupBy") ? "" : `groupBy: ["page_url"], `;
    const answer = await ask(`{ analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, ${grouped}${argument}) { page_url view_count } } }`);
    if (code === null) {
      expect(answer.data?.analytics.pageViews).toEqual([]);
      return;
    }
    expect(answer.errors?.[0]?.extensions?.code).toBe(code);
    expect(answer.errors?.[0]?.message).toContain(message);
    expect(JSON.stringify(answer)).not.toMatch(/SELECT|QUALIFY|at .*\.ts/);
  });

  it("a question over the read budget gets the narrowing error", async () => {
    const answer = await ask(DESIGN_QUERY, "local", 10);
    expect(answer.errors?.[0]?.extensions?.code).toBe("OVER_BUDGET");
    expect(answer.errors?.[0]?.message).toContain("narrow it with a shorter timeRange, a coarser granularity or fewer dimensions");
  });

  it("streams a question over the load budget chunk by chunk: the same answer, copies across chunks counted once", async () => {
    // 30 rows at once: file a, then b and c (c holds copies of a's events) in a second chunk.
    const answer = await ask(DESIGN_QUERY, "local", 30, 1000);
    expect(answer.errors).toBeUndefined();
    const rows = answer.data?.analytics.pageViews ?? [];
    const want = expected("local");
    expect(rows.map((r) => [r.page_url, r.view_count, r.unique_users])).toEqual(want.map((r) => [r.page_url, r.view_count, r.unique_users]));
    for (const [i, row] of rows.entries()) expect(row.avg_time_on_page).toBeCloseTo(want[i]?.avg_time_on_page ?? Number.NaN, 9);
    expect((answer.extensions?.meta?.["analytics.pageViews"] as { notes?: string[] }).notes?.[0]).toContain("streamed: 2 chunks");
    // Session metrics need a range's rows at once: refused, saying which and how to narrow.
    const sessions = await ask(`{ analytics { query(metrics: ["bounce_rate"], timeRange: { start: "2024-01-01", end: "2024-01-31" }) { rows } } }`, "local", 30, 1000);
    expect(sessions.errors?.[0]?.extensions?.code).toBe("OVER_BUDGET");
    expect(sessions.errors?.[0]?.message).toContain("bounce_rate needs every row of the range at once");
    // Over the streaming ceiling too.
    const ceiling = await ask(DESIGN_QUERY, "local", 30, 40);
    expect(ceiling.errors?.[0]?.message).toContain("more than one request may read (40)");
  });

  it("a failing question is null with its error; the document's other answers stand", async () => {
    const answer = await ask(`{ analytics {
      ok: pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }) { view_count }
      bad: query(metrics: ["latency_p95", "view_count"], timeRange: { start: "2024-01-01", end: "2024-01-31" }) { rows }
    } }`);
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[["analytics", "bad"], "BAD_ARGUMENT"]]);
    const data = answer.data as unknown as { analytics: { ok: Record_[]; bad: unknown } };
    expect(data.analytics.bad).toBeNull();
    expect(data.analytics.ok).toEqual([{ view_count: expected("local").reduce((sum, page) => sum + page.view_count, 0) }]);
  });

  it("limits depth, aliases and the number of lake questions per document", async () => {
    const many = Array.from({ length: 9 }, (_, i) => `q${i}: pageViews(timeRange: { start: "2024-01-01", end: "2024-01-02" }) { view_count }`).join(" ");
    const answer = await ask(`{ analytics { ${many} } }`);
    expect(answer.errors?.[0]?.message).toBe("at most 8 analytics questions per document; send the rest in another request");
    expect(answer.data).toBeUndefined();
  });
});

describe("analytics.query, timeSeries and top", () => {
  const JAN = `timeRange: { start: "2024-01-01", end: "2024-01-31" }`;

  it("query answers the same figures as pageViews, with total_rows", async () => {
    const answer = await ask(`{ analytics { query(metrics: ["view_count", "unique_users"], dimensions: ["page_url"], ${JAN}) { rows total_rows from to } } }`);
    expect(answer.errors).toBeUndefined();
    const result = (answer.data?.analytics as unknown as { query: { rows: Record_[]; total_rows: number; from: string } }).query;
    expect(result.rows).toEqual(expected("local").map(({ page_url, view_count, unique_users }) => ({ page_url, view_count, unique_users })));
    expect(result.total_rows).toBe(expected("local").length);
    expect(result.from).toBe("2024-01-01T00:00:00.000Z");
  });

  it("query compares with the previous period", async () => {
    const answer = await ask(`{ analytics { query(metrics: ["view_count"], timeRange: { start: "2024-01-10", end: "2024-01-10" }, compare: PREVIOUS_PERIOD) { rows from comparison { rows from to } } } }`);
    const result = (answer.data?.analytics as unknown as { query: { rows: Record_[]; comparison: { rows: Record_[]; from: string; to: string } } }).query;
    expect(result.rows).toEqual([{ view_count: 50 }]);
    expect(result.comparison).toEqual({ rows: [{ view_count: 0 }], from: "2024-01-09T00:00:00.000Z", to: "2024-01-10T00:00:00.000Z" });
    expect(Object.keys(answer.extensions?.meta ?? {}).sort()).toEqual(["analytics.query", "analytics.query.comparison"]);
  });

  it("timeSeries counts per local period, top lists a dimension's values", async () => {
    const series = await ask(`{ analytics { timeSeries(${JAN}, granularity: hour, timezone: "Asia/Kolkata") { period value } } }`);
    const points = (series.data?.analytics as unknown as { timeSeries: { period: string; value: number }[] }).timeSeries;
    // The views run from 10:01Z on January 10th, a minute apart: 15:31 onwards in Kolkata (UTC+05:30).
    expect(points[0]).toEqual({ period: "2024-01-10T15:00:00", value: 29 });
    expect(points.reduce((s, p) => s + p.value, 0)).toBe(50);
    const top = await ask(`{ analytics { top(dimension: "page_url", ${JAN}, limit: 2) { value count } } }`);
    expect((top.data?.analytics as unknown as { top: unknown[] }).top).toEqual(expected("local").slice(0, 2).map((r) => ({ value: r.page_url, count: r.view_count })));
  });

  it.each([
    [`metrics: ["view_count", "requests"]`, "metrics of one event type per question"],
    [`metrics: ["DROP TABLE"]`, 'unknown metric "DROP TABLE"'],
    [`metrics: ["view_count"], filter: "country = 'DE'"`, "must be an object"],
    [`metrics: ["view_count"], timezone: "Nowhere/Else"`, 'unknown time zone "Nowhere/Else"'],
  ])("query refuses %s", async (argument, message) => {
    const answer = await ask(`{ analytics { query(${argument}, ${JAN}) { rows } } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe("BAD_ARGUMENT");
    expect(answer.errors?.[0]?.message).toContain(message);
  });
});

describe("typed fields over the general query", () => {
  const JAN = `timeRange: { start: "2024-01-01", end: "2024-01-31" }`;

  it("apiPerformance: requests, 5xx and latency percentiles per endpoint", async () => {
    const answer = await ask(`{ analytics { apiPerformance(${JAN}) { method path requests errors error_rate latency_p50 latency_p95 latency_p99 } } }`);
    expect(answer.errors).toBeUndefined();
    const rows = (answer.data?.analytics as unknown as { apiPerformance: Record_[] }).apiPerformance;
    for (const [method, path] of [["GET", "/v1/items/:id"], ["POST", "/v1/orders"]] as const) {
      const mine = apiRequests.filter((r) => r.method === method);
      const durations = mine.map((r) => Number(r.duration_ms)).sort((a, b) => a - b);
      const row = rows.find((r) => r.path === path);
      expect(row).toMatchObject({ method, requests: mine.length, errors: mine.filter((r) => Number(r.status_code) >= 500).length });
      // quantile_cont: linear interpolation between the two nearest ranks.
      const at = (q: number) => {
        const position = q * (durations.length - 1);
        const low = Math.floor(position);
        return (durations[low] ?? 0) + ((durations[Math.ceil(position)] ?? 0) - (durations[low] ?? 0)) * (position - low);
      };
      expect(row?.latency_p50).toBeCloseTo(at(0.5), 9);
      expect(row?.latency_p95).toBeCloseTo(at(0.95), 9);
    }
  });

  it("usage is empty without usage events; videoEngagement too; activeUsers counts users and sessions per day", async () => {
    const answer = await ask(`{ analytics { usage(${JAN}) { organization_id quantity } videoEngagement(${JAN}) { video_id plays } activeUsers(${JAN}) { period users sessions } } }`);
    expect(answer.errors).toBeUndefined();
    const data = answer.data?.analytics as unknown as { usage: unknown[]; videoEngagement: unknown[]; activeUsers: { period: string; users: number; sessions: number }[] };
    expect(data.usage).toEqual([]);
    expect(data.videoEngagement).toEqual([]);
    expect(data.activeUsers).toEqual([{ period: "2024-01-10T00:00:00", users: 3, sessions: 5 }]);
  });

  it("events lists raw events newest first, each once, page by page", async () => {
    const ids: string[] = [];
    let after = "";
    for (let page = 0; page < 20; page++) {
      const answer = await ask(`{ analytics { events(type: page_view, ${JAN}, first: 20${after ? `, after: "${after}"` : ""}) { nodes pageInfo { hasNextPage endCursor } } } }`);
      expect(answer.errors).toBeUndefined();
      const events = (answer.data?.analytics as unknown as { events: { nodes: Record_[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }).events;
      ids.push(...events.nodes.map((n) => String(n.event_id)));
      if (!events.pageInfo.hasNextPage) break;
      after = events.pageInfo.endCursor;
    }
    // Bots are listed (includeBots defaults to true here): 50 humans + 1 bot of project local in January.
    expect(ids.length).toBe(51);
    expect(new Set(ids).size).toBe(51);
    const first = await ask(`{ analytics { events(type: page_view, ${JAN}, first: 1) { nodes } } }`);
    const node = (first.data?.analytics as unknown as { events: { nodes: Record_[] } }).events.nodes[0];
    expect(node).toMatchObject({ type: "page_view", project_id: "local" });
    expect(String(node?.timestamp)).toMatch(/^2024-01-\d\dT\d\d:\d\d:00\.000Z$/);
  });
});
