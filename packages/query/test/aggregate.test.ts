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
import type { Filter } from "../src/filters.ts";
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

/** The kept rows (first copies, project local, humans, in range), as the planner should see them. */
function keptRows(): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const t = Date.parse(row.timestamp);
    if (row.project_id !== "local" || row.is_bot || row.device_type === "bot" || t < range.fromMs || t >= range.toMs || seen.has(row.event_id)) return false;
    seen.add(row.event_id);
    return true;
  });
}

describe("copies are resolved before conditions on their values", () => {
  it("a resent copy of a bot-flagged or filtered-out event does not stand in for it", async () => {
    const copies = await openNativeDuckDB();
    try {
      await copies.run(`CREATE TABLE raw_events (${lakeColumns("page_view").map((c) => `"${c.name}" ${SQL_TYPES[c.kind]}`).join(", ")})`);
      // e1: first copy a bot's, resent later from a browser; e2: first copy on /a, a later (corrupt) copy on /b.
      for (const [id, received, bot, page] of [["e1", "10:00", true, "/a"], ["e1", "11:00", false, "/a"], ["e2", "10:00", false, "/a"], ["e2", "11:00", false, "/b"]] as const) {
        await copies.query(
          `INSERT INTO raw_events ("event_id", "project_id", "timestamp", "received_at", "session_id", "page_url", "is_bot") VALUES (?, 'p', '2024-01-15T09:00:00Z', ?, 's', ?, ?)`,
          [id, `2024-01-15T${received}:00Z`, `https://x.example${page}`, bot],
        );
      }
      const ask = (filter?: Filter) => aggregateSql("raw_events", { type: "page_view", projectId: "p", range, dimensions: [], metrics: ["view_count"], limit: 1, ...(filter ? { filter } : {}) });
      const count = async (filter?: Filter) => {
        const query = ask(filter);
        return (await copies.query<{ view_count: number }>(query.sql, query.params))[0]?.view_count;
      };
      expect(await count()).toBe(1);
      expect(await count({ page_url: { eq: "https://x.example/b" } })).toBe(0);
    } finally {
      copies.close();
    }
  });
});

describe("session metrics on native DuckDB", () => {
  /** Sessions in TypeScript: grouped by the first page view's page (timestamp, then event_id), as int_sessions. */
  function expectedSessions() {
    const sessions = new Map<string, Row[]>();
    for (const row of keptRows()) sessions.set(row.session_id, [...(sessions.get(row.session_id) ?? []), row]);
    const byLanding = new Map<string, { pages: number[]; durations: number[] }>();
    for (const views of sessions.values()) {
      const ordered = [...views].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.event_id.localeCompare(b.event_id));
      const start = Date.parse(ordered[0]!.timestamp);
      const end = Math.max(...views.map((v) => Date.parse(v.timestamp) + (v.time_on_page ?? 0) * 1000));
      const entry = byLanding.get(ordered[0]!.page_url) ?? { pages: [], durations: [] };
      entry.pages.push(views.length);
      entry.durations.push((end - start) / 1000);
      byLanding.set(ordered[0]!.page_url, entry);
    }
    return byLanding;
  }

  it("counts sessions, bounce rate and duration per landing page, beside page views per page", async () => {
    const query = aggregateSql("raw_events", {
      type: "page_view",
      projectId: "local",
      range,
      dimensions: ["page_url"],
      metrics: ["view_count", "sessions", "bounce_rate", "avg_session_duration", "views_per_session"],
      orderBy: [{ field: "page_url", direction: "ASC" }],
      limit: 100,
    });
    const answer = await db.query<Record<string, unknown>>(query.sql, query.params);
    const sessions = expectedSessions();
    const views = new Map(expectedByPage().map((p) => [p.page_url, p.view_count]));
    const pages = [...new Set([...views.keys(), ...sessions.keys()])].sort();
    expect(answer.map((row) => row.page_url)).toEqual(pages);
    for (const row of answer) {
      const entry = sessions.get(String(row.page_url));
      expect(row.view_count).toBe(views.get(String(row.page_url)) ?? 0);
      expect(row.sessions).toBe(entry?.pages.length ?? 0);
      if (!entry) continue;
      expect(row.bounce_rate).toBeCloseTo(entry.pages.filter((p) => p === 1).length / entry.pages.length, 12);
      expect(row.avg_session_duration).toBeCloseTo(entry.durations.reduce((a, b) => a + b, 0) / entry.durations.length, 9);
      expect(row.views_per_session).toBeCloseTo(entry.pages.reduce((a, b) => a + b, 0) / entry.pages.length, 12);
      expect(row.total_rows).toBe(pages.length);
    }
  });

  it("answers session metrics alone, without dimensions", async () => {
    const query = aggregateSql("raw_events", { type: "page_view", projectId: "local", range, dimensions: [], metrics: ["sessions"], limit: 10 });
    expect(await db.query(query.sql, query.params)).toEqual([{ sessions: new Set(keptRows().map((r) => r.session_id)).size, total_rows: 1 }]);
  });

  it("trusts a relation marked unique (mart rows): no deduplication pass", async () => {
    const query = aggregateSql("raw_events", { type: "page_view", projectId: "local", range, dimensions: [], metrics: ["view_count"], limit: 10, unique: true });
    expect(query.sql).not.toContain("row_number");
    // Here the relation has copies, so trusting it counts them: the planner marks only mart rows unique.
    expect((await db.query<{ view_count: number }>(query.sql, query.params))[0]?.view_count).toBe(keptRows().length + 2);
  });
});

describe("video watch time on native DuckDB", () => {
  it("sums, per video, content seconds from each play to the session's next event on it (as fact_video_engagement)", async () => {
    const video = await openNativeDuckDB();
    try {
      await video.run(`CREATE TABLE raw_events (${lakeColumns("video_event").map((c) => `"${c.name}" ${SQL_TYPES[c.kind]}`).join(", ")})`);
      // Session a: play at 0, pause at 30 (30 s), play at 30, complete at 100 (70 s); session b: play at 10, seek to 5 (0 s), play 5, nothing after (0 s).
      const events = [
        ["a", "v1", "play", 0, "10:00:00"],
        ["a", "v1", "pause", 30, "10:00:30"],
        ["a", "v1", "play", 30, "10:01:00"],
        ["a", "v1", "complete", 100, "10:02:10"],
        ["b", "v1", "play", 10, "11:00:00"],
        ["b", "v1", "seek", 5, "11:00:05"],
        ["b", "v1", "play", 5, "11:00:06"],
        ["b", "v2", "play", 0, "11:00:07"],
        ["b", "v2", "pause", 12.5, "11:00:20"],
      ] as const;
      for (const [i, [session, videoId, action, position, time]] of events.entries()) {
        const at = `2024-01-15T${time}Z`;
        await video.query(
          `INSERT INTO raw_events ("event_id", "project_id", "timestamp", "received_at", "session_id", "video_id", "action", "position", "is_bot") VALUES (?, 'p', ?, ?, ?, ?, ?, ?, false)`,
          [`e${i}`, at, at, session, videoId, action, position],
        );
      }
      const query = aggregateSql("raw_events", { type: "video_event", projectId: "p", range, dimensions: ["video_id"], metrics: ["plays", "completions", "completion_rate", "watch_time"], orderBy: [{ field: "video_id", direction: "ASC" }], limit: 10 });
      expect(await video.query(query.sql, query.params)).toEqual([
        { video_id: "v1", plays: 4, completions: 1, completion_rate: 0.25, watch_time: 100, total_rows: 2 },
        { video_id: "v2", plays: 1, completions: 0, completion_rate: 0, watch_time: 12.5, total_rows: 2 },
      ]);
    } finally {
      video.close();
    }
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
