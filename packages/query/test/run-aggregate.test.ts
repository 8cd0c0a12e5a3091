import { describe, expect, it } from "vitest";
import type { AggregateSpec } from "../src/aggregate.ts";
import { QueryError, StaleMartError } from "../src/errors.ts";
import { MARTS } from "../src/marts.ts";
import { type CatalogFileRef, planFiles, planTiers } from "../src/plan.ts";
import { type LakeFileCatalog, planWithinBudget, type RawLoader, runRawAggregate, type SqlRunner } from "../src/run-aggregate.ts";
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
      duration_ms: 20,
      load_ms: 5,
      sql_ms: 5,
      engine_memory_bytes: null,
    });
  });

  it("meta dates nothing finer than the hour: another project's event in a sparse hour changes no span nor raw_through, while the realtime tier still starts right after it", async () => {
    const NOW = Date.parse("2024-01-10T12:00:00.000Z");
    const day = resolveTimeRange({ start: "2024-01-10", end: "2024-01-10" });
    const own = file("own", "2024-01-10T10:05:00.000Z", "2024-01-10T10:05:00.000Z");
    const theirs = file("theirs", "2024-01-10T10:45:30.250Z", "2024-01-10T10:45:30.250Z");
    async function ask(files: CatalogFileRef[]) {
      const asked: number[] = [];
      const answer = await runRawAggregate(
        { type: "page_view", projectId: "local", range: day, dimensions: [], metrics: ["view_count"], limit: 10 },
        {
          catalog: { files: async (table) => (table === "page_views" ? files : []) },
          loader: { load: async () => ({ name: "r", stats: { rows: 1, rowGroupsRead: 1, rowGroupsSkipped: 0, bytesRead: 1 }, release: async () => undefined }) },
          engine: { query: async <T>() => [] as T[] },
          budget: { maxRows: 1000 },
          realtime: { aggregate: async (question) => (asked.push(question.fromMs), []) },
          now: () => NOW,
        },
      );
      return { asked, meta: answer.meta };
    }
    const alone = await ask([own]);
    const shared = await ask([own, theirs]);
    // The realtime boundary is exact (no gap, no double counting) ...
    expect(alone.asked).toEqual([Date.parse("2024-01-10T10:05:00.001Z")]);
    expect(shared.asked).toEqual([Date.parse("2024-01-10T10:45:30.251Z")]);
    // ... but what the answer says is hours, the same with or without the other project's event.
    const dated = ({ tiers, freshness }: typeof alone.meta) => ({ tiers, freshness });
    expect(dated(alone.meta)).toEqual({
      tiers: [
        { tier: "raw", from: "2024-01-10T10:00:00.000Z", to: "2024-01-10T11:00:00.000Z" },
        { tier: "realtime", from: "2024-01-10T10:00:00.000Z", to: "2024-01-10T12:01:00.000Z" },
      ],
      freshness: { mart_built_at: null, raw_through: "2024-01-10T10:00:00.000Z", realtime_through: null },
    });
    expect(dated(shared.meta)).toEqual(dated(alone.meta));
  });

  it("refuses a question over the budget before reading anything, saying how to narrow it", async () => {
    const { calls, deps } = harness();
    const error = await runRawAggregate(spec, { ...deps, budget: { maxRows: 29 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe("OVER_BUDGET");
    expect((error as QueryError).message).toBe(
      "this question reads 30 events in 3 files, more than one request may read (29): narrow it with a shorter timeRange, a coarser granularity or fewer dimensions",
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

describe("planTiers: marts where dbt has caught up, raw files elsewhere", () => {
  const at = (hour: string, minute = 0) => `2024-01-10T${hour}:${String(minute).padStart(2, "0")}:00.000Z`;
  const part = (hour: string) => `year=2024/month=01/day=10/hour=${hour}`;
  const raw = (hour: string, name: string, registeredMinute: number): CatalogFileRef => ({
    key: `events/page_views/${part(hour)}/${name}.parquet`,
    rows: 10,
    bytes: 300,
    min_timestamp: at(hour),
    max_timestamp: at(hour, 59),
    registered_at: at(hour, registeredMinute),
  });
  const mart = (hour: string, registered: string): CatalogFileRef => ({
    key: `facts/fact_page_views/${part(hour)}/data.parquet`,
    partition: part(hour),
    rows: 9,
    bytes: 200,
    min_timestamp: at(hour),
    max_timestamp: at(hour, 59),
    registered_at: registered,
  });
  // Hour 08 and 09 were built by a dbt run at 09:30 (after 09's first file); 09 got another file at 09:45; 10 has no mart file.
  const RAW = [raw("08", "a", 10), raw("08", "b", 20), raw("09", "c", 5), raw("09", "d", 45), raw("10", "e", 5)];
  const MART = [mart("08", at("09", 30)), mart("09", at("09", 30))];
  const definition = MARTS.page_view!;
  const DAY = resolveTimeRange({ start: "2024-01-10", end: "2024-01-10" });

  it("reads a partition's mart file when it was registered after every raw file there; raw files elsewhere", () => {
    const plan = planTiers(RAW, DAY, { definition, files: MART });
    expect(plan.read.map((f) => `${f.tier} ${f.key.split("/").slice(-2).join("/")}`)).toEqual(["mart hour=08/data.parquet", "raw hour=09/c.parquet", "raw hour=09/d.parquet", "raw hour=10/e.parquet"]);
    expect(plan.read[0]?.sources).toBe(JSON.stringify(["page_views/a.parquet", "page_views/b.parquet"]));
    expect(plan).toMatchObject({ mart: definition, martBuiltAt: at("09", 30), rows: 9 + 30, skipped: 3, rawThrough: at("10", 59) });
  });

  it("a partition found stale while loading goes to raw files", () => {
    const plan = planTiers(RAW, DAY, { definition, files: MART, stale: new Set([part("08")]) });
    expect(plan.read.every((f) => f.tier === "raw")).toBe(true);
    expect(plan.mart).toBeUndefined();
  });

  it("prunes mart files by their timestamps like raw files", () => {
    const plan = planTiers(RAW, { fromMs: Date.parse(at("10")), toMs: Date.parse(at("11")) }, { definition, files: MART });
    expect(plan.read.map((f) => f.key.split("/").pop())).toEqual(["e.parquet"]);
  });

  it("a question reading a column the mart lacks reads raw files only", async () => {
    const calls: string[] = [];
    const catalog: LakeFileCatalog = { files: async (table) => (calls.push(table), table === "page_views" ? RAW : MART) };
    const needsReferrer = await planWithinBudget("page_view", DAY, { catalog, budget: { maxRows: 1000 } }, { columns: ["event_id", "referrer"] });
    expect(calls).toEqual(["page_views"]);
    expect(needsReferrer.read.every((f) => f.tier === "raw")).toBe(true);
    const covered = await planWithinBudget("page_view", DAY, { catalog, budget: { maxRows: 1000 } }, { columns: ["event_id", "page_url", "time_on_page"] });
    expect(covered.read.filter((f) => f.tier === "mart")).toHaveLength(1);
  });

  it("loads again without a mart file its loader finds stale, and says so in meta", async () => {
    const catalog: LakeFileCatalog = { files: async (table) => (table === "page_views" ? RAW : MART) };
    const loads: string[] = [];
    const loader: RawLoader = {
      async load(request) {
        loads.push(request.files.map((f) => f.tier).join(","));
        const martFile = request.files.find((f) => f.tier === "mart");
        if (martFile?.partition) throw new StaleMartError(martFile.partition);
        return { name: "r", stats: { rows: 40, rowGroupsRead: 4, rowGroupsSkipped: 0, bytesRead: 1 }, release: async () => undefined };
      },
    };
    const engine: SqlRunner = { query: async <T>() => [] as T[] };
    const answer = await runRawAggregate({ type: "page_view", projectId: "p", range: DAY, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 }, { catalog, loader, engine, budget: { maxRows: 1000 } });
    expect(loads).toEqual(["mart,raw,raw,raw", "raw,raw,raw,raw,raw"]);
    expect(answer.meta.tiers.map((t) => t.tier)).toEqual(["raw"]);
  });

  it("meta names each tier with the hours of its files in the range", async () => {
    const catalog: LakeFileCatalog = { files: async (table) => (table === "page_views" ? RAW : MART) };
    const loader: RawLoader = { load: async () => ({ name: "r", stats: { rows: 39, rowGroupsRead: 4, rowGroupsSkipped: 0, bytesRead: 1 }, release: async () => undefined }) };
    const engine: SqlRunner = { query: async <T>() => [] as T[] };
    const answer = await runRawAggregate({ type: "page_view", projectId: "p", range: DAY, dimensions: [], metrics: ["view_count"], limit: 10 }, { catalog, loader, engine, budget: { maxRows: 1000 } });
    expect(answer.meta.tiers).toEqual([
      { tier: "mart", from: at("08"), to: at("09") },
      { tier: "raw", from: at("09"), to: at("11") },
    ]);
    expect(answer.meta.freshness.mart_built_at).toBe(at("09", 30));
  });
});
