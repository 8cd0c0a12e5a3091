// The same SQL over the same Parquet bytes in two engines: native DuckDB (@duckdb/node-api,
// read_parquet) and DuckDB-WASM's blocking browser build in Node fed by lake-arrow (what the
// Worker runs). The answers must be equal, so the Arrow path loses nothing the file holds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initZstd } from "@edge-analytics/lake";
import { type NativeDuckDB, openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instantiateDuckDBInNode } from "../scripts/node-duckdb.ts";
import { createSqlEngine } from "../src/engine.ts";
import { readLakeFile } from "../src/lake-arrow.ts";
import { memoryAsyncBuffer } from "../src/r2-async-buffer.ts";
import type { SqlEngine, SqlValue } from "../src/sql-engine.ts";
import { pageViewFile, pageViews } from "./page-views.ts";

const START = Date.parse("2026-03-07T00:00:00.000Z");
// 20k page views every 61 s: two weeks, across New York's change to summer time (2026-03-08).
const records = pageViews(20_000, { start: START, stepMs: 61_000, seed: 3 });
let dir: string;
let native: NativeDuckDB;
let wasm: SqlEngine;

beforeAll(async () => {
  initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  const file = pageViewFile(records, 4096);
  dir = mkdtempSync(join(tmpdir(), "query-engine-parity-"));
  writeFileSync(join(dir, "page_views.parquet"), file);
  native = await openNativeDuckDB();
  // Native DuckDB reads the UTC timestamps as TIMESTAMPTZ (it has ICU); the Worker's engine gets
  // them as TIMESTAMP holding UTC. The same type on both sides, converted in UTC.
  await native.run("SET TimeZone = 'UTC'");
  await native.run(
    `CREATE TABLE page_views AS SELECT * REPLACE (timestamp::TIMESTAMP AS timestamp, received_at::TIMESTAMP AS received_at) FROM read_parquet('${join(dir, "page_views.parquet")}')`,
  );
  wasm = createSqlEngine(await instantiateDuckDBInNode());
  await wasm.insertArrow("page_views", (await readLakeFile({ file: memoryAsyncBuffer(file), type: "page_view" })).ipc);
}, 60_000);

afterAll(() => {
  native?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** New York's UTC offset (minutes) at `ms`, from Intl: independent of both engines. */
function newYorkOffsetMs(ms: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - Math.floor(ms / 60_000) * 60_000;
}

const DST = Date.parse("2026-03-08T07:00:00.000Z");

const QUERIES: [string, string, SqlValue[]][] = [
  [
    "GROUP BY with count(DISTINCT), avg and quantiles",
    `SELECT page_url, count(*) AS views, count(DISTINCT session_id) AS sessions, avg(time_on_page) AS avg_time,
       quantile_cont(time_on_page, 0.5) AS p50, quantile_disc(time_on_page, 0.9) AS p90
     FROM page_views WHERE project_id = ? AND NOT is_bot GROUP BY page_url ORDER BY views DESC, page_url`,
    ["shop"],
  ],
  [
    "date_trunc by hour in UTC, approx_count_distinct (the same HyperLogLog in both)",
    "SELECT date_trunc('hour', timestamp) AS hour, count(*) AS n, count(DISTINCT user_id) AS users, approx_count_distinct(session_id) AS sessions FROM page_views GROUP BY 1 ORDER BY 1",
    [],
  ],
  [
    "local days in America/New_York across the DST change (offsets bound)",
    // date_trunc('day', TIMESTAMP) is a DATE in DuckDB 1.4 (DuckDB-WASM 1.32) and a TIMESTAMP in 1.5 (native): cast.
    `SELECT CAST(date_trunc('day', make_timestamp((epoch_ms(timestamp) + CASE WHEN epoch_ms(timestamp) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) * 1000)) AS TIMESTAMP) AS day,
       count(*) AS n FROM page_views GROUP BY 1 ORDER BY 1`,
    [DST, newYorkOffsetMs(DST - 1), newYorkOffsetMs(DST)],
  ],
  [
    "window functions",
    `WITH gaps AS (SELECT session_id, epoch_ms(timestamp) - epoch_ms(lag(timestamp) OVER (PARTITION BY session_id ORDER BY timestamp)) AS gap,
       row_number() OVER (PARTITION BY session_id ORDER BY timestamp) AS nth FROM page_views)
     SELECT session_id, max(nth) AS views, max(gap) AS max_gap, min(gap) AS min_gap FROM gaps GROUP BY 1 ORDER BY views DESC, session_id LIMIT 25`,
    [],
  ],
  ["nulls and JSON text", "SELECT country, count(*) AS n, count(properties) AS with_properties, min(properties) AS first FROM page_views GROUP BY 1 ORDER BY 1 NULLS FIRST", []],
  ["a bound value that looks like SQL", "SELECT count(*) AS n FROM page_views WHERE page_url = ? OR country = ?", ["x' OR '1'='1", "US"]],
];

describe("DuckDB-WASM over lake-arrow answers as native DuckDB over the Parquet file", () => {
  for (const [what, sql, params] of QUERIES) {
    it(what, async () => {
      const [expected, actual] = await Promise.all([native.query(sql, params as (string | number | boolean | null)[]), wasm.query(sql, params)]);
      expect(actual.length).toBeGreaterThan(0);
      expect(actual).toEqual(expected);
    });
  }
});
