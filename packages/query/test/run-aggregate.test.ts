import { describe, expect, it } from "vitest";
import type { AggregateSpec } from "../src/aggregate.ts";
import { QueryError } from "../src/errors.ts";
import { type CatalogFileRef, planFiles } from "../src/plan.ts";
import { type LakeFileCatalog, type RawLoader, runRawAggregate, type SqlRunner } from "../src/run-aggregate.ts";
import { resolveTimeRange } from "../src/time-range.ts";

const file = (key: string, min: string | null, max: string | null, rows = 10): CatalogFileRef => ({ key, rows, bytes: rows * 30, min_timestamp: min, max_timestamp: max });
const FILES = [
  file("dec", "2023-12-31T10:00:00.000Z", "2023-12-31T23:00:00.000Z"),
  file("edge", "2023-12-31T23:00:00.000Z", "2024-01-01T00:30:00.000Z"),
  file("jan", "2024-01-10T00:00:00.000Z", "2024-01-10T01:00:00.000Z"),
  file("unknown", null, null),
  file("feb", "2024-02-01T00:00:00.000Z", "2024-02-03T00:00:00.000Z"),
];
const JANUARY = resolveTimeRange({ start: "2024-01-01", end: "2024-01-31" });

describe("planFiles", () => {
  it("reads the files whose events may fall in the range (and those it cannot tell), skips the rest", () => {
    const plan = planFiles(FILES, JANUARY);
    expect(plan.read.map((f) => f.key)).toEqual(["edge", "jan", "unknown"]);
    expect(plan).toMatchObject({ skipped: 2, rows: 30, bytes: 900, rawThrough: "2024-02-03T00:00:00.000Z" });
  });

  it("an empty lake reads nothing and knows no freshness", () => {
    expect(planFiles([], JANUARY)).toEqual({ read: [], skipped: 0, rows: 0, bytes: 0, rawThrough: null });
  });
});

describe("runRawAggregate", () => {
  const spec: AggregateSpec = { type: "page_view", projectId: "local", range: JANUARY, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 };
  const catalog: LakeFileCatalog = { files: async (table) => (table === "page_views" ? FILES : []) };

  function harness() {
    const calls: string[] = [];
    const loader: RawLoader = {
      async load(request) {
        calls.push(`load ${request.files.map((f) => f.key).join(",")} [${request.columns.sort().join(",")}]`);
        return { name: "loaded_1", stats: { rows: 25, rowGroupsRead: 3, rowGroupsSkipped: 1, bytesRead: 4096 }, release: async () => void calls.push("release") };
      },
    };
    const engine: SqlRunner = {
      async query<T>(sql: string, params: readonly unknown[]) {
        calls.push(`query ${sql.includes("FROM loaded_1") ? "loaded_1" : "?"} ${JSON.stringify(params)}`);
        return [{ page_url: "https://a.example/", view_count: 7, total_rows: 2 }] as T[];
      },
    };
    let clock = 1000;
    return { calls, deps: { catalog, loader, engine, budget: { maxRows: 1000 }, now: () => (clock += 5) } };
  }

  it("loads the planned files' needed columns, queries, releases, and reports meta", async () => {
    const { calls, deps } = harness();
    const answer = await runRawAggregate(spec, deps);
    expect(calls).toEqual([
      "load edge,jan,unknown [device_type,event_id,is_bot,page_url,project_id,received_at,timestamp]",
      `query loaded_1 ${JSON.stringify(["local", JANUARY.fromMs, JANUARY.toMs])}`,
      "release",
    ]);
    expect(answer.rows).toEqual([{ page_url: "https://a.example/", view_count: 7 }]);
    expect(answer.totalRows).toBe(2);
    expect(answer.meta).toEqual({
      tiers: [{ tier: "raw", from: "2024-01-01T00:00:00.000Z", to: "2024-02-01T00:00:00.000Z" }],
      files_read: 3,
      files_skipped: 2,
      row_groups_read: 3,
      row_groups_skipped: 1,
      bytes_read: 4096,
      rows_scanned: 25,
      freshness: { mart_built_at: null, raw_through: "2024-02-03T00:00:00.000Z", realtime_through: null },
      cached: false,
      duration_ms: 15,
      load_ms: 5,
      sql_ms: 5,
      engine_memory_bytes: null,
    });
  });

  it("refuses a question over the budget before reading anything, saying how to narrow it", async () => {
    const { calls, deps } = harness();
    const error = await runRawAggregate(spec, { ...deps, budget: { maxRows: 29 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe("OVER_BUDGET");
    expect((error as QueryError).message).toBe(
      "this question reads 30 raw events in 3 files, more than one request may load (29): narrow it with a shorter timeRange, a coarser granularity or fewer dimensions",
    );
    expect(calls).toEqual([]);
  });

  it("refuses a bad argument before reading anything, and releases the relation when the query fails", async () => {
    const { calls, deps } = harness();
    await expect(runRawAggregate({ ...spec, dimensions: ["nope"] }, deps)).rejects.toThrow('unknown field "nope"');
    expect(calls).toEqual([]);
    const failing = { ...deps, engine: { query: async () => Promise.reject(new Error("boom")) } };
    await expect(runRawAggregate(spec, failing)).rejects.toThrow("boom");
    expect(calls.at(-1)).toBe("release");
  });
});

describe("runRawAggregate with an answer cache", () => {
  const spec: AggregateSpec = { type: "page_view", projectId: "local", range: JANUARY, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 };

  function harness(files: CatalogFileRef[]) {
    const store = new Map<string, unknown>();
    let queries = 0;
    const deps = {
      catalog: { files: async () => files } satisfies LakeFileCatalog,
      loader: { load: async () => ({ name: "r", stats: { rows: 1, rowGroupsRead: 1, rowGroupsSkipped: 0, bytesRead: 1 }, release: async () => undefined }) } satisfies RawLoader,
      engine: {
        query: async <T>() => {
          queries++;
          return [{ page_url: "a", view_count: queries, total_rows: 1 }] as T[];
        },
      } satisfies SqlRunner,
      budget: { maxRows: 1000 },
      cache: { get: async (key: string) => store.get(key) as never, put: async (key: string, value: unknown) => void store.set(key, value) },
    };
    return { deps, store, queries: () => queries };
  }

  it("serves an identical question from the cache, marked cached, without loading or querying", async () => {
    const { deps, queries } = harness(FILES);
    const first = await runRawAggregate(spec, deps);
    const second = await runRawAggregate(spec, deps);
    expect(queries()).toBe(1);
    expect(second.rows).toEqual(first.rows);
    expect([first.meta.cached, second.meta.cached]).toEqual([false, true]);
    expect(second.meta.files_read).toBe(first.meta.files_read);
  });

  it("a new file, another project or another question is a new key", async () => {
    const { deps, queries } = harness(FILES);
    await runRawAggregate(spec, deps);
    await runRawAggregate({ ...spec, projectId: "other" }, deps);
    await runRawAggregate({ ...spec, limit: 5 }, deps);
    expect(queries()).toBe(3);
    const grown = harness([...FILES, file("new", "2024-01-20T00:00:00.000Z", "2024-01-20T01:00:00.000Z")]);
    grown.deps.cache = deps.cache;
    await runRawAggregate(spec, grown.deps);
    expect(grown.queries()).toBe(1);
  });

  it("a cache that fails to store costs nothing but the cache", async () => {
    const { deps } = harness(FILES);
    deps.cache.put = async () => Promise.reject(new Error("cache down"));
    expect((await runRawAggregate(spec, deps)).rows).toHaveLength(1);
  });
});
