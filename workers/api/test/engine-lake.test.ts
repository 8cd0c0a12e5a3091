// The lake read path in workerd: Parquet written by the lake's own writer, put into the pool's
// R2 (SOURCE_BUCKET of wrangler-api.toml), read with ranged GETs by r2AsyncBuffer, decoded by
// lake-arrow with row groups skipped by their statistics, loaded into DuckDB-WASM and queried;
// answers compared with the records. Then the measured figures for 100k page views.
import { env } from "cloudflare:test";
import { initZstd, rawObjectKey } from "@edge-analytics/lake";
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";
import { FOOTER_READ_AHEAD, LakeFileError, openDuckDB, r2AsyncBuffer, readLakeFile, readLakeFiles, type SqlEngine } from "@edge-analytics/query-engine";
import { beforeAll, describe, expect, it } from "vitest";
import { type PageViewRecord, pageViewFile, pageViews } from "../../../packages/query-engine/test/page-views.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-11-25T10:00:00.000Z");
// One hour of the shop's page views (3600, one a second) in row groups of 600 (10 minutes each),
// and the same hour of another project in a second file.
const shop = pageViews(3600, { start: START, stepMs: 1000, seed: 21, idPrefix: "shop" });
const blog = pageViews(1800, { start: START, stepMs: 2000, seed: 22, projectId: "blog", idPrefix: "blog" });
const keys = { shop: "", blog: "" };
const sizes = { shop: 0, blog: 0 };

let engine: SqlEngine;

beforeAll(async () => {
  initZstd(zstdWasm);
  for (const [name, records] of [["shop", shop], ["blog", blog]] as const) {
    const bytes = pageViewFile(records, 600);
    keys[name] = rawObjectKey("page_views", new Date(START), `${name}-0000-4000-8000-000000000000`);
    sizes[name] = bytes.byteLength;
    await env.SOURCE_BUCKET.put(keys[name], bytes);
  }
  engine = await openDuckDB();
});

describe("r2AsyncBuffer", () => {
  it("reads the tail first (which tells the size), then ranges", async () => {
    const file = await r2AsyncBuffer(env.SOURCE_BUCKET, keys.shop);
    expect(file.byteLength).toBe(sizes.shop);
    expect(file.stats).toEqual({ bytesRead: Math.min(sizes.shop, FOOTER_READ_AHEAD), requests: 1 });
    const whole = new Uint8Array(await (await env.SOURCE_BUCKET.get(keys.shop))!.arrayBuffer());
    expect(new Uint8Array(await file.slice(4, 104))).toEqual(whole.slice(4, 104));
    expect(new Uint8Array(await file.slice(sizes.shop - 8))).toEqual(whole.slice(sizes.shop - 8));
    expect(file.stats.requests).toBe(sizes.shop > FOOTER_READ_AHEAD ? 2 : 1);
  });

  it("names a missing object", async () => {
    await expect(r2AsyncBuffer(env.SOURCE_BUCKET, "events/page_views/none.parquet")).rejects.toThrow(new LakeFileError("events/page_views/none.parquet", "no such object"));
  });
});

describe("lake files from R2 into DuckDB-WASM", () => {
  it("skips the row groups outside the range and answers from the rest", async () => {
    // 10:15 to 10:35: row groups 1 (10:10-10:20), 2 and 3 (10:30-10:40) of 0..5.
    const from = START + 15 * 60_000;
    const to = START + 35 * 60_000;
    const file = await r2AsyncBuffer(env.SOURCE_BUCKET, keys.shop, sizes.shop);
    const lake = await readLakeFile({ file, key: keys.shop, type: "page_view", columns: ["timestamp", "page_url", "session_id", "is_bot"], rowGroups: { timestamp: { gte: from, lt: to } } });
    expect(lake).toMatchObject({ rows: 1800, rowGroupsRead: 3, rowGroupsSkipped: 3 });
    expect(lake.bytesRead).toBe(file.stats.bytesRead);
    expect(lake.bytesRead).toBeLessThan(sizes.shop);
    await engine.insertArrow("shop_views", lake.ipc);
    const rows = await engine.query<{ page_url: string; n: number; sessions: number }>(
      `SELECT page_url, count(*) AS n, count(DISTINCT session_id) AS sessions FROM shop_views
       WHERE timestamp >= epoch_ms(CAST(? AS BIGINT)) AND timestamp < epoch_ms(CAST(? AS BIGINT)) AND NOT is_bot GROUP BY 1 ORDER BY n DESC, page_url LIMIT 5`,
      [from, to],
    );
    const inRange = shop.filter((r) => r.timestamp >= from && r.timestamp < to && !r.is_bot);
    const byPage = new Map<string, PageViewRecord[]>();
    for (const r of inRange) byPage.set(r.page_url, [...(byPage.get(r.page_url) ?? []), r]);
    const expected = [...byPage]
      .map(([page_url, views]) => ({ page_url, n: views.length, sessions: new Set(views.map((v) => v.session_id)).size }))
      .sort((a, b) => b.n - a.n || (a.page_url < b.page_url ? -1 : 1))
      .slice(0, 5);
    expect(rows).toEqual(expected);
    await engine.dropTable("shop_views");
  });

  it("loads a project's files as one relation, skipping the other project's file after its footer", async () => {
    const files = await Promise.all((["shop", "blog"] as const).map(async (name) => ({ key: keys[name], file: await r2AsyncBuffer(env.SOURCE_BUCKET, keys[name], sizes[name]) })));
    const lake = await readLakeFiles(files, { type: "page_view", columns: ["event_id", "project_id", "timestamp"], rowGroups: { project_id: { in: ["blog"] } } });
    expect(lake).toMatchObject({ rows: 1800, rowGroupsRead: 3, rowGroupsSkipped: 6 });
    expect(files[0]!.file.stats.requests).toBe(1);
    await engine.insertArrow("raw_page_views", lake.ipc);
    expect(await engine.query("SELECT project_id, count(*) AS n, min(timestamp) AS first FROM raw_page_views GROUP BY 1")).toEqual([
      { project_id: "blog", n: 1800, first: new Date(START).toISOString() },
    ]);
    await engine.dropTable("raw_page_views");
  });
});

describe("measured: 100k page views", () => {
  it("decodes, loads and aggregates them; prints the figures", async () => {
    const records = pageViews(100_000, { start: START, stepMs: 36, seed: 31, idPrefix: "big" });
    let t = performance.now();
    const bytes = pageViewFile(records);
    const encodeMs = performance.now() - t;
    const key = rawObjectKey("page_views", new Date(START + HOUR), "big00000-0000-4000-8000-000000000000");
    await env.SOURCE_BUCKET.put(key, bytes);

    const heapBefore = engine.memoryBytes();
    t = performance.now();
    const file = await r2AsyncBuffer(env.SOURCE_BUCKET, key, bytes.byteLength);
    const columns = ["timestamp", "project_id", "session_id", "user_id", "page_url", "country", "is_bot", "time_on_page"];
    const lake = await readLakeFile({ file, key, type: "page_view", columns });
    const decodeMs = performance.now() - t;
    t = performance.now();
    await engine.insertArrow("page_views_100k", lake.ipc);
    const insertMs = performance.now() - t;
    const heapLoaded = engine.memoryBytes();

    const sql = `SELECT page_url, count(*) AS views, count(DISTINCT session_id) AS sessions, avg(time_on_page) AS avg_time
      FROM page_views_100k WHERE project_id = ? AND NOT is_bot GROUP BY page_url ORDER BY views DESC`;
    const timings: number[] = [];
    let rows: { views: number }[] = [];
    for (let run = 0; run < 7; run++) {
      t = performance.now();
      rows = await engine.query<{ views: number }>(sql, ["shop"]);
      timings.push(performance.now() - t);
    }
    timings.sort((a, b) => a - b);
    expect(rows.reduce((sum, r) => sum + r.views, 0)).toBe(records.filter((r) => !r.is_bot).length);
    const simple: number[] = [];
    for (let run = 0; run < 7; run++) {
      t = performance.now();
      await engine.query("SELECT page_url, count(*) AS views FROM page_views_100k GROUP BY page_url");
      simple.push(performance.now() - t);
    }
    simple.sort((a, b) => a - b);

    await engine.dropTable("page_views_100k");
    const all = await readLakeFile({ file: await r2AsyncBuffer(env.SOURCE_BUCKET, key, bytes.byteLength), key, type: "page_view" });
    t = performance.now();
    await engine.insertArrow("page_views_100k_all", all.ipc);
    const insertAllMs = performance.now() - t;
    const heapAllColumns = engine.memoryBytes();
    await engine.dropTable("page_views_100k_all");
    // Dropped tables' memory is reused: loading the same again does not grow the heap.
    await engine.insertArrow("page_views_100k_again", all.ipc);
    expect(engine.memoryBytes()).toBe(heapAllColumns);
    await engine.dropTable("page_views_100k_again");

    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      [
        `[engine] 100k page views: Parquet ${mib(bytes.byteLength)} (encoded in ${encodeMs.toFixed(0)} ms)`,
        `[engine] ${columns.length} columns: R2 read + decode to Arrow ${decodeMs.toFixed(0)} ms (${mib(lake.bytesRead)} read, IPC ${mib(lake.ipc.byteLength)}), insertArrow ${insertMs.toFixed(0)} ms`,
        `[engine] warm GROUP BY over 100k rows (count, count DISTINCT, avg, filter): median ${timings[3]!.toFixed(1)} ms (min ${timings[0]!.toFixed(1)}, max ${timings[6]!.toFixed(1)}); count(*) by page_url only: median ${simple[3]!.toFixed(1)} ms`,
        `[engine] wasm heap: ${mib(heapBefore)} before, ${mib(heapLoaded)} with 100k rows x ${columns.length} columns loaded, ${mib(heapAllColumns)} after loading all 25 columns (IPC ${mib(all.ipc.byteLength)}, insertArrow ${insertAllMs.toFixed(0)} ms)`,
      ].join("\n"),
    );
  });
});
