import type { EventType } from "@edge-analytics/event-schema";
import { QueryError } from "./errors.ts";
import { dimensionIdentifier } from "./fields.ts";
import { compileFilter, type Filter, filterFields } from "./filters.ts";
import { type MetricDefinition, metricsOf } from "./metrics.ts";
import { identifier, type SqlFragment, type SqlQuery, type SqlValue } from "./sql.ts";
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
  /** The relation holds one row per event_id already (marts only): no deduplication pass. */
  unique?: boolean;
}

/** Most rows one answer may list (`limit`), and most groups a question may ask for. */
export const AGGREGATE_LIMITS = { maxLimit: 10_000, maxDimensions: 5, maxMetrics: 20, maxOffset: 1_000_000 } as const;

/**
 * `WITH ... events AS (...)`: the project's events in the range, first copies only (raw files are
 * at-least-once: one row per `event_id`, the earliest received, as dbt's staging keeps it), then
 * bots left out unless asked for, then filtered. Copies are resolved before any condition on
 * their values: a resent copy may differ (a retry from a browser after a bot-flagged first copy)
 * and must not stand in for the first. Aggregates and listings both read `events`.
 */
export function firstCopiesCte(
  relation: string,
  scope: { projectId: string; range: TimeRange; includeBots?: boolean | undefined; unique?: boolean | undefined },
  filter: SqlFragment,
  /** A relation of event_ids counted already (an earlier chunk of a streamed question): their copies here are left out. */
  counted?: string,
): SqlFragment {
  for (const name of [relation, counted ?? "x"]) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`relation name "${name}" is not a plain identifier`);
  const bots = scope.includeBots ? "" : `NOT (coalesce("is_bot", false) OR coalesce("device_type" = 'bot', false)) AND `;
  return {
    sql: `WITH scoped AS (
  SELECT * FROM ${relation}
  WHERE "project_id" = ? AND epoch_ms("timestamp") >= ? AND epoch_ms("timestamp") < ?${counted ? `\n    AND "event_id" NOT IN (SELECT "event_id" FROM ${counted})` : ""}${scope.unique ? "" : `
  QUALIFY row_number() OVER (PARTITION BY "event_id" ORDER BY "received_at") = 1`}
), events AS (
  SELECT * FROM scoped
  WHERE ${bots}(${filter.sql})
)`,
    params: [scope.projectId, scope.range.fromMs, scope.range.toMs, ...filter.params],
  };
}

/** The columns an aggregate reads: what to decode from the Parquet files, and nothing more. */
export function columnsFor(spec: AggregateSpec): string[] {
  const columns = new Set(["event_id", "project_id", "timestamp", "received_at", "is_bot", "device_type", ...spec.dimensions, ...filterFields(spec.filter)]);
  const metrics = metricsOf(spec.type);
  for (const name of spec.metrics) {
    const definition = metrics[name];
    for (const column of definition?.columns ?? []) columns.add(column);
    if (definition?.grain === "session") for (const column of ["session_id", "time_on_page"]) columns.add(column);
  }
  return [...columns];
}

function checkInteger(value: number, min: number, max: number, argument: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new QueryError("BAD_ARGUMENT", `must be an integer from ${min} to ${max}`, argument);
  }
  return value;
}

/** The groups of a question: its dimensions (checked, quoted) and its period, when it is a time series. */
export function groupingOf(spec: AggregateSpec): { dimensionNames: string[]; dimensions: string[]; period: SqlFragment | undefined; groups: string[] } {
  const dimensionNames = [...new Set(spec.dimensions)];
  const dimensions = dimensionNames.map((name, i) => dimensionIdentifier(spec.type, name, `groupBy.${i}`));
  const period = spec.granularity ? periodSql(spec.granularity, offsetSchedule(spec.timeZone ?? "UTC", spec.range.fromMs, spec.range.toMs)) : undefined;
  return { dimensionNames, dimensions, period, groups: period ? ['"period"', ...dimensions] : dimensions };
}

/** The metrics asked for, checked, by grain; their definitions are constant SQL. */
function metricsByGrain(spec: AggregateSpec): { event: [string, MetricDefinition][]; session: [string, MetricDefinition][] } {
  const definitions = metricsOf(spec.type);
  const names = new Set(Object.keys(definitions));
  if (spec.metrics.length === 0) throw new QueryError("BAD_ARGUMENT", "ask for at least one metric", "metrics");
  if (spec.metrics.length > AGGREGATE_LIMITS.maxMetrics) throw new QueryError("BAD_ARGUMENT", `at most ${AGGREGATE_LIMITS.maxMetrics} metrics`, "metrics");
  const grains = { event: [] as [string, MetricDefinition][], session: [] as [string, MetricDefinition][] };
  for (const [i, name] of [...new Set(spec.metrics)].entries()) {
    identifier(name, names, `metrics.${i}`);
    const definition = definitions[name] as MetricDefinition;
    grains[definition.grain ?? "event"].push([name, definition]);
  }
  return grains;
}

/**
 * The SQL of an aggregate over `relation` (the raw rows the engine loaded): the project's events
 * in the range, first copies only (raw files are at-least-once: one row per `event_id`, as dbt's
 * staging keeps it), filtered, grouped by the dimensions, with `total_rows` (the number of groups)
 * for pagination. Session metrics (bounce_rate, ...) group sessions by their first page view's
 * values and period; asked with event metrics, both are joined on the groups. Every name is
 * checked against allow-lists generated from the schemas; every value is bound.
 * @example aggregateSql("raw_page_views", { type: "page_view", projectId: "local", range, dimensions: ["page_url"], metrics: ["view_count"], limit: 10 })
 */
export function aggregateSql(relation: string, spec: AggregateSpec): SqlQuery {
  const grains = metricsByGrain(spec);
  if (spec.dimensions.length > AGGREGATE_LIMITS.maxDimensions) {
    throw new QueryError("BAD_ARGUMENT", `group by at most ${AGGREGATE_LIMITS.maxDimensions} dimensions`, "groupBy");
  }
  const { dimensionNames, dimensions, period, groups } = groupingOf(spec);
  const filter = compileFilter(spec.type, spec.filter);
  const limit = checkInteger(spec.limit, 0, AGGREGATE_LIMITS.maxLimit, "limit");
  const offset = checkInteger(spec.offset ?? 0, 0, AGGREGATE_LIMITS.maxOffset, "offset");

  const selectable = new Set([...(period ? ["period"] : []), ...dimensionNames, ...spec.metrics]);
  const order = (spec.orderBy ?? []).map((term, i) => `${identifier(term.field, selectable, `orderBy.${i}.field`)} ${term.direction === "ASC" ? "ASC" : "DESC"}`);
  // A time series reads in time order; other answers biggest first.
  if (order.length === 0) order.push(period ? '"period" ASC' : `"${spec.metrics[0]}" DESC`);
  // Ties are broken by the groups, so pages of an answer never overlap or skip a group.
  order.push(...groups.map((d) => `${d} ASC NULLS LAST`));

  const ctes: string[] = [];
  const params: SqlValue[] = [];
  const events = firstCopiesCte(relation, spec, filter);
  ctes.push(events.sql.replace(/^WITH /, ""));
  params.push(...events.params);

  const derived = Object.entries(Object.assign({}, ...[...grains.event, ...grains.session].map(([, d]) => d.derived ?? {})) as Record<string, string>);
  let eventRelation = "events";
  if (derived.length > 0) {
    ctes.push(`derived AS (\n  SELECT *, ${derived.map(([name, sql]) => `${sql} AS "${name}"`).join(", ")} FROM events\n)`);
    eventRelation = "derived";
  }
  if (grains.session.length > 0) {
    // One row per session: dimensions at its first page view (arg_min, as dbt's int_sessions).
    const first = dimensions.map((d) => `arg_min(${d}, ("timestamp", "event_id")) AS ${d}`);
    ctes.push(`sessions AS (
  SELECT "session_id", min("timestamp") AS "timestamp", ${[...first, 'count(*) AS "page_views"'].join(", ")},
    (max(epoch_ms("timestamp") + coalesce("time_on_page", 0) * 1000) - min(epoch_ms("timestamp"))) / 1000.0 AS "duration_seconds"
  FROM events GROUP BY "session_id"
)`);
  }
  const grouped = (from: string, metrics: [string, MetricDefinition][]): SqlFragment => ({
    sql: `SELECT ${[...(period ? [`${period.sql} AS "period"`] : []), ...dimensions, ...metrics.map(([name, d]) => `${d.sql} AS "${name}"`)].join(", ")}
  FROM ${from}${groups.length > 0 ? `\n  GROUP BY ${groups.join(", ")}` : ""}`,
    params: period && metrics.length > 0 ? [...period.params] : [],
  });

  const finalOrder = `ORDER BY ${order.join(", ")}\nLIMIT ${limit} OFFSET ${offset}`;
  const onlyGrain = grains.session.length === 0 ? { from: eventRelation, metrics: grains.event } : grains.event.length === 0 ? { from: "sessions", metrics: grains.session } : undefined;
  if (onlyGrain) {
    const select = grouped(onlyGrain.from, onlyGrain.metrics);
    return {
      sql: `WITH ${ctes.join(", ")}\n${select.sql.replace(/^SELECT /, "SELECT count(*) OVER () AS total_rows, ")}\n${finalOrder}`,
      params: [...params, ...select.params],
    };
  }
  const byEvent = grouped(eventRelation, grains.event);
  const bySession = grouped("sessions", grains.session);
  ctes.push(`by_event AS (${byEvent.sql}), by_session AS (${bySession.sql})`);
  params.push(...byEvent.params, ...bySession.params);
  const join = groups.length > 0 ? groups.map((g) => `by_event.${g} IS NOT DISTINCT FROM by_session.${g}`).join(" AND ") : "TRUE";
  const columns = [
    ...groups.map((g) => `coalesce(by_event.${g}, by_session.${g}) AS ${g}`),
    // A group with page views but no session start in it (or the reverse) counts 0 there.
    ...grains.event.map(([name, d]) => (d.sql.startsWith("count(") ? `coalesce(by_event."${name}", 0) AS "${name}"` : `by_event."${name}"`)),
    ...grains.session.map(([name, d]) => (d.sql.startsWith("count(") ? `coalesce(by_session."${name}", 0) AS "${name}"` : `by_session."${name}"`)),
  ];
  return {
    sql: `WITH ${ctes.join(", ")}\nSELECT count(*) OVER () AS total_rows, ${columns.join(", ")}\nFROM by_event FULL JOIN by_session ON ${join}\n${finalOrder}`,
    params,
  };
}
