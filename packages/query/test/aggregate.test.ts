/**
 * The aggregate SQL, run by native DuckDB over raw rows with the hazards of the lake: copies of
 * one event (raw files are at-least-once), another project's events, bots, events outside the
 * range. Expected figures are computed here in plain TypeScript.
 */
import { lakeColumns } from "@edge-analytics/event-schema";
import { type NativeDuckDB, openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregateSql, columnsFor } from "../src/aggregate.ts";
import { QueryError } from "../src/errors.ts";
import { resolveTimeRange } from "../src/time-range.ts";

const SQL_TYPES = { string: "VARCHAR", float64: "DOUBLE", int64: "BIGINT", boolean: "BOOLEAN", timestamp: "TIMESTAMPTZ", json: "VARCHAR" } as const;

interface Row {
  event_id: string;
  project_id: string;
  timestamp: string;
  received_at: string;
  session_id: string;
  user_id: string | null;
  page_url: string;
  country: string | null;
  is_bot: boolean;
  device_type: string | null;
  time_on_page: number | null;
}

const rows: Row[] = [];
let n = 0;
function view(fields: Partial<Row>): Row {
  n++;
  const row: Row = {
    event_id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    project_id: "local",
    timestamp: "2024-01-15T10:00:00.000Z",
    received_at: "2024-01-15T10:00:01.000Z",
    session_id: `s${n % 4}`,
    user_id: `u${n % 3}`,
    page_url: "https://shop.example/",
    country: "DE",
    is_bot: false,
    device_type: "desktop",
    time_on_page: n,
    ...fields,
  };
  rows.push(row);
  return row;
}
for (let i = 0; i < 6; i++) view({});
for (let i = 0; i < 4; i++) view({ page_url: "https://shop.example/pricing", country: i % 2 ? "FR" : "DE", user_id: i === 0 ? null : `u${i}` });
const duplicated = view({ page_url: "https://shop.example/docs", time_on_page: 100 });
rows.push({ ...duplicated, received_at: "2024-01-15T11:00:00.000Z" }, { ...duplicated, received_at: "2024-01-15T12:00:00.000Z" });
view({ project_id: "other", page_url: "https://shop.example/docs" });
view({ is_bot: true, page_url: "https://shop.example/docs" });
view({ device_type: "bot", page_url: "https://shop.example/docs" });
view({ timestamp: "2024-02-01T00:00:00.000Z", page_url: "https://shop.example/docs" });
view({ timestamp: "2023-12-31T23:59:59.999Z", page_url: "https://shop.example/docs" });

const range = resolveTimeRange({ start: "2024-01-01", end: "2024-01-31" });
let db: NativeDuckDB;

beforeAll(async () => {
  db = await openNativeDuckDB();
  const columns = lakeColumns("page_view");
  await db.run(`CREATE TABLE raw_events (${columns.map((c) => `"${c.name}" ${SQL_TYPES[c.kind]}`).join(", ")})`);
  for (const row of rows) {
    const names = Object.keys(row);
    await db.query(`INSERT INTO raw_events (${names.map((c) => `"${c}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`, Object.values(row));
  }
});
afterAll(() => db.close());

/** The figures by page, computed in TypeScript: first copies, project local, humans, in range. */
function expectedByPage() {
  const seen = new Set<string>();
  const kept = rows.filter((row) => {
    const t = Date.parse(row.timestamp);
    if (row.project_id !== "local" || row.is_bot || row.device_type === "bot" || t < range.fromMs || t >= range.toMs || seen.has(row.event_id)) return false;
    seen.add(row.event_id);
    return true;
  });
  const pages = new Map<string, Row[]>();
  for (const row of kept) pages.set(row.page_url, [...(pages.get(row.page_url) ?? []), row]);
  return [...pages].map(([page_url, views]) => ({
    page_url,
    view_count: views.length,
    unique_users: new Set(views.map((v) => v.user_id).filter((u) => u !== null)).size,
    avg_time_on_page: views.reduce((sum, v) => sum + (v.time_on_page ?? 0), 0) / views.length,
  }));
}

describe("aggregateSql on native DuckDB", () => {
  it("answers the design's pageViews by page_url: first copies, one project, no bots, the range only", async () => {
    const query = aggregateSql("raw_events", {
      type: "page_view",
      projectId: "local",
      range,
      dimensions: ["page_url"],
      metrics: ["view_count", "unique_users", "avg_time_on_page"],
      limit: 100,
    });
    const answer = await db.query(query.sql, query.params);
    const expected = expectedByPage().sort((a, b) => b.view_count - a.view_count || a.page_url.localeCompare(b.page_url));
    expect(answer.map(({ total_rows: _t, ...row }) => row)).toEqual(expected);
    expect(answer.every((row) => row.total_rows === expected.length)).toBe(true);
    // The duplicated event counts once, with its first copy's values.
    expect(answer.find((row) => row.page_url === "https://shop.example/docs")).toMatchObject({ view_count: 1, avg_time_on_page: 100 });
  });

  it("filters, orders, pages and counts groups", async () => {
    const query = aggregateSql("raw_events", {
      type: "page_view",
      projectId: "local",
      range,
      dimensions: ["page_url", "country"],
      metrics: ["view_count"],
      filter: { page_url: { contains: "pricing" } },
      orderBy: [{ field: "country", direction: "DESC" }],
      limit: 1,
      offset: 1,
    });
    expect(await db.query(query.sql, query.params)).toEqual([{ page_url: "https://shop.example/pricing", country: "DE", view_count: 2, total_rows: 2 }]);
  });

  it("counts bots when asked, and answers one row without dimensions", async () => {
    const query = aggregateSql("raw_events", { type: "page_view", projectId: "local", range, dimensions: [], metrics: ["view_count"], includeBots: true, limit: 10 });
    expect(await db.query(query.sql, query.params)).toEqual([{ view_count: expectedByPage().reduce((s, p) => s + p.view_count, 0) + 2, total_rows: 1 }]);
  });

  it("sees nothing of another project", async () => {
    const query = aggregateSql("raw_events", { type: "page_view", projectId: "nobody", range, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 });
    expect(await db.query(query.sql, query.params)).toEqual([]);
  });

  it("binds hostile values and refuses hostile names before any SQL runs", async () => {
    const query = aggregateSql("raw_events", {
      type: "page_view",
      projectId: "local' OR '1'='1",
      range,
      dimensions: ["page_url"],
      metrics: ["view_count"],
      filter: { page_url: { eq: "'; DROP TABLE raw_events; --" } },
      limit: 10,
    });
    expect(query.sql).not.toContain("DROP");
    expect(await db.query(query.sql, query.params)).toEqual([]);
    expect((await db.query<{ n: number }>("SELECT count(*) AS n FROM raw_events"))[0]?.n).toBe(rows.length);
    const bad = (spec: object) => () => aggregateSql("raw_events", { type: "page_view", projectId: "local", range, dimensions: [], metrics: ["view_count"], limit: 10, ...spec });
    expect(bad({ dimensions: ['page_url"; DROP TABLE raw_events; --'] })).toThrow(QueryError);
    expect(bad({ metrics: ["sum(1)"] })).toThrow('unknown field "sum(1)"');
    expect(bad({ orderBy: [{ field: "random()", direction: "ASC" }] })).toThrow(QueryError);
    expect(bad({ limit: 10_001 })).toThrow("must be an integer from 0 to 10000");
    expect(bad({ limit: 1.5 })).toThrow("must be an integer");
    expect(bad({ dimensions: ["page_url", "country", "browser", "os", "referrer", "utm_source"] })).toThrow("at most 5 dimensions");
  });

  it("reads only the columns it needs", () => {
    expect(
      columnsFor({ type: "page_view", projectId: "p", range, dimensions: ["page_url"], metrics: ["unique_users"], filter: { or: [{ country: { eq: "DE" } }] }, limit: 1 }).sort(),
    ).toEqual(["country", "device_type", "event_id", "is_bot", "page_url", "project_id", "received_at", "timestamp", "user_id"]);
  });
});

describe("time series (granularity, time zone) on native DuckDB", () => {
  it("cuts local days across a daylight-saving change, without ICU", async () => {
    const db2 = await openNativeDuckDB();
    try {
      await db2.run(`CREATE TABLE raw_events (${lakeColumns("page_view").map((c) => `"${c.name}" ${SQL_TYPES[c.kind]}`).join(", ")})`);
      // Berlin: 2024-03-31 has 23 hours (UTC+1 until 01:00Z, UTC+2 after). 22:30Z on the 30th is
      // 23:30 on the 30th; 22:30Z on the 31st is already 00:30 on April 1st; 23:30Z on the 29th is 00:30 on the 30th.
      const instants = ["2024-03-30T22:30:00Z", "2024-03-31T00:30:00Z", "2024-03-31T21:59:00Z", "2024-03-31T22:30:00Z", "2024-03-29T23:30:00Z"];
      for (const [i, at] of instants.entries()) {
        await db2.query(`INSERT INTO raw_events ("event_id", "project_id", "timestamp", "received_at", "session_id", "page_url", "is_bot") VALUES (?, 'p', ?, ?, 's', 'https://a.example/', false)`, [`e${i}`, at, at]);
      }
      const query = aggregateSql("raw_events", {
        type: "page_view",
        projectId: "p",
        range: resolveTimeRange({ start: "2024-03-30", end: "2024-04-01" }, "Europe/Berlin"),
        dimensions: [],
        metrics: ["view_count"],
        granularity: "day",
        timeZone: "Europe/Berlin",
        limit: 100,
      });
      expect((await db2.query(query.sql, query.params)).map(({ period, view_count }) => [period, view_count])).toEqual([
        ["2024-03-30T00:00:00", 2],
        ["2024-03-31T00:00:00", 2],
        ["2024-04-01T00:00:00", 1],
      ]);
      const hourly = aggregateSql("raw_events", { type: "page_view", projectId: "p", range: resolveTimeRange({ start: "2024-03-31", end: "2024-03-31" }, "Europe/Berlin"), dimensions: [], metrics: ["view_count"], granularity: "hour", timeZone: "Europe/Berlin", limit: 100 });
      // 00:30Z is 01:30 CET; 21:59Z is 23:59 CEST.
      expect((await db2.query(hourly.sql, hourly.params)).map((r) => r.period)).toEqual(["2024-03-31T01:00:00", "2024-03-31T23:00:00"]);
    } finally {
      db2.close();
    }
  });
});
