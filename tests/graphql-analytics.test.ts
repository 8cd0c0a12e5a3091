/**
 * The lake-backed GraphQL API end to end on the real stack, with a standard client
 * (graphql-request): events in, flushed to Parquet, then the design's query and the general one
 * through the API Worker (DuckDB-WASM over R2), compared with what native DuckDB computes
 * independently (hand-written SQL) over the very same Parquet files, fetched through the S3
 * endpoint. Also: keys (401, 403 for a publishable key, a read key may query) and isolation.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NativeDuckDB, openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { AwsClient } from "aws4fetch";
import { ClientError, GraphQLClient, gql } from "graphql-request";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { flushLake } from "./support/lake-rows.ts";

const origin = inject("stackOrigin");
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const client = (key: string) => new GraphQLClient(`${origin}/graphql`, { headers: { "x-api-key": key } });

const DESIGN_QUERY = gql`
  query {
    analytics {
      pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["page_url"]) {
        page_url
        view_count
        unique_users
        avg_time_on_page
      }
    }
  }
`;

interface PageRow {
  page_url: string;
  view_count: number;
  unique_users: number;
  avg_time_on_page: number | null;
}

let dir: string;
let db: NativeDuckDB;

/** Sends January 2024 page views for a project (over the key's HTTP door), then flushes them to the lake. */
async function send(key: string, count: number, host: string): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({
    type: "page_view",
    event_id: randomUUID(),
    timestamp: new Date(Date.UTC(2024, 0, 1 + (i % 31), i % 24, i % 60)).toISOString(),
    session_id: `gql-${i % 7}`,
    ...(i % 3 === 0 ? {} : { user_id: `user-${i % 5}` }),
    page_url: `https://${host}/${["", "pricing", "docs", "blog"][i % 4]}`,
    ...(i % 2 === 0 ? { time_on_page: (i % 9) * 1.5 } : {}),
  }));
  const response = await fetch(`${origin}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key, "user-agent": BROWSER },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(202);
}

beforeAll(async () => {
  // Only project local sends here: tests/realtime-graphql.test.ts counts project other's events
  // of the last hour, and these would be among them.
  await send("local-dev-key", 120, "gql.example");
  await flushLake(origin);
  // The same files the API reads, for native DuckDB: every page_views file in the catalog.
  dir = mkdtempSync(join(tmpdir(), "graphql-e2e-"));
  const listing = await fetch(`${origin}/catalog/files?table=page_views`, { headers: { "x-api-key": "local-admin-key" } });
  const { files } = (await listing.json()) as { files: { key: string }[] };
  db = await openNativeDuckDB();
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const path = join(dir, `${i}.parquet`);
    writeFileSync(path, new Uint8Array(await (await s3.fetch(`${origin}/analytics-source/${file.key}`)).arrayBuffer()));
    paths.push(path);
  }
  await db.run(`CREATE TABLE page_views AS SELECT * FROM read_parquet([${paths.map((p) => `'${p}'`).join(", ")}], union_by_name = true)`);
}, 120_000);

afterAll(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The design's figures, computed by native DuckDB with SQL written here, independent of the API's planner. */
async function nativePageViews(projectId: string): Promise<PageRow[]> {
  return db.query<PageRow & Record<string, unknown>>(
    `WITH first_copies AS (
       SELECT DISTINCT ON (event_id) * FROM page_views ORDER BY event_id, received_at
     )
     SELECT page_url, count(*) AS view_count, count(DISTINCT user_id) AS unique_users, avg(time_on_page) AS avg_time_on_page
     FROM first_copies
     WHERE project_id = ? AND "timestamp" >= TIMESTAMPTZ '2024-01-01 00:00:00+00' AND "timestamp" < TIMESTAMPTZ '2024-02-01 00:00:00+00'
       AND NOT coalesce(is_bot, false) AND coalesce(device_type, '') <> 'bot'
     GROUP BY page_url ORDER BY view_count DESC, page_url`,
    [projectId],
  );
}

function expectSameRows(actual: PageRow[], expected: PageRow[]) {
  expect(actual.map((r) => [r.page_url, r.view_count, r.unique_users])).toEqual(expected.map((r) => [r.page_url, r.view_count, r.unique_users]));
  for (const [i, row] of actual.entries()) {
    if (expected[i]?.avg_time_on_page === null) expect(row.avg_time_on_page).toBeNull();
    else expect(row.avg_time_on_page).toBeCloseTo(expected[i]?.avg_time_on_page ?? Number.NaN, 9);
  }
}

describe("GraphQL analytics over the lake, on the stack", () => {
  it("answers the design's query verbatim with what native DuckDB computes over the same files", async () => {
    const answer = await client("local-read-key").request<{ analytics: { pageViews: PageRow[] } }>(DESIGN_QUERY);
    const expected = await nativePageViews("local");
    expect(expected.length).toBeGreaterThan(0);
    expectSameRows(answer.analytics.pageViews, expected);
  });

  it("carries meta beside data", async () => {
    const response = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "local-dev-key" },
      body: JSON.stringify({ query: DESIGN_QUERY }),
    });
    const body = (await response.json()) as { extensions?: { meta?: Record<string, { tiers: { tier: string }[]; files_read: number; rows_scanned: number; freshness: { raw_through: string | null } }> } };
    const meta = body.extensions?.meta?.["analytics.pageViews"];
    expect(meta?.tiers.map((t) => t.tier)).toEqual(["raw"]);
    expect(meta?.files_read).toBeGreaterThan(0);
    expect(meta?.rows_scanned).toBeGreaterThan(0);
    expect(meta?.freshness.raw_through).not.toBeNull();
    // To the hour: the files hold every project's rows (README "Tiers and freshness").
    expect(Date.parse(String(meta?.freshness.raw_through)) % 3_600_000).toBe(0);
  });

  it("another project's key sees only its own pages", async () => {
    const answer = await client("other-dev-key").request<{ analytics: { pageViews: PageRow[] } }>(DESIGN_QUERY);
    expectSameRows(answer.analytics.pageViews, await nativePageViews("other"));
    expect(answer.analytics.pageViews.some((r) => r.page_url.startsWith("https://gql.example/"))).toBe(false);
  });

  it("the general query agrees: views per day of January", async () => {
    const answer = await client("local-read-key").request<{ analytics: { query: { rows: { period: string; view_count: number }[] } } }>(gql`
      {
        analytics {
          query(metrics: ["view_count"], timeRange: { start: "2024-01-01", end: "2024-01-31" }, granularity: day, limit: 100) {
            rows
          }
        }
      }
    `);
    const expected = await db.query<{ period: string; view_count: number }>(
      `SELECT strftime(date_trunc('day', make_timestamp(epoch_ms("timestamp") * 1000)), '%Y-%m-%dT%H:%M:%S') AS period, count(*) AS view_count
       FROM (SELECT DISTINCT ON (event_id) * FROM page_views ORDER BY event_id, received_at)
       WHERE project_id = 'local' AND "timestamp" >= TIMESTAMPTZ '2024-01-01 00:00:00+00' AND "timestamp" < TIMESTAMPTZ '2024-02-01 00:00:00+00'
         AND NOT coalesce(is_bot, false) AND coalesce(device_type, '') <> 'bot'
       GROUP BY period ORDER BY period`,
    );
    expect(answer.analytics.query.rows).toEqual(expected);
  });

  it("needs a key that may query: 401 without, 403 for a publishable key", async () => {
    const status = async (key: string | null) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (key) headers["x-api-key"] = key;
      return (await fetch(`${origin}/graphql`, { method: "POST", headers, body: JSON.stringify({ query: DESIGN_QUERY }) })).status;
    };
    expect(await status(null)).toBe(401);
    expect(await status("local-pub-key")).toBe(403);
    expect(await status("local-read-key")).toBe(200);
  });

  it("hostile arguments get GraphQL errors, never a 5xx", async () => {
    const error = await client("local-read-key")
      .request(gql`{ analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["page_url; DROP TABLE x"]) { page_url } } }`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.status).toBeLessThan(500);
    expect((error as ClientError).response.errors?.[0]?.message).toContain("unknown field");
  });
});
