// DuckDB-WASM inside workerd (the API Worker's runtime, wrangler-api.toml): the five fixes where
// workerd really refuses what they work around, the engine's start-up, results compared with
// answers computed here in plain TypeScript, bound parameters, and failures (SQL, out of memory,
// internal) that leave the isolate working.
import { encodeLakeRows, initZstd } from "@edge-analytics/lake";
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";
import { EngineError, memoryAsyncBuffer, openDuckDB, readLakeFile, type SqlEngine } from "@edge-analytics/query-engine";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";
import { beforeAll, describe, expect, it } from "vitest";
import { THUNKS, THUNKS_DUCKDB_WASM_VERSION } from "../../../packages/query-engine/generated/thunks.ts";
import manifest from "../../../packages/query-engine/generated/thunks.json";
import { type BlockingBuild, instantiateDuckDB } from "../../../packages/query-engine/src/instantiate.ts";
import { answerThunksFrom, hideNodeVersion, REGENERATE_THUNKS } from "../../../packages/query-engine/src/workerd-fixes.ts";
import { type PageViewRecord, pageViews, quantileCont } from "../../../packages/query-engine/test/page-views.ts";
import duckdbWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm";

const START = Date.parse("2026-03-07T00:00:00.000Z");
// 10k page views every 2 minutes: two weeks across New York's change to summer time (2026-03-08).
const records = pageViews(10_000, { start: START, stepMs: 120_000, seed: 11 });

let engine: SqlEngine;
let coldStartMs = 0;
const globals = globalThis as { location?: unknown; setImmediate?: unknown; DUCKDB_RUNTIME?: unknown; process?: { versions: Record<string, unknown> } };
const locationBefore = globals.location;

beforeAll(async () => {
  const started = performance.now();
  engine = await openDuckDB();
  coldStartMs = performance.now() - started;
  initZstd(zstdWasm);
  const file = encodeLakeRows("page_view", records.map((r) => lakeRowFromRecord("page_view", r as unknown as Record<string, unknown>)));
  await engine.insertArrow("page_views", (await readLakeFile({ file: memoryAsyncBuffer(file), type: "page_view" })).ipc);
});

const thunkBytes = (i: number) => Uint8Array.from(atob(manifest.thunks[i]!.base64), (c) => c.charCodeAt(0));
const compile = (bytes: BufferSource) => new (WebAssembly.Module as unknown as new (b: BufferSource) => WebAssembly.Module)(bytes);

describe("start-up in workerd", () => {
  it("instantiates on first use and is shared by later calls", async () => {
    console.log(`[engine] cold openDuckDB in the vitest pool: ${coldStartMs.toFixed(0)} ms (includes transforming the 1.1 MB glue); heap ${(engine.memoryBytes() / 2 ** 20).toFixed(1)} MiB`);
    expect(await openDuckDB()).toBe(engine);
    expect(await engine.query("SELECT version() AS v")).toEqual([{ v: "v1.4.3" }]);
  });

  it("costs this much to instantiate once the glue is evaluated (the per-isolate cost of a bundled Worker)", async () => {
    const started = performance.now();
    const second = await instantiateDuckDB({
      load: async () => (await import("@duckdb/duckdb-wasm/blocking")) as unknown as BlockingBuild,
      wasm: duckdbWasm,
      thunks: THUNKS,
      thunksVersion: THUNKS_DUCKDB_WASM_VERSION,
    });
    const ms = performance.now() - started;
    console.log(`[engine] instantiate (glue already imported): ${ms.toFixed(0)} ms`);
    expect(second.version).toBe("1.32.0");
  });
});

describe("the fixes, where workerd refuses", () => {
  it("fix 1: the alias resolves ./blocking to the browser build", async () => {
    const build = (await import("@duckdb/duckdb-wasm/blocking")) as unknown as BlockingBuild;
    expect(build.PACKAGE_VERSION).toBe("1.32.0");
    expect(build.BROWSER_RUNTIME).toBeDefined();
  });

  it("fix 2: DuckDB runs on the imported module, with DUCKDB_RUNTIME set", () => {
    expect(duckdbWasm).toBeInstanceOf(WebAssembly.Module);
    expect(globals.DUCKDB_RUNTIME).toBeDefined();
  });

  it("fix 3: location was provided only while DuckDB started; setImmediate stays", () => {
    expect(locationBefore).toBeUndefined();
    expect(globals.location).toBeUndefined();
    expect(typeof globals.setImmediate).toBe("function");
  });

  it("fix 4: workerd refuses to compile a thunk; the index answers it", () => {
    const bytes = thunkBytes(0);
    expect(() => compile(bytes)).toThrow(/code generation disallowed/i);
    const restore = answerThunksFrom(THUNKS);
    try {
      expect(compile(bytes)).toBe(THUNKS.get(manifest.thunks[0]!.key));
    } finally {
      restore();
    }
    expect(() => compile(bytes)).toThrow(/code generation disallowed/i);
  });

  it("fix 4: without the index, start-up fails naming the command that regenerates it", async () => {
    const failed = instantiateDuckDB({
      load: async () => (await import("@duckdb/duckdb-wasm/blocking")) as unknown as BlockingBuild,
      wasm: duckdbWasm,
      thunks: new Map(),
    });
    await expect(failed).rejects.toThrow(REGENERATE_THUNKS);
  });

  it("fix 5: process.versions.node (nodejs_compat) is hidden only while hidden", () => {
    const node = globals.process?.versions.node;
    expect(typeof node).toBe("string");
    const restore = hideNodeVersion();
    expect(globals.process?.versions.node).toBeUndefined();
    restore();
    expect(globals.process?.versions.node).toBe(node);
  });
});

/** DuckDB orders VARCHAR by UTF-8 bytes; JS strings compare by UTF-16 units. */
function byUtf8(a: string, b: string): number {
  const [x, y] = [new TextEncoder().encode(a), new TextEncoder().encode(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Plain-TypeScript answers, independent of the engine. */
function groupBy<K>(rows: readonly PageViewRecord[], key: (r: PageViewRecord) => K): Map<K, PageViewRecord[]> {
  const groups = new Map<K, PageViewRecord[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

describe("answers", () => {
  it("GROUP BY with count(DISTINCT), avg and quantile_cont", async () => {
    const rows = await engine.query<{ page_url: string; views: number; sessions: number; avg_time: number | null; p50: number | null }>(
      `SELECT page_url, count(*) AS views, count(DISTINCT session_id) AS sessions, avg(time_on_page) AS avg_time, quantile_cont(time_on_page, 0.5) AS p50
       FROM page_views WHERE NOT is_bot GROUP BY page_url ORDER BY page_url`,
    );
    const expected = [...groupBy(records.filter((r) => !r.is_bot), (r) => r.page_url)]
      .map(([page_url, views]) => {
        const times = views.map((v) => v.time_on_page).filter((t): t is number => t !== null);
        return {
          page_url,
          views: views.length,
          sessions: new Set(views.map((v) => v.session_id)).size,
          avg_time: times.length ? times.reduce((s, t) => s + t, 0) / times.length : null,
          p50: times.length ? quantileCont(times, 0.5) : null,
        };
      })
      .sort((a, b) => byUtf8(a.page_url, b.page_url));
    expect(rows.map((r) => ({ ...r, avg_time: r.avg_time === null ? null : Number(r.avg_time.toFixed(9)) }))).toEqual(
      expected.map((r) => ({ ...r, avg_time: r.avg_time === null ? null : Number(r.avg_time.toFixed(9)) })),
    );
  });

  it("date_trunc by hour (UTC)", async () => {
    const rows = await engine.query<{ hour: string; n: number }>("SELECT date_trunc('hour', timestamp) AS hour, count(*) AS n FROM page_views GROUP BY 1 ORDER BY 1");
    const expected = [...groupBy(records, (r) => new Date(Math.floor(r.timestamp / 3_600_000) * 3_600_000).toISOString())].map(([hour, v]) => ({ hour, n: v.length }));
    expect(rows).toEqual(expected);
  });

  it("local days in America/New_York across the DST change, with the zone's offsets bound (no ICU)", async () => {
    const zone = "America/New_York";
    const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
    const localDay = (ms: number) => format.format(ms);
    const dst = Date.parse("2026-03-08T07:00:00.000Z");
    const rows = await engine.query<{ day: string; n: number }>(
      `SELECT strftime(date_trunc('day', make_timestamp((epoch_ms(timestamp) + CASE WHEN epoch_ms(timestamp) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) * 1000)), '%Y-%m-%d') AS day,
         count(*) AS n FROM page_views GROUP BY 1 ORDER BY 1`,
      [dst, -5 * 3_600_000, -4 * 3_600_000],
    );
    expect(rows).toEqual([...groupBy(records, (r) => localDay(r.timestamp))].map(([day, v]) => ({ day, n: v.length })));
    // The change is inside the data: the day of the change has 23 local hours.
    expect(rows.find((r) => r.day === "2026-03-08")?.n).toBe(23 * 30);
  });

  it("binds parameters as values, SQL-looking text included", async () => {
    const injection = "x' OR '1'='1'; DROP TABLE page_views; --";
    expect(await engine.query("SELECT count(*) AS n FROM page_views WHERE page_url = ?", [injection])).toEqual([{ n: 0 }]);
    expect(await engine.query("SELECT ? AS v", [injection])).toEqual([{ v: injection }]);
    const from = START + 86_400_000;
    const to = START + 2 * 86_400_000;
    expect(await engine.query("SELECT count(*) AS n FROM page_views WHERE timestamp >= epoch_ms(CAST(? AS BIGINT)) AND timestamp < epoch_ms(CAST(? AS BIGINT)) AND country = ?", [from, to, "DE"])).toEqual([
      { n: records.filter((r) => r.timestamp >= from && r.timestamp < to && r.country === "DE").length },
    ]);
    expect(await engine.query("SELECT count(*) AS n FROM page_views")).toEqual([{ n: records.length }]);
  });
});

describe("failures leave the isolate working", () => {
  it("a SQL error is kind sql", async () => {
    const error = await engine.query("SELECT nope FROM page_views").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("sql");
  });

  it("a query over memory_limit is kind out_of_memory, and the next query works", async () => {
    const limited = await openDuckDB({ memoryLimit: "32MB" });
    const heapBefore = limited.memoryBytes();
    const error = await limited
      .query("SELECT i % 1000000 AS g, list(i) AS l FROM range(10000000) t(i) GROUP BY g ORDER BY g")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("out_of_memory");
    console.log(`[engine] over-memory query: ${(error as Error).message.split("\n")[0]}; heap ${(heapBefore / 2 ** 20).toFixed(0)} → ${(limited.memoryBytes() / 2 ** 20).toFixed(0)} MiB`);
    const again = await openDuckDB();
    expect(again).toBe(limited);
    expect(await again.query("SELECT count(*) AS n FROM page_views")).toEqual([{ n: records.length }]);
  });

  it("a TIMESTAMPTZ function (ICU is not linked) is kind sql, not a crash", async () => {
    const error = await engine.query("SELECT date_trunc('day', TIMESTAMPTZ '2026-01-01 10:00:00+00') AS d").catch((e: unknown) => e);
    expect((error as EngineError).kind).toBe("sql");
    expect(await engine.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });
});
