import { type EventType, TABLE_BY_EVENT_TYPE, type TableName } from "@edge-analytics/event-schema";
import { AGGREGATE_LIMITS, type AggregateSpec, aggregateSql, columnsFor } from "./aggregate.ts";
import { type AnswerCache, answerCacheKey } from "./answer-cache.ts";
import { QueryError, StaleMartError } from "./errors.ts";
import { type MartDefinition, martFor } from "./marts.ts";
import { type CatalogFileRef, type PlannedFile, planTiers, type TierPlan } from "./plan.ts";
import { mergeRealtime, orderAndPage, planRealtime, type RealtimeSource } from "./realtime.ts";
import { chunkFiles, PartialAggregates, partialSql, unstreamable } from "./stream-aggregate.ts";
import type { TimeRange } from "./time-range.ts";
import type { SqlValue } from "./sql.ts";

export type { PlannedFile };

/** The catalog as the read path needs it: the active files of a raw table or a mart. */
export interface LakeFileCatalog {
  files(table: TableName | MartDefinition["table"]): Promise<CatalogFileRef[]>;
}

/** What loading raw files into the engine read, for `meta`. */
export interface LoadStats {
  rows: number;
  rowGroupsRead: number;
  rowGroupsSkipped: number;
  bytesRead: number;
}

/** Raw rows loaded into the engine as one relation, until released. */
export interface LoadedRelation {
  name: string;
  stats: LoadStats;
  release(): Promise<void>;
}

/**
 * Loads the given columns of the planned files into the engine as one relation (row groups outside
 * range and project skipped): raw files as they are, mart files (`tier: "mart"`) with the mart's
 * columns under their raw names, after checking the file's recorded sources (`StaleMartError`).
 */
export interface RawLoader {
  load(request: { type: EventType; files: PlannedFile[]; mart?: MartDefinition; columns: string[]; projectId: string; fromMs: number; toMs: number }): Promise<LoadedRelation>;
}

/** The SQL engine, with bound parameters only. */
export interface SqlRunner {
  query<T extends Record<string, unknown>>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** The engine's memory now, in bytes (DuckDB-WASM's heap only grows: its high-water mark). */
  memoryBytes?(): number;
}

/** Which tier answered which part of a question, and what it cost: every answer carries it. */
export interface AnswerMeta {
  /**
   * The hours each tier answered, within the range. Lake tiers' bounds are whole hours (the files
   * read hold every project's rows: exact bounds would date other projects' events).
   */
  tiers: { tier: "mart" | "raw" | "realtime"; from: string; to: string }[];
  /** The work done, over files shared by every project: it shows the lake's volume, never its rows (SECURITY.md). */
  files_read: number;
  files_skipped: number;
  row_groups_read: number;
  row_groups_skipped: number;
  bytes_read: number;
  rows_scanned: number;
  /**
   * `raw_through`: the start of the hour of the newest event in any raw file (every project's, so no
   * finer); `realtime_through`: this project's newest event from Analytics Engine; `mart_built_at`:
   * when dbt last wrote the mart.
   */
  freshness: { mart_built_at: string | null; raw_through: string | null; realtime_through: string | null };
  cached: boolean;
  duration_ms: number;
  /** Of duration_ms: loading the files' rows into the engine (R2 reads, Parquet decode, insert), and the SQL. */
  load_ms: number;
  sql_ms: number;
  /** The engine's memory after answering (bytes), when it reports one: how close the isolate is to its 128 MB. */
  engine_memory_bytes: number | null;
  /** Why a tier did not take part, when one could have (e.g. `realtime: bounce_rate is not additive`). */
  notes?: string[];
}

/** How much one request may load. */
export interface ReadBudget {
  /** Rows (in the files a question reads) one request may load into the engine at once. */
  maxRows: number;
  /**
   * Rows a question may read in chunks of `maxRows` when its metrics can be computed chunk by
   * chunk (partial aggregates merged): the ceiling of a streamed question (default: no streaming).
   */
  maxStreamRows?: number;
}

export interface AggregateAnswer<Row> {
  rows: Row[];
  totalRows: number;
  meta: AnswerMeta;
}

/**
 * The files a question over `type` in `range` reading `columns` reads, from the mart where it
 * covers them (see planTiers) and raw files elsewhere, refused before anything is read when they
 * hold more events than one request may load, with what to change.
 */
export async function planWithinBudget(
  type: EventType,
  range: TimeRange,
  deps: { catalog: LakeFileCatalog; budget: ReadBudget },
  options: { columns?: readonly string[]; stale?: ReadonlySet<string>; unstreamable?: string | undefined } = {},
): Promise<TierPlan> {
  const mart = options.columns ? martFor(type, options.columns) : undefined;
  const [rawFiles, martFiles] = await Promise.all([deps.catalog.files(TABLE_BY_EVENT_TYPE[type]), mart ? deps.catalog.files(mart.table) : Promise.resolve([])]);
  const plan = planTiers(rawFiles, range, mart ? { definition: mart, files: martFiles, ...(options.stale ? { stale: options.stale } : {}) } : undefined);
  if (plan.rows <= deps.budget.maxRows) return plan;
  const rows = `this question reads ${plan.rows.toLocaleString("en-US")} events in ${plan.read.length} files`;
  const narrow = "narrow it with a shorter timeRange, a coarser granularity or fewer dimensions";
  const streamMax = deps.budget.maxStreamRows ?? 0;
  const biggest = Math.max(...plan.read.map((file) => file.rows));
  if (streamMax >= plan.rows && options.unstreamable === undefined && biggest <= deps.budget.maxRows) return plan;
  const why =
    streamMax < plan.rows
      ? `more than one request may read (${Math.max(streamMax, deps.budget.maxRows).toLocaleString("en-US")})`
      : options.unstreamable !== undefined
        ? `more than one request may load at once (${deps.budget.maxRows.toLocaleString("en-US")}), and ${options.unstreamable}`
        : `one file holds ${biggest.toLocaleString("en-US")}, more than one request may load at once (${deps.budget.maxRows.toLocaleString("en-US")})`;
  throw new QueryError("OVER_BUDGET", `${rows}, ${why}: ${narrow}`, "timeRange");
}

/** Plans, loads and retries without a mart file found stale while loading (a rare race with a dbt run). */
export async function loadPlanned(
  request: { type: EventType; range: TimeRange; columns: string[]; projectId: string },
  deps: { catalog: LakeFileCatalog; loader: RawLoader; budget: ReadBudget },
  first?: TierPlan,
): Promise<{ plan: TierPlan; loaded: LoadedRelation }> {
  const stale = new Set<string>();
  let plan = first ?? (await planWithinBudget(request.type, request.range, deps, { columns: request.columns }));
  for (;;) {
    try {
      const loaded = await deps.loader.load({
        type: request.type,
        files: plan.read,
        ...(plan.mart ? { mart: plan.mart } : {}),
        columns: request.columns,
        projectId: request.projectId,
        fromMs: request.range.fromMs,
        toMs: request.range.toMs,
      });
      return { plan, loaded };
    } catch (error) {
      if (!(error instanceof StaleMartError) || stale.has(error.partition)) throw error;
      stale.add(error.partition);
      // The raw files standing in for the mart file must still fit one load (this path does not stream).
      plan = await planWithinBudget(request.type, request.range, deps, { columns: request.columns, stale, unstreamable: "its mart was being rebuilt" });
    }
  }
}

/** Distinct names for the tables of event_ids a streamed question has counted (per isolate). */
let countedTables = 0;

/**
 * A question too large to load at once, answered chunk by chunk (files in partition order, at
 * most `maxRows` rows each): each chunk's partial aggregates are added up in `PartialAggregates`;
 * the event_ids of the previous chunk are kept in the engine so that copies in the next one (a
 * retry lands in the same or the next partition) count once. A mart file found stale restarts
 * the question without it.
 */
async function streamAggregate(
  spec: AggregateSpec,
  columns: string[],
  first: TierPlan,
  deps: { catalog: LakeFileCatalog; loader: RawLoader; engine: SqlRunner; budget: ReadBudget },
): Promise<{ rows: Record<string, unknown>[]; plan: TierPlan; stats: LoadStats; chunks: number }> {
  const stale = new Set<string>();
  let plan = first;
  for (;;) {
    const partials = new PartialAggregates(spec);
    const stats: LoadStats = { rows: 0, rowGroupsRead: 0, rowGroupsSkipped: 0, bytesRead: 0 };
    const chunks = chunkFiles(plan.read, deps.budget.maxRows);
    let counted: string | undefined;
    try {
      for (const files of chunks) {
        const loaded = await deps.loader.load({ type: spec.type, files, ...(plan.mart ? { mart: plan.mart } : {}), columns, projectId: spec.projectId, fromMs: spec.range.fromMs, toMs: spec.range.toMs });
        try {
          for (const key of Object.keys(stats) as (keyof LoadStats)[]) stats[key] += loaded.stats[key];
          const sql = partialSql(loaded.name, { ...spec, unique: files.every((file) => file.tier === "mart") }, counted);
          partials.addSums(await deps.engine.query(sql.sums.sql, sql.sums.params));
          for (const [column, query] of Object.entries(sql.distinct)) partials.addDistinct(column, await deps.engine.query(query.sql, query.params));
          const next = `counted_${++countedTables}`;
          await deps.engine.query(`CREATE TEMP TABLE ${next} AS SELECT DISTINCT "event_id" FROM ${loaded.name}`, []);
          if (counted) await deps.engine.query(`DROP TABLE IF EXISTS ${counted}`, []);
          counted = next;
        } finally {
          await loaded.release();
        }
      }
      return { rows: partials.rows(), plan, stats, chunks: chunks.length };
    } catch (error) {
      if (!(error instanceof StaleMartError) || stale.has(error.partition)) throw error;
      stale.add(error.partition);
      plan = await planWithinBudget(spec.type, spec.range, deps, { columns, stale, unstreamable: unstreamable(spec) });
    } finally {
      if (counted) await deps.engine.query(`DROP TABLE IF EXISTS ${counted}`, []).catch(() => undefined);
    }
  }
}

const HOUR_MS = 3_600_000;
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/**
 * Where the files of one tier put the range's events, to the hour: the range clipped to the hours
 * of the files' earliest and latest timestamps. A file holds every project's rows, so its exact
 * min/max would tell a project when another's event happened (to the millisecond, in a sparse
 * partition); meta says no more than which hours the lake has events in (README "Tiers and freshness").
 */
function tierSpan(tier: "mart" | "raw", files: readonly PlannedFile[], range: TimeRange): AnswerMeta["tiers"][number] | undefined {
  const own = files.filter((file) => file.tier === tier);
  if (own.length === 0) return undefined;
  const mins = own.map((file) => (file.min_timestamp ? floorHour(Date.parse(file.min_timestamp)) : range.fromMs));
  const maxs = own.map((file) => (file.max_timestamp ? ceilHour(Date.parse(file.max_timestamp) + 1) : range.toMs));
  const from = Math.max(range.fromMs, Math.min(...mins));
  const to = Math.min(range.toMs, Math.max(...maxs));
  return { tier, from: new Date(from).toISOString(), to: new Date(Math.max(from, to)).toISOString() };
}

/**
 * The lake's raw tier freshness as a client may see it: the start of the hour of the newest event
 * in any raw file (every project's), never that event's own timestamp. Planning keeps the exact
 * figure (`TierPlan.rawThrough`) for the realtime tier's boundary.
 */
function publicRawThrough(rawThrough: string | null): string | null {
  return rawThrough === null ? null : new Date(floorHour(Date.parse(rawThrough))).toISOString();
}

/**
 * Where a realtime part starts, as a client may see it: its start is the instant after the lake's
 * newest event (any project's) when the lake reaches into the range, so meta says that event's
 * hour (as `raw_through`), clamped to the range.
 */
function publicRealtimeFrom(range: TimeRange, fromMs: number): string {
  return new Date(Math.max(range.fromMs, floorHour(fromMs - 1))).toISOString();
}

/** The meta of an answer computed from the lake (marts and raw files). */
export function rawMeta(
  range: TimeRange,
  plan: TierPlan,
  stats: LoadStats,
  engine: SqlRunner,
  timings: { durationMs: number; loadMs: number; sqlMs: number },
): AnswerMeta {
  return {
    // A question that reads no file still says which tier it asked.
    tiers: plan.read.length === 0
      ? [{ tier: "raw", from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() }]
      : (["mart", "raw"] as const).flatMap((tier) => tierSpan(tier, plan.read, range) ?? []),
    files_read: plan.read.length,
    files_skipped: plan.skipped,
    row_groups_read: stats.rowGroupsRead,
    row_groups_skipped: stats.rowGroupsSkipped,
    bytes_read: stats.bytesRead,
    rows_scanned: stats.rows,
    freshness: { mart_built_at: plan.martBuiltAt, raw_through: publicRawThrough(plan.rawThrough), realtime_through: null },
    cached: false,
    duration_ms: timings.durationMs,
    load_ms: timings.loadMs,
    sql_ms: timings.sqlMs,
    engine_memory_bytes: engine.memoryBytes?.() ?? null,
  };
}

/**
 * Answers an aggregate: from the lake (the catalog's files for the range, a mart where dbt has
 * caught up and raw files elsewhere, loaded into the engine with only the columns needed,
 * aggregated there over first copies) and, when `realtime` is given and the range reaches past
 * the newest raw file, the newer events from Analytics Engine added to the lake's groups. A
 * question whose files hold more rows than the budget is refused before anything is read, with
 * what to change. Answers with a realtime part are not cached (they change by the second).
 */
export async function runRawAggregate<Row extends Record<string, unknown>>(
  spec: AggregateSpec,
  deps: { catalog: LakeFileCatalog; loader: RawLoader; engine: SqlRunner; budget: ReadBudget; cache?: AnswerCache; realtime?: RealtimeSource; now?: () => number },
): Promise<AggregateAnswer<Row>> {
  const now = deps.now ?? Date.now;
  const started = now();
  // Built once before anything is read, so a bad argument costs no I/O.
  aggregateSql("raw_events", spec);
  const columns = columnsFor(spec);
  const plan = await planWithinBudget(spec.type, spec.range, deps, { columns, unstreamable: unstreamable(spec) });
  const realtime = deps.realtime ? planRealtime(spec, plan.rawThrough === null ? null : Date.parse(plan.rawThrough), now()) : undefined;
  const question = realtime && "question" in realtime ? realtime.question : undefined;
  // The lake's every group when realtime rows are to be added (they may reorder the groups).
  const lakeSpec: AggregateSpec = question ? { ...spec, limit: AGGREGATE_LIMITS.maxLimit, offset: 0 } : spec;
  const cacheKey = deps.cache && !question ? await answerCacheKey(spec, plan.read) : undefined;
  if (deps.cache && cacheKey) {
    const hit = await deps.cache.get(cacheKey);
    if (hit) {
      const meta = { ...(hit.meta as unknown as AnswerMeta), cached: true, duration_ms: Math.round(now() - started) };
      return { rows: hit.rows as Row[], totalRows: hit.totalRows, meta };
    }
  }
  const loadStarted = now();
  const notes: string[] = [];
  let totalRows: number;
  let cleaned: Row[];
  let loadedPlan: TierPlan;
  let stats: LoadStats;
  let sqlStarted: number;
  if (plan.rows > deps.budget.maxRows) {
    // Too many rows to load at once: chunk by chunk, partial aggregates added up.
    const streamed = await streamAggregate(spec, columns, plan, deps);
    sqlStarted = now();
    loadedPlan = streamed.plan;
    stats = streamed.stats;
    const all = streamed.rows as Row[];
    totalRows = all.length;
    cleaned = question ? all : (orderAndPage(all, spec) as Row[]);
    notes.push(`streamed: ${streamed.chunks} chunks of at most ${deps.budget.maxRows.toLocaleString("en-US")} rows; copies are counted once across neighbouring chunks`);
  } else {
    const single = await loadPlanned({ type: spec.type, range: spec.range, columns, projectId: spec.projectId }, deps, plan);
    loadedPlan = single.plan;
    stats = single.loaded.stats;
    sqlStarted = now();
    let rows: (Row & { total_rows?: number })[];
    try {
      // Mart rows are first copies already: only raw files need deduplicating.
      const query = aggregateSql(single.loaded.name, { ...lakeSpec, unique: loadedPlan.read.every((file) => file.tier === "mart") && loadedPlan.read.length > 0 });
      rows = await deps.engine.query<Row & { total_rows?: number }>(query.sql, query.params);
    } finally {
      await single.loaded.release();
    }
    totalRows = Number(rows[0]?.total_rows ?? 0);
    cleaned = rows.map(({ total_rows: _total, ...row }) => row as unknown as Row);
  }
  const sqlFinished = now();
  let realtimePart: { fromMs: number; toMs: number; throughMs: number | null } | undefined;
  if (question && deps.realtime) {
    if (totalRows > AGGREGATE_LIMITS.maxLimit) {
      notes.push(`realtime: not added (the lake has more than ${AGGREGATE_LIMITS.maxLimit} groups)`);
      cleaned = orderAndPage(cleaned, spec) as Row[];
    } else {
      try {
        const merged = mergeRealtime(cleaned, await deps.realtime.aggregate(question), question);
        totalRows = merged.rows.length;
        cleaned = orderAndPage(merged.rows, spec) as Row[];
        realtimePart = { fromMs: question.fromMs, toMs: question.toMs, throughMs: merged.throughMs };
      } catch (error) {
        // Analytics Engine unreachable: the lake's answer stands, and meta says what is missing.
        notes.push(`realtime: Analytics Engine did not answer (${error instanceof Error ? error.message.slice(0, 120) : "error"})`);
        cleaned = orderAndPage(cleaned, spec) as Row[];
      }
    }
  } else if (realtime && "skipped" in realtime) {
    notes.push(`realtime: ${realtime.skipped}`);
  }
  const finished = now();
  const timings = { durationMs: Math.round(finished - started), loadMs: Math.round(sqlStarted - loadStarted), sqlMs: Math.round(sqlFinished - sqlStarted) };
  const meta = rawMeta(spec.range, loadedPlan, stats, deps.engine, timings);
  if (realtimePart) {
    meta.tiers.push({ tier: "realtime", from: publicRealtimeFrom(spec.range, realtimePart.fromMs), to: new Date(realtimePart.toMs).toISOString() });
    meta.freshness.realtime_through = realtimePart.throughMs === null ? null : new Date(realtimePart.throughMs).toISOString();
  }
  if (notes.length > 0) meta.notes = notes;
  const answer: AggregateAnswer<Row> = { rows: cleaned, totalRows, meta };
  if (deps.cache && cacheKey) {
    // A cache that cannot keep the answer costs the next request time, never this one its answer.
    await deps.cache.put(cacheKey, { rows: cleaned, totalRows, meta: { ...answer.meta } }).catch(() => undefined);
  }
  return answer;
}
