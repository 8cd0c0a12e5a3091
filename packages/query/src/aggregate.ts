import type { EventType } from "@edge-analytics/event-schema";
import { QueryError } from "./errors.ts";
import { dimensionsOf } from "./fields.ts";
import { compileFilter, type Filter } from "./filters.ts";
import { metricsOf } from "./metrics.ts";
import { identifier, type SqlFragment, type SqlQuery } from "./sql.ts";
import { type Granularity, offsetSchedule, periodSql } from "./time-buckets.ts";
import type { TimeRange } from "./time-range.ts";

/** One ordering term: a selected metric or dimension. */
export interface OrderTerm {
  field: string;
  direction: "ASC" | "DESC";
}

/** An aggregate question over one event type's raw events, already resolved to a time range. */
export interface AggregateSpec {
  type: EventType;
  projectId: string;
  range: TimeRange;
  dimensions: string[];
  metrics: string[];
  filter?: Filter;
  /** Bots are left out unless asked for, as in the marts. */
  includeBots?: boolean;
  orderBy?: OrderTerm[];
  limit: number;
  offset?: number;
  /** A time series: one group per local period (`period`, the period's start as local wall time). */
  granularity?: Granularity;
  /** The IANA zone periods are cut in (default UTC). */
  timeZone?: string;
}

/** Most rows one answer may list (`limit`), and most groups a question may ask for. */
export const AGGREGATE_LIMITS = { maxLimit: 10_000, maxDimensions: 5, maxMetrics: 20, maxOffset: 1_000_000 } as const;

/**
 * `WITH ... events AS (...)`: the project's events in the range, bots left out unless asked for,
 * filtered, first copies only (raw files are at-least-once: one row per `event_id`, the
 * earliest received, as dbt's staging keeps it). Aggregates and listings both read `events`.
 */
export function firstCopiesCte(
  relation: string,
  scope: { projectId: string; range: TimeRange; includeBots?: boolean | undefined },
  filter: SqlFragment,
): SqlFragment {
  if (!/^[a-z_][a-z0-9_]*$/.test(relation)) throw new Error(`relation name "${relation}" is not a plain identifier`);
  const bots = scope.includeBots ? "" : `\n    AND NOT (coalesce("is_bot", false) OR coalesce("device_type" = 'bot', false))`;
  return {
    sql: `WITH scoped AS (
  SELECT * FROM ${relation}
  WHERE "project_id" = ? AND epoch_ms("timestamp") >= ? AND epoch_ms("timestamp") < ?${bots}
    AND (${filter.sql})
), events AS (
  SELECT * FROM scoped
  QUALIFY row_number() OVER (PARTITION BY "event_id" ORDER BY "received_at") = 1
)`,
    params: [scope.projectId, scope.range.fromMs, scope.range.toMs, ...filter.params],
  };
}

/** The columns an aggregate reads: what to decode from the Parquet files, and nothing more. */
export function columnsFor(spec: AggregateSpec): string[] {
  const columns = new Set(["event_id", "project_id", "timestamp", "received_at", "is_bot", "device_type", ...spec.dimensions]);
  const metrics = metricsOf(spec.type);
  for (const name of spec.metrics) for (const column of metrics[name]?.columns ?? []) columns.add(column);
  const walk = (filter: Filter | undefined) => {
    if (!filter) return;
    for (const [key, value] of Object.entries(filter)) {
      if (key === "and" || key === "or") for (const child of (value as Filter[] | undefined) ?? []) walk(child);
      else columns.add(key);
    }
  };
  walk(spec.filter);
  return [...columns];
}

function checkInteger(value: number, min: number, max: number, argument: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new QueryError("BAD_ARGUMENT", `must be an integer from ${min} to ${max}`, argument);
  }
  return value;
}

/**
 * The SQL of an aggregate over `relation` (the raw rows the engine loaded): the project's events
 * in the range, first copies only (raw files are at-least-once: one row per `event_id`, as dbt's
 * staging keeps it), filtered, grouped by the dimensions, with `total_rows` (the number of groups)
 * for pagination. Every name is checked against allow-lists generated from the schemas; every
 * value is bound.
 * @example aggregateSql("raw_page_views", { type: "page_view", projectId: "local", range, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 })
 */
export function aggregateSql(relation: string, spec: AggregateSpec): SqlQuery {
  const dimensionNames = new Set(dimensionsOf(spec.type));
  const metricDefinitions = metricsOf(spec.type);
  const metricNames = new Set(Object.keys(metricDefinitions));
  if (spec.metrics.length === 0) throw new QueryError("BAD_ARGUMENT", "ask for at least one metric", "metrics");
  if (spec.metrics.length > AGGREGATE_LIMITS.maxMetrics) throw new QueryError("BAD_ARGUMENT", `at most ${AGGREGATE_LIMITS.maxMetrics} metrics`, "metrics");
  if (spec.dimensions.length > AGGREGATE_LIMITS.maxDimensions) {
    throw new QueryError("BAD_ARGUMENT", `group by at most ${AGGREGATE_LIMITS.maxDimensions} dimensions`, "groupBy");
  }
  const dimensions = [...new Set(spec.dimensions)].map((name, i) => identifier(name, dimensionNames, `groupBy.${i}`));
  const metrics = [...new Set(spec.metrics)].map((name, i) => {
    const definition = metricDefinitions[name];
    if (!definition) identifier(name, metricNames, `metrics.${i}`);
    return `${definition?.sql} AS "${name}"`;
  });
  const filter = compileFilter(spec.type, spec.filter);
  const limit = checkInteger(spec.limit, 0, AGGREGATE_LIMITS.maxLimit, "limit");
  const offset = checkInteger(spec.offset ?? 0, 0, AGGREGATE_LIMITS.maxOffset, "offset");

  const period = spec.granularity ? periodSql(spec.granularity, offsetSchedule(spec.timeZone ?? "UTC", spec.range.fromMs, spec.range.toMs)) : undefined;
  const groups = period ? ['"period"', ...dimensions] : dimensions;
  const selectable = new Set([...(period ? ["period"] : []), ...spec.dimensions, ...spec.metrics]);
  const order = (spec.orderBy ?? []).map((term, i) => `${identifier(term.field, selectable, `orderBy.${i}.field`)} ${term.direction === "ASC" ? "ASC" : "DESC"}`);
  // A time series reads in time order; other answers biggest first.
  if (order.length === 0) order.push(period ? '"period" ASC' : `"${spec.metrics[0]}" DESC`);
  // Ties are broken by the groups, so pages of an answer never overlap or skip a group.
  order.push(...groups.map((d) => `${d} ASC NULLS LAST`));

  const events = firstCopiesCte(relation, spec, filter);
  const sql = `${events.sql}
SELECT ${[...(period ? [`${period.sql} AS "period"`] : []), ...dimensions, ...metrics, "count(*) OVER () AS total_rows"].join(", ")}
FROM events${groups.length > 0 ? `\nGROUP BY ${groups.join(", ")}` : ""}
ORDER BY ${order.join(", ")}
LIMIT ${limit} OFFSET ${offset}`;
  return { sql, params: [...events.params, ...(period?.params ?? [])] };
}
