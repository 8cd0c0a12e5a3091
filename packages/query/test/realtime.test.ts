/**
 * The realtime tier's planning and merging (pure), and its Analytics Engine SQL run by the local
 * Analytics Engine stand-in (packages/ae-sql) over recorded data points, as the API Worker's
 * hot-data client would send it.
 */
import { type EventRecord, toAnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { realtimeAggregateQuery } from "@edge-analytics/sql";
// The stand-in's own test fixture: the recorder's table in node:sqlite (packages/ae-sql runs the same corpus in workerd).
import { DataPointsFixture } from "../../ae-sql/test/fixture.ts";
import { describe, expect, it } from "vitest";
import type { AggregateSpec } from "../src/aggregate.ts";
import { mergeRealtime, orderAndPage, planRealtime } from "../src/realtime.ts";
import { resolveTimeRange } from "../src/time-range.ts";

const DAY = resolveTimeRange({ start: "2024-01-10", end: "2024-01-10" });
const spec = (overrides: Partial<AggregateSpec> = {}): AggregateSpec => ({ type: "page_view", projectId: "local", range: DAY, dimensions: ["page_url"], metrics: ["view_count"], limit: 10, ...overrides });
const NOON = Date.parse("2024-01-10T12:00:00Z");

describe("planRealtime", () => {
  it("asks Analytics Engine for the part of the range newer than every raw file", () => {
    const plan = planRealtime(spec({ filter: { country: { in: ["DE", "FR"] }, utm_source: { neq: "x" } } }), NOON, NOON + 1000);
    expect(plan).toEqual({
      question: {
        type: "page_view",
        projectId: "local",
        fromMs: NOON + 1,
        toMs: NOON + 61_000,
        dimensions: ["page_url"],
        measures: { view_count: { count: true } },
        conditions: [
          { field: "country", op: "in", values: ["DE", "FR"] },
          { field: "utm_source", op: "neq", values: ["x"] },
        ],
        includeBots: false,
      },
    });
  });

  it("says why when it cannot: the lake has it all, a metric is not additive, a field or filter Analytics Engine cannot apply, a time series", () => {
    expect(planRealtime(spec(), DAY.toMs, DAY.toMs + 5)).toEqual({ skipped: "the lake holds the whole range" });
    expect(planRealtime(spec(), null, NOON + 91 * 86_400_000)).toEqual({ skipped: "the range is older than Analytics Engine keeps" });
    expect(planRealtime(spec({ metrics: ["unique_users"] }), NOON, NOON)).toEqual({ skipped: "unique_users is not additive" });
    expect(planRealtime(spec({ metrics: ["bounce_rate"] }), NOON, NOON)).toEqual({ skipped: "bounce_rate is not additive" });
    expect(planRealtime(spec({ dimensions: ["properties.plan"] }), NOON, NOON)).toMatchObject({ skipped: expect.stringContaining("properties.plan") });
    expect(planRealtime(spec({ filter: { or: [{ country: { eq: "DE" } }] } }), NOON, NOON)).toEqual({ skipped: "the filter nests and/or" });
    expect(planRealtime(spec({ filter: { page_url: { contains: "x" } } }), NOON, NOON)).toEqual({ skipped: "the filter uses contains on page_url" });
    expect(planRealtime(spec({ granularity: "hour" }), NOON, NOON)).toEqual({ skipped: "time series are answered from the lake" });
  });

  it("sums usage quantity from its double", () => {
    const plan = planRealtime(spec({ type: "usage", dimensions: ["organization_id", "sku"], metrics: ["quantity", "usage_events"] }), null, NOON);
    expect(plan).toMatchObject({ question: { fromMs: DAY.fromMs, measures: { quantity: { sum: "quantity" }, usage_events: { count: true } } } });
  });
});

describe("mergeRealtime and orderAndPage", () => {
  it("adds counts to the lake's groups, makes new groups, reads '' as null, and orders and pages like the SQL", () => {
    const question = { type: "page_view", projectId: "local", fromMs: 0, toMs: 1, dimensions: ["page_url"], measures: { view_count: { count: true } }, conditions: [], includeBots: false } as const;
    const merged = mergeRealtime(
      [
        { page_url: "/a", view_count: 5 },
        { page_url: "/b", view_count: 4 },
        { page_url: null, view_count: 1 },
      ],
      [
        { page_url: "/b", view_count: "3", through_ms: 1700 },
        { page_url: "/c", view_count: "4", through_ms: 1800 },
        { page_url: "", view_count: "2", through_ms: 1500 },
      ],
      { ...question, dimensions: [...question.dimensions], conditions: [] },
    );
    expect(merged.throughMs).toBe(1800);
    expect(orderAndPage(merged.rows, spec({ limit: 10 }))).toEqual([
      { page_url: "/b", view_count: 7 },
      { page_url: "/a", view_count: 5 },
      { page_url: "/c", view_count: 4 },
      { page_url: null, view_count: 3 },
    ]);
    expect(orderAndPage(merged.rows, spec({ limit: 2, offset: 1, orderBy: [{ field: "page_url", direction: "ASC" }] }))).toEqual([
      { page_url: "/b", view_count: 7 },
      { page_url: "/c", view_count: 4 },
    ]);
  });
});

describe("realtimeAggregateQuery", () => {
  it("renders names from the column map and values as literals, refusing what it cannot render", () => {
    const query = realtimeAggregateQuery({
      type: "page_view",
      projectId: "local",
      fromMs: 1,
      toMs: 2,
      dimensions: ["page_url"],
      measures: { view_count: { count: true } },
      conditions: [{ field: "country", op: "eq", values: ["it's"] }],
      includeBots: false,
    });
    expect(query.sql).toBe(
      [
        "SELECT blob11 AS page_url, sum(_sample_interval) AS view_count, max(double2) AS through_ms",
        "FROM analytics_events",
        "WHERE index1 = 'local'",
        "  AND blob1 = 'page_view'",
        "  AND double2 >= 1",
        "  AND double2 < 2",
        "  AND double1 = 0",
        "  AND blob10 != 'bot'",
        "  AND blob7 = 'it\\'s'",
        "GROUP BY blob11",
        "FORMAT JSON",
      ].join("\n"),
    );
    const base = { type: "page_view" as const, projectId: "local", fromMs: 1, toMs: 2, dimensions: [], measures: { n: { count: true as const } }, conditions: [], includeBots: true };
    expect(() => realtimeAggregateQuery({ ...base, projectId: "x' OR 1=1" })).toThrow("invalid project id");
    expect(() => realtimeAggregateQuery({ ...base, dimensions: ["page_url; DROP"] })).toThrow("not a text field");
    expect(() => realtimeAggregateQuery({ ...base, measures: { "n) FROM x --": { count: true } } })).toThrow("invalid measure name");
  });
});

describe("realtimeAggregateQuery on the Analytics Engine stand-in", () => {
  it("counts each project's human page views by page in the window, from data points as ingestion writes them", () => {
    const view = (i: number, fields: Partial<EventRecord> = {}) =>
      ({
        type: "page_view",
        event_id: `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
        timestamp: new Date(NOON + i * 1000).toISOString(),
        received_at: new Date(NOON + i * 1000).toISOString(),
        session_id: "s",
        project_id: "local",
        environment: "production",
        is_bot: false,
        page_url: `https://x.example/${i % 2 ? "a" : "b"}`,
        ...fields,
      }) as EventRecord;
    const records = [view(1), view(2), view(3), view(4, { is_bot: true }), view(5, { project_id: "other" }), view(6, { timestamp: new Date(NOON - 60_000).toISOString() })];
    const fixture = new DataPointsFixture(
      records.map((record) => {
        const point = toAnalyticsEngineDataPoint(record);
        return { timestamp: NOON, index1: point.indexes[0], blobs: point.blobs.map(String), doubles: point.doubles };
      }),
    );
    const plan = planRealtime(spec(), NOON - 1, NOON + 10_000);
    if (!("question" in plan)) throw new Error(plan.skipped);
    const rows = fixture.rows(realtimeAggregateQuery(plan.question).sql);
    const merged = mergeRealtime([], rows, plan.question);
    expect(orderAndPage(merged.rows, spec())).toEqual([
      { page_url: "https://x.example/a", view_count: 2 },
      { page_url: "https://x.example/b", view_count: 1 },
    ]);
    expect(merged.throughMs).toBe(NOON + 3000);
  });
});
