// Worker for `npm run bench -- ae-hot-query` (bench/ae-hot-query.mjs).
//
// - Every path outside /bench/ is the REAL HTTP app of the Analytics Engine stand-in
//   (workers/analytics-engine-local/src/http-app.ts, imported, nothing copied):
//   `POST /client/v4/accounts/local/analytics_engine/sql` authenticates the admin key and calls
//   `query()` of the AE_RECORDER Durable Object, exactly as in `npm start`.
// - That Durable Object is BenchAnalyticsEngineRecorder: a subclass of the REAL
//   AnalyticsEngineRecorder (same table, same index, same `query()` through @edge-analytics/ae-sql)
//   that only ADDS methods for the benchmark: a bulk loader of synthetic page_view data points,
//   the hand-written SQLite baseline query, table statistics and the query plans.
// - /bench/hot-query-sql answers the SQL text of `eventsPerMinute` from packages/sql (the real
//   builder, bundled here by wrangler), which the benchmark then POSTs to the real SQL route.
//
// Benchmark-only: never deployed, never imported. Plain JS (not TypeScript): the root tsconfig
// type-checks bench/ without the Workers types.
import { compile } from "@edge-analytics/ae-sql";
import { ANALYTICS_ENGINE_DATASET } from "@edge-analytics/event-schema";
import { eventsPerMinute } from "@edge-analytics/sql";
import { AnalyticsEngineRecorder } from "../../../workers/analytics-engine-local/src/durable-objects/analytics-engine-recorder.ts";
import { createHttpApp } from "../../../workers/analytics-engine-local/src/http-app.ts";

/**
 * The hand-written equivalent of eventsPerMinute's SQL: the same rows (dataset, project, window)
 * counted per minute, straight on the table and its (dataset, timestamp_ms) index.
 */
const BASELINE_SQL = `SELECT (timestamp_ms / 60000) * 60000 AS minute, sum(_sample_interval) AS events
FROM data_points
WHERE dataset = ? AND index1 = ? AND timestamp_ms > ?
GROUP BY minute
ORDER BY minute`;

// Value lists of the synthetic page views (chosen by a hash of the point's number).
const COUNTRIES = ["US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "NL", "ES", "AU", "SE"];
const BROWSERS = ["Chrome", "Chrome", "Chrome", "Safari", "Safari", "Firefox", "Edge", "Samsung Internet"];
const OSES = ["Windows", "macOS", "iOS", "Android", "Android", "Linux"];
const DEVICES = ["desktop", "desktop", "mobile", "mobile", "tablet"];
// [path, title, 1 when a numeric id is appended to the path]
const PAGES = [
  ["/", "Example Shop — Home", 0],
  ["/products/", "Product details | Example Shop", 1],
  ["/products/", "Product details | Example Shop", 1],
  ["/products/", "Product details | Example Shop", 1],
  ["/category/shoes", "Shoes | Example Shop", 0],
  ["/category/jackets", "Jackets | Example Shop", 0],
  ["/cart", "Your cart | Example Shop", 0],
  ["/checkout", "Checkout | Example Shop", 0],
  ["/blog/", "Blog | Example Shop", 1],
  ["/search?q=running+shoes", "Search results | Example Shop", 0],
];
const REFERRERS = ["", "", "", "https://www.google.com/", "https://www.google.com/", "https://duckduckgo.com/", "https://news.ycombinator.com/", "https://t.co/"];
// [utm_source, utm_medium, utm_campaign]
const UTMS = [
  ["", "", ""],
  ["", "", ""],
  ["", "", ""],
  ["", "", ""],
  ["newsletter", "email", "spring_sale_2026"],
  ["google", "cpc", "brand_search"],
];

/**
 * One INSERT of points `?2 <= i < ?3` (of `?6` in all), generated inside SQLite (JS numbers are
 * bound as REAL: every number is CAST to INTEGER so the arithmetic is integer): timestamps
 * spread uniformly over [?4, ?4 + ?5) (ms), project `?7[i % length]`, and a page_view data point in
 * the platform's column map (docs/analytics-engine-map.md): blob1..16, double1..3, as the JSON text
 * the real recorder stores (`{"indexes":[...],"blobs":[...],"doubles":[...]}`, the key order of
 * toAnalyticsEngineDataPoint). `h` is a multiplicative hash of i that picks the values.
 */
const LOAD_SQL = `
WITH RECURSIVE seq(i) AS (SELECT CAST(?2 AS INTEGER) UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < CAST(?3 AS INTEGER)),
gen AS (
  SELECT i,
         CAST(?4 AS INTEGER) + (i * CAST(?5 AS INTEGER)) / CAST(?6 AS INTEGER) AS ts,
         (i * 2654435761) % 4294967296 AS h,
         ?7 ->> ('$[' || (i % json_array_length(?7)) || ']') AS project
  FROM seq
),
page AS (
  SELECT gen.*, ?11 ->> ('$[' || ((h / 19) % json_array_length(?11)) || ']') AS p,
         ?13 ->> ('$[' || ((h / 29) % json_array_length(?13)) || ']') AS utm
  FROM gen
)
INSERT INTO data_points (dataset, timestamp_ms, _sample_interval, index1, point)
SELECT ?1, ts, 1, project, json_object(
  'indexes', json_array(project),
  'blobs', json_array(
    'page_view',
    printf('%08x-%04x-4%03x-%04x-%012x', h, i % 65536, (h / 7) % 4096, 32768 + (h / 13) % 16384, i),
    printf('sess_%08x', ((i / 40) * 2246822519) % 4294967296),
    CASE WHEN h % 3 = 0 THEN '' ELSE printf('user_%05d', (h / 3) % 40000) END,
    'production',
    '2.14.0',
    ?8 ->> ('$[' || ((h / 17) % json_array_length(?8)) || ']'),
    ?9 ->> ('$[' || ((h / 23) % json_array_length(?9)) || ']'),
    ?10 ->> ('$[' || ((h / 31) % json_array_length(?10)) || ']'),
    ?12 ->> ('$[' || ((h / 37) % json_array_length(?12)) || ']'),
    'https://shop.example.com' || (p ->> '$[0]') || CASE WHEN p ->> '$[2]' = 1 THEN (h / 41) % 500 ELSE '' END,
    p ->> '$[1]',
    ?14 ->> ('$[' || ((h / 43) % json_array_length(?14)) || ']'),
    utm ->> '$[0]',
    utm ->> '$[1]',
    utm ->> '$[2]'
  ),
  'doubles', json_array(CASE WHEN h % 25 = 0 THEN 1 ELSE 0 END, ts, ((h / 5) % 180000) / 1000.0)
)
FROM page`;

/** The real recorder plus benchmark-only methods; nothing of the real class is overridden. */
export class BenchAnalyticsEngineRecorder extends AnalyticsEngineRecorder {
  /**
   * Inserts points number `from` to `from + count - 1` of `total` (one statement, one implicit
   * transaction per call; the caller loads in chunks to report progress).
   * @param {{ dataset: string, projects: string[], total: number, from: number, count: number, startMs: number, spanMs: number }} spec
   */
  async benchLoad({ dataset, projects, total, from, count, startMs, spanMs }) {
    const cursor = this.ctx.storage.sql.exec(
      LOAD_SQL,
      dataset,
      from,
      from + count,
      startMs,
      spanMs,
      total,
      JSON.stringify(projects),
      JSON.stringify(COUNTRIES),
      JSON.stringify(BROWSERS),
      JSON.stringify(OSES),
      JSON.stringify(PAGES),
      JSON.stringify(DEVICES),
      JSON.stringify(UTMS),
      JSON.stringify(REFERRERS),
    );
    cursor.toArray();
    return { rowsWritten: cursor.rowsWritten, databaseBytes: this.ctx.storage.sql.databaseSize }; // rowsWritten counts index entries too
  }

  /**
   * The baseline: the hand-written query, its rows serialised as JSON.
   * @param {string} dataset
   * @param {string} projectId
   * @param {number} minutes
   */
  async benchBaseline(dataset, projectId, minutes) {
    const rows = this.ctx.storage.sql.exec(BASELINE_SQL, dataset, projectId, Date.now() - minutes * 60_000).toArray();
    return JSON.stringify(rows);
  }

  /** @param {string} dataset */
  async benchStats(dataset) {
    const sql = this.ctx.storage.sql;
    const [totals] = sql.exec("SELECT count(*) AS points, min(timestamp_ms) AS first_ms, max(timestamp_ms) AS last_ms FROM data_points WHERE dataset = ?", dataset).toArray();
    const projects = sql.exec("SELECT index1 AS project, count(*) AS points FROM data_points WHERE dataset = ? GROUP BY index1 ORDER BY index1", dataset).toArray();
    const [sample] = sql.exec("SELECT avg(length(point)) AS bytes FROM (SELECT point FROM data_points LIMIT 10000)").toArray();
    const [example] = sql.exec("SELECT point FROM data_points ORDER BY rowid LIMIT 1 OFFSET 7").toArray();
    return { ...totals, projects, averagePointBytes: sample?.bytes, examplePoint: example?.point, databaseBytes: sql.databaseSize };
  }

  /**
   * EXPLAIN QUERY PLAN of both queries (context for the report): the hot query as ae-sql
   * compiles it, and the baseline.
   * @param {string} dataset
   * @param {string} projectId
   * @param {number} minutes
   * @param {string} hotSqlText
   */
  async benchExplain(dataset, projectId, minutes, hotSqlText) {
    const explain = (/** @type {string} */ text, /** @type {unknown[]} */ params) => {
      try {
        return this.ctx.storage.sql
          .exec(`EXPLAIN QUERY PLAN ${text}`, ...params)
          .toArray()
          .map((row) => String(row.detail));
      } catch (error) {
        return [`(EXPLAIN refused: ${error instanceof Error ? error.message : String(error)})`];
      }
    };
    const plan = compile(hotSqlText);
    return {
      hotSql: plan.sql ?? "",
      hot: plan.sql === undefined ? [] : explain(plan.sql, [...plan.params]),
      baseline: explain(BASELINE_SQL, [dataset, projectId, Date.now() - minutes * 60_000]),
    };
  }
}

const app = createHttpApp();

/** @param {unknown} value */
const json = (value) => new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });

export default {
  /**
   * @param {Request} request
   * @param {any} env
   * @param {any} ctx
   */
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/bench/")) return app.fetch(request, env, ctx);
    // The object the real SQL route queries (the stand-in's http-app.ts): one recorder per dataset name.
    const recorder = env.AE_RECORDER.get(env.AE_RECORDER.idFromName(ANALYTICS_ENGINE_DATASET));
    const project = url.searchParams.get("project") ?? "local";
    const minutes = Number(url.searchParams.get("minutes") ?? "60");
    switch (url.pathname) {
      case "/bench/hot-query-sql":
        return new Response(eventsPerMinute({ projectId: project, minutes }).sql, { headers: { "content-type": "text/plain; charset=utf-8" } });
      case "/bench/load":
        return json(await recorder.benchLoad({ ...(await request.json()), dataset: ANALYTICS_ENGINE_DATASET }));
      case "/bench/baseline":
        return new Response(await recorder.benchBaseline(ANALYTICS_ENGINE_DATASET, project, minutes), { headers: { "content-type": "application/json" } });
      case "/bench/stats":
        return json(await recorder.benchStats(ANALYTICS_ENGINE_DATASET));
      case "/bench/explain":
        return json(await recorder.benchExplain(ANALYTICS_ENGINE_DATASET, project, minutes, await request.text()));
      default:
        return Response.json({ error: `no bench route ${url.pathname}` }, { status: 404 });
    }
  },
};
