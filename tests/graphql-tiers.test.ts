/**
 * The read tiers end to end, on the real stack with the real dbt: an older hour partition that dbt
 * has built (fact_page_views) is answered from the mart, a partition that changed after the dbt
 * run from raw files, and a question the mart cannot answer (it groups by referrer, which the mart
 * normalizes) from raw files only. Raw files hold copies of events (a client's retry lands in a
 * later partition): every answer must equal what native DuckDB computes over the raw files
 * (first copy per event_id), whichever tier answered. The older partition is written the way
 * Cloudflare Pipelines would have written it an hour earlier: a Parquet file put through the S3
 * endpoint, registered by the catalog's reconcile.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeLakeRows, initZstd } from "@edge-analytics/lake";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";
import { type NativeDuckDB, openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { AwsClient } from "aws4fetch";
import { GraphQLClient, gql } from "graphql-request";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runDbt } from "../scripts/dbt.mjs";
import { flushLake } from "./support/lake-rows.ts";

const origin = inject("stackOrigin");
const ADMIN = { "x-api-key": "local-admin-key" };
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const OLD_PARTITION = "year=2023/month=03/day=10/hour=10";
const client = new GraphQLClient(`${origin}/graphql`, { headers: { "x-api-key": "local-read-key" } });

type Row = Record<string, unknown>;
interface Meta {
  tiers: { tier: string; from: string; to: string }[];
  freshness: { mart_built_at: string | null; raw_through: string | null; realtime_through: string | null };
}

/** Page views of 2023-03-10 and 11 in the older partition, received then. */
const older: Row[] = Array.from({ length: 60 }, (_, i) => {
  const at = Date.parse("2023-03-10T06:00:00Z") + i * 45 * 60_000;
  return {
    type: "page_view",
    event_id: randomUUID(),
    timestamp: at,
    received_at: Date.parse("2023-03-10T10:05:00Z") + i,
    session_id: `tiers-${i % 9}`,
    user_id: i % 4 === 0 ? null : `tier-user-${i % 6}`,
    project_id: "local",
    environment: "production",
    is_bot: i === 7,
    device_type: "desktop",
    page_url: `https://tiers.example/${["", "pricing", "docs"][i % 3]}`,
    referrer: i % 5 === 0 ? "https://news.example/" : undefined,
    time_on_page: i % 2 ? (i % 13) * 2 : null,
  };
});

let dir: string;
let db: NativeDuckDB;
let targetPath: string;

async function graphqlWithMeta(query: string): Promise<{ data: Row; meta: Record<string, Meta> }> {
  const response = await fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "local-read-key" }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data: Row; errors?: unknown; extensions: { meta: Record<string, Meta> } };
  expect(body.errors).toBeUndefined();
  return { data: body.data, meta: body.extensions.meta };
}

beforeAll(async () => {
  initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  // 1. The older partition, as the sink wrote it then, registered by the catalog's reconcile.
  const key = `events/page_views/${OLD_PARTITION}/${randomUUID()}.parquet`;
  const put = await s3.fetch(`${origin}/analytics-source/${key}`, { method: "PUT", body: encodeLakeRows("page_view", older.map((r) => lakeRowFromRecord("page_view", r))).slice() });
  expect(put.status).toBe(200);
  expect((await fetch(`${origin}/catalog/reconcile`, { method: "POST", headers: ADMIN })).status).toBe(200);

  // 2. dbt builds the fact (every partition without output, this one included) and reconciles.
  targetPath = mkdtempSync(join(tmpdir(), "tiers-dbt-"));
  const run = await runDbt(["run", "--select", "+fact_page_views"], { origin, targetPath, capture: true, log: () => {} });
  expect(run.exitCode, run.output).toBe(0);

  // 3. After the run: a client resends ten older events (copies, later received) with new ones of
  //    the 10th; they land in the current hour's partition, which the mart no longer covers.
  const resent = older.slice(0, 10).map(({ type, event_id, timestamp, session_id, user_id, page_url, time_on_page }) => ({
    type,
    event_id,
    timestamp: new Date(Number(timestamp)).toISOString(),
    session_id,
    ...(user_id ? { user_id } : {}),
    page_url,
    ...(time_on_page === null ? {} : { time_on_page }),
  }));
  const fresh = Array.from({ length: 15 }, (_, i) => ({
    type: "page_view",
    event_id: randomUUID(),
    timestamp: new Date(Date.parse("2023-03-10T12:00:00Z") + i * 60_000).toISOString(),
    session_id: `tiers-new-${i % 4}`,
    page_url: `https://tiers.example/${["", "blog"][i % 2]}`,
  }));
  const sent = await fetch(`${origin}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "local-dev-key", "user-agent": BROWSER },
    body: JSON.stringify({ events: [...resent, ...fresh] }),
  });
  expect(sent.status).toBe(202);
  await flushLake(origin);

  // Native DuckDB over every raw page_views file, fetched through the S3 endpoint.
  dir = mkdtempSync(join(tmpdir(), "tiers-native-"));
  const { files } = (await (await fetch(`${origin}/catalog/files?table=page_views`, { headers: ADMIN })).json()) as { files: { key: string }[] };
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const path = join(dir, `${i}.parquet`);
    writeFileSync(path, new Uint8Array(await (await s3.fetch(`${origin}/analytics-source/${file.key}`)).arrayBuffer()));
    paths.push(path);
  }
  db = await openNativeDuckDB();
  await db.run(`CREATE TABLE page_views AS SELECT * FROM read_parquet([${paths.map((p) => `'${p}'`).join(", ")}], union_by_name = true)`);
}, 300_000);

afterAll(() => {
  db?.close();
  for (const path of [dir, targetPath]) if (path) rmSync(path, { recursive: true, force: true });
});

/** Per group of `dimension`, over first copies of project local's human page views in [from, to): native DuckDB, SQL written here. */
function nativeBy(dimension: "page_url" | "referrer", from: string, to: string): Promise<Row[]> {
  return db.query(
    `WITH first_copies AS (SELECT DISTINCT ON (event_id) * FROM page_views ORDER BY event_id, received_at)
     SELECT ${dimension}, count(*) AS view_count, count(DISTINCT user_id) AS unique_users, avg(time_on_page) AS avg_time_on_page
     FROM first_copies
     WHERE project_id = 'local' AND "timestamp" >= ?::TIMESTAMPTZ AND "timestamp" < ?::TIMESTAMPTZ
       AND NOT coalesce(is_bot, false) AND coalesce(device_type, '') <> 'bot'
     GROUP BY ALL ORDER BY view_count DESC, ${dimension} NULLS LAST`,
    [from, to],
  );
}

function expectSame(actual: Row[], expected: Row[], dimension: string) {
  expect(actual.map((r) => [r[dimension], r.view_count, r.unique_users])).toEqual(expected.map((r) => [r[dimension], r.view_count, r.unique_users]));
  for (const [i, row] of actual.entries()) {
    const want = expected[i]?.avg_time_on_page;
    if (want === null || want === undefined) expect(row.avg_time_on_page).toBeNull();
    else expect(row.avg_time_on_page).toBeCloseTo(Number(want), 9);
  }
}

describe("read tiers on the stack: marts where dbt has caught up, raw files after", () => {
  it("answers a day only the built partition holds from the mart alone, equal to native DuckDB over raw files", async () => {
    const { data, meta } = await graphqlWithMeta(`{ analytics { pageViews(timeRange: { start: "2023-03-11", end: "2023-03-11" }, groupBy: ["page_url"]) { page_url view_count unique_users avg_time_on_page } } }`);
    const expected = await nativeBy("page_url", "2023-03-11T00:00:00Z", "2023-03-12T00:00:00Z");
    expect(expected.length).toBeGreaterThan(0);
    expectSame((data.analytics as { pageViews: Row[] }).pageViews, expected, "page_url");
    expect(meta["analytics.pageViews"]?.tiers.map((t) => t.tier)).toEqual(["mart"]);
    expect(meta["analytics.pageViews"]?.freshness.mart_built_at).not.toBeNull();
  });

  it("answers a day in both from the mart and the later raw partition, each event once (the resent copies count once)", async () => {
    const { data, meta } = await graphqlWithMeta(`{ analytics { pageViews(timeRange: { start: "2023-03-10", end: "2023-03-10" }, groupBy: ["page_url"]) { page_url view_count unique_users avg_time_on_page } } }`);
    const expected = await nativeBy("page_url", "2023-03-10T00:00:00Z", "2023-03-11T00:00:00Z");
    expectSame((data.analytics as { pageViews: Row[] }).pageViews, expected, "page_url");
    expect(meta["analytics.pageViews"]?.tiers.map((t) => t.tier)).toEqual(["mart", "raw"]);
    // The blog page exists only in the later, raw partition.
    expect((data.analytics as { pageViews: Row[] }).pageViews.some((r) => r.page_url === "https://tiers.example/blog")).toBe(true);
  });

  it("answers a question the mart cannot (referrer) from raw files only, with the same figures", async () => {
    const { data, meta } = await graphqlWithMeta(`{ analytics { pageViews(timeRange: { start: "2023-03-10", end: "2023-03-11" }, groupBy: ["referrer"]) { referrer view_count unique_users avg_time_on_page } } }`);
    expectSame((data.analytics as { pageViews: Row[] }).pageViews, await nativeBy("referrer", "2023-03-10T00:00:00Z", "2023-03-12T00:00:00Z"), "referrer");
    expect(meta["analytics.pageViews"]?.tiers.map((t) => t.tier)).toEqual(["raw"]);
  });

  it("session metrics and the general query read the mart too, with a standard client", async () => {
    const answer = await client.request<{ analytics: { query: { rows: Row[] } } }>(gql`
      {
        analytics {
          query(metrics: ["sessions", "bounce_rate", "view_count"], timeRange: { start: "2023-03-10", end: "2023-03-11" }) {
            rows
          }
        }
      }
    `);
    const [expected] = await db.query<Row>(
      `WITH first_copies AS (SELECT DISTINCT ON (event_id) * FROM page_views ORDER BY event_id, received_at),
       kept AS (SELECT * FROM first_copies WHERE project_id = 'local' AND "timestamp" >= '2023-03-10T00:00:00Z'::TIMESTAMPTZ AND "timestamp" < '2023-03-12T00:00:00Z'::TIMESTAMPTZ
                  AND NOT coalesce(is_bot, false) AND coalesce(device_type, '') <> 'bot'),
       sessions AS (SELECT session_id, count(*) AS views FROM kept GROUP BY session_id)
       SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT avg(CASE WHEN views = 1 THEN 1.0 ELSE 0.0 END) FROM sessions) AS bounce_rate, (SELECT count(*) FROM kept) AS view_count`,
    );
    const row = answer.analytics.query.rows[0];
    expect(row?.sessions).toBe(Number(expected?.sessions));
    expect(row?.view_count).toBe(Number(expected?.view_count));
    expect(Number(row?.bounce_rate)).toBeCloseTo(Number(expected?.bounce_rate), 12);
  });

  it("adds the minutes the lake has not got yet from Analytics Engine, then the lake alone once they land", async () => {
    const sentAt = Date.now();
    const live = Array.from({ length: 12 }, (_, i) => ({
      type: "page_view",
      event_id: randomUUID(),
      timestamp: new Date(sentAt + i).toISOString(),
      session_id: `live-${i % 3}`,
      page_url: `https://live.example/${i % 3 === 0 ? "a" : "b"}`,
    }));
    const sent = await fetch(`${origin}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "local-dev-key", "user-agent": BROWSER },
      body: JSON.stringify({ events: live }),
    });
    expect(sent.status).toBe(202);
    const today = new Date(sentAt).toISOString().slice(0, 10);
    const question = `{ analytics { pageViews(timeRange: { start: "${today}", end: "${today}" }, groupBy: ["page_url"], filter: { page_url: { in: ["https://live.example/a", "https://live.example/b"] } }) { page_url view_count } } }`;
    const expected = [
      { page_url: "https://live.example/b", view_count: 8 },
      { page_url: "https://live.example/a", view_count: 4 },
    ];
    // Not flushed: the lake has none of them (its files end earlier), Analytics Engine has all.
    const before = await graphqlWithMeta(question);
    expect((before.data.analytics as { pageViews: Row[] }).pageViews).toEqual(expected);
    expect(before.meta["analytics.pageViews"]?.tiers.map((t) => t.tier)).toContain("realtime");
    expect(Date.parse(String(before.meta["analytics.pageViews"]?.freshness.realtime_through))).toBe(sentAt + 11);
    // A question Analytics Engine cannot add up says so, and answers from the lake.
    const sessions = await graphqlWithMeta(`{ analytics { sessions(timeRange: { start: "${today}", end: "${today}" }) { sessions } } }`);
    expect((sessions.meta["analytics.sessions"] as Meta & { notes?: string[] }).notes?.join(" ")).toContain("not additive");
    // Flushed: the same figures, from raw files only.
    await flushLake(origin);
    const after = await graphqlWithMeta(question);
    expect((after.data.analytics as { pageViews: Row[] }).pageViews).toEqual(expected);
    // Analytics Engine is still asked, but only for what is newer than the files now holding them
    // (the figures above count each event once). Meta dates that boundary to the hour of the lake's
    // newest event: the files hold every project's rows (README "Tiers and freshness").
    const hourOfLast = Math.floor((sentAt + 11) / 3_600_000) * 3_600_000;
    const rawThrough = Date.parse(String(after.meta["analytics.pageViews"]?.freshness.raw_through));
    expect(rawThrough % 3_600_000).toBe(0);
    expect(rawThrough).toBeGreaterThanOrEqual(hourOfLast);
    const realtimeFrom = after.meta["analytics.pageViews"]?.tiers.find((t) => t.tier === "realtime")?.from;
    expect(realtimeFrom === undefined || Date.parse(realtimeFrom) === Math.max(rawThrough, Date.parse(`${today}T00:00:00Z`))).toBe(true);
  });
});
