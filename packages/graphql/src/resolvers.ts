import type { EventType } from "@edge-analytics/event-schema";
import {
  type AggregateSpec,
  EVENT_TYPE_OF_METRIC,
  type Filter,
  type Granularity,
  metricsOf,
  type OrderTerm,
  QueryError,
  resolveTimeRange,
  runRawAggregate,
  runRawListing,
  type TimeRange,
  type TimeRangeInput,
} from "@edge-analytics/query";
import type { GraphQLResolveInfo } from "graphql";
import { JSONScalar } from "./json-scalar.ts";
import { API_PERFORMANCE_METRICS, DAILY_METRICS, SESSION_METRICS, USAGE_DIMENSIONS, USAGE_METRICS, VIDEO_METRICS } from "./type-defs.ts";
import type { AnalyticsContext } from "./context.ts";
import { toGraphQLError } from "./errors.ts";
import { pathKey, selectedFields } from "./selection.ts";

/** Arguments every aggregate field takes. */
interface AggregateArgs {
  timeRange: TimeRangeInput;
  groupBy?: string[] | null;
  filter?: Filter | null;
  orderBy?: { field: string; direction?: "ASC" | "DESC" | null }[] | null;
  limit?: number | null;
  offset?: number | null;
  includeBots?: boolean | null;
}

/**
 * How deep a filter's JSON may nest before the planner reads it: its own shape needs ~12 (and/or
 * 5 levels, each a list of objects, then field and operator). A `filter: JSON` nested thousands
 * deep overflowed the stack here, an "Unexpected error." (found by tests/fuzz.test.ts).
 */
export const MAX_FILTER_NESTING = 32;

/** Drops the nulls GraphQL gives for absent input fields, so the planner sees only what was set. */
export function withoutNulls(value: unknown, depth = 0): unknown {
  if (depth > MAX_FILTER_NESTING) throw new QueryError("BAD_ARGUMENT", `the filter nests more than ${MAX_FILTER_NESTING} levels deep`, "filter");
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v, depth + 1)]));
}

/** A resolver answering an aggregate over one event type from the lake, recording its meta. */
function aggregateResolver(type: EventType) {
  return async function resolveAggregate(_parent: unknown, args: AggregateArgs, context: AnalyticsContext, info: GraphQLResolveInfo) {
    try {
      const metricNames = Object.keys(metricsOf(type));
      const selected = selectedFields(info);
      const metrics = metricNames.filter((name) => selected.has(name));
      // Groups still need one aggregate when only dimensions are asked for.
      if (metrics.length === 0) metrics.push(metricNames[0] as string);
      const orderBy: OrderTerm[] = (args.orderBy ?? []).map((term) => ({ field: term.field, direction: term.direction ?? "DESC" }));
      const answer = await runRawAggregate(
        {
          type,
          projectId: context.projectId,
          range: resolveTimeRange(args.timeRange),
          dimensions: args.groupBy ?? [],
          metrics,
          ...(args.filter ? { filter: withoutNulls(args.filter) as Filter } : {}),
          orderBy,
          limit: args.limit ?? 100,
          offset: args.offset ?? 0,
          includeBots: args.includeBots ?? false,
        },
        context.analytics,
      );
      context.answerMeta.set(pathKey(info), answer.meta);
      return answer.rows;
    } catch (error) {
      throw toGraphQLError(error);
    }
  };
}

/** Arguments of the general `query` field (Plausible's Stats API v2 / Cube's shape). */
interface GeneralQueryArgs {
  metrics: string[];
  dimensions?: string[] | null;
  filter?: unknown;
  timeRange: TimeRangeInput;
  granularity?: Granularity | null;
  timezone?: string | null;
  orderBy?: { field: string; direction?: "ASC" | "DESC" | null }[] | null;
  limit?: number | null;
  offset?: number | null;
  compare?: "PREVIOUS_PERIOD" | "YEAR_OVER_YEAR" | null;
  includeBots?: boolean | null;
}

/** The event type all `metrics` belong to (a question reads one table). */
function eventTypeOfMetrics(metrics: string[]): EventType {
  if (metrics.length === 0) throw new QueryError("BAD_ARGUMENT", "ask for at least one metric", "metrics");
  const types = new Set<EventType>();
  for (const [i, metric] of metrics.entries()) {
    const type = EVENT_TYPE_OF_METRIC[metric];
    if (!type) throw new QueryError("BAD_ARGUMENT", `unknown metric "${metric}"; one of: ${Object.keys(EVENT_TYPE_OF_METRIC).sort().join(", ")}`, `metrics.${i}`);
    types.add(type);
  }
  if (types.size > 1) throw new QueryError("BAD_ARGUMENT", `metrics of one event type per question (these span ${[...types].join(", ")}); send one question each`, "metrics");
  return [...types][0] as EventType;
}

/** The range a comparison reads: the same length just before, or the same dates a year earlier. */
function comparisonRange(range: TimeRange, compare: "PREVIOUS_PERIOD" | "YEAR_OVER_YEAR"): TimeRange {
  if (compare === "PREVIOUS_PERIOD") return { fromMs: range.fromMs - (range.toMs - range.fromMs), toMs: range.fromMs };
  const yearEarlier = (ms: number) => {
    const date = new Date(ms);
    date.setUTCFullYear(date.getUTCFullYear() - 1);
    return date.getTime();
  };
  return { fromMs: yearEarlier(range.fromMs), toMs: yearEarlier(range.toMs) };
}

function isFilter(value: unknown): value is Filter {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function runGeneralQuery(args: GeneralQueryArgs, context: AnalyticsContext, info: GraphQLResolveInfo, metaSuffix = "") {
  const type = eventTypeOfMetrics(args.metrics);
  const timeZone = args.timezone ?? "UTC";
  if (args.filter !== undefined && args.filter !== null && !isFilter(args.filter)) throw new QueryError("BAD_ARGUMENT", "must be an object such as { country: { eq: \"DE\" } }", "filter");
  const range = resolveTimeRange(args.timeRange, timeZone);
  const spec: AggregateSpec = {
    type,
    projectId: context.projectId,
    range,
    dimensions: args.dimensions ?? [],
    metrics: args.metrics,
    ...(isFilter(args.filter) ? { filter: withoutNulls(args.filter) as Filter } : {}),
    orderBy: (args.orderBy ?? []).map((term) => ({ field: term.field, direction: term.direction ?? "DESC" })),
    limit: args.limit ?? 100,
    offset: args.offset ?? 0,
    includeBots: args.includeBots ?? false,
    ...(args.granularity ? { granularity: args.granularity, timeZone } : {}),
  };
  const key = `${pathKey(info)}${metaSuffix}`;
  const answer = await runRawAggregate(spec, context.analytics);
  context.answerMeta.set(key, answer.meta);
  const result = { rows: answer.rows, total_rows: answer.totalRows, from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), comparison: null as unknown };
  if (args.compare) {
    const earlier = comparisonRange(range, args.compare);
    const previous = await runRawAggregate({ ...spec, range: earlier }, context.analytics);
    context.answerMeta.set(`${key}.comparison`, previous.meta);
    result.comparison = { rows: previous.rows, total_rows: previous.totalRows, from: new Date(earlier.fromMs).toISOString(), to: new Date(earlier.toMs).toISOString(), comparison: null };
  }
  return result;
}

/** Wraps a resolver so planner refusals reach the caller as GraphQL errors. */
function answering<A>(resolve: (args: A, context: AnalyticsContext, info: GraphQLResolveInfo) => Promise<unknown>) {
  return async (_parent: unknown, args: A, context: AnalyticsContext, info: GraphQLResolveInfo) => {
    try {
      return await resolve(args, context, info);
    } catch (error) {
      throw toGraphQLError(error);
    }
  };
}

/** The resolvers of the `analytics` part of the schema. */
export const analyticsResolvers = {
  Query: {
    analytics: () => ({}),
  },
  Analytics: {
    pageViews: aggregateResolver("page_view"),
    query: answering<GeneralQueryArgs>(runGeneralQuery),
    timeSeries: answering<{ metric: string; timeRange: TimeRangeInput; granularity: Granularity; timezone?: string | null; filter?: unknown }>(async (args, context, info) => {
      const answer = await runGeneralQuery({ metrics: [args.metric], timeRange: args.timeRange, granularity: args.granularity, timezone: args.timezone ?? null, filter: args.filter, limit: 10_000 }, context, info);
      return answer.rows.map((row) => ({ period: row.period, value: Number(row[args.metric] ?? 0) }));
    }),
    apiPerformance: answering<{ timeRange: TimeRangeInput; timezone?: string | null; filter?: unknown; limit?: number | null }>(async (args, context, info) => {
      return (await runGeneralQuery({ metrics: [...API_PERFORMANCE_METRICS], dimensions: ["method", "path"], timeRange: args.timeRange, timezone: args.timezone ?? null, filter: args.filter, limit: args.limit ?? 50 }, context, info)).rows;
    }),
    usage: answering<{ timeRange: TimeRangeInput; granularity?: Granularity | null; timezone?: string | null; filter?: unknown; limit?: number | null }>(async (args, context, info) => {
      const answer = await runGeneralQuery(
        { metrics: [...USAGE_METRICS], dimensions: [...USAGE_DIMENSIONS], timeRange: args.timeRange, granularity: args.granularity ?? null, timezone: args.timezone ?? null, filter: args.filter, limit: args.limit ?? 1000, includeBots: true },
        context,
        info,
      );
      return answer.rows;
    }),
    videoEngagement: answering<{ timeRange: TimeRangeInput; timezone?: string | null; filter?: unknown; limit?: number | null }>(async (args, context, info) => {
      const answer = await runGeneralQuery({ metrics: [...VIDEO_METRICS], dimensions: ["video_id"], timeRange: args.timeRange, timezone: args.timezone ?? null, filter: args.filter, limit: args.limit ?? 100 }, context, info);
      return answer.rows;
    }),
    sessions: answering<{ timeRange: TimeRangeInput; groupBy?: string[] | null; granularity?: Granularity | null; timezone?: string | null; filter?: unknown; orderBy?: GeneralQueryArgs["orderBy"]; limit?: number | null }>(
      async (args, context, info) => {
        const answer = await runGeneralQuery(
          { metrics: [...SESSION_METRICS], dimensions: args.groupBy ?? [], timeRange: args.timeRange, granularity: args.granularity ?? null, timezone: args.timezone ?? null, filter: args.filter, orderBy: args.orderBy ?? null, limit: args.limit ?? 100 },
          context,
          info,
        );
        return answer.rows;
      },
    ),
    dailyMetrics: answering<{ timeRange: TimeRangeInput; timezone?: string | null }>(async (args, context, info) => {
      // One question per event type (each reads its own table and tier), joined by day.
      const days = new Map<string, Record<string, unknown>>();
      for (const [type, metrics] of Object.entries(DAILY_METRICS)) {
        const answer = await runGeneralQuery(
          { metrics: Object.values(metrics), timeRange: args.timeRange, granularity: "day", timezone: args.timezone ?? null, limit: 10_000, includeBots: type === "api_request" || type === "usage" },
          context,
          info,
          `.${type}`,
        );
        for (const row of answer.rows) {
          const day = String(row.period).slice(0, 10);
          const entry = days.get(day) ?? { day };
          for (const [field, metric] of Object.entries(metrics)) entry[field] = row[metric];
          days.set(day, entry);
        }
      }
      return [...days.values()].sort((a, b) => String(a.day).localeCompare(String(b.day)));
    }),
    activeUsers: answering<{ timeRange: TimeRangeInput; granularity: Granularity; timezone?: string | null }>(async (args, context, info) => {
      const answer = await runGeneralQuery({ metrics: ["unique_users", "unique_sessions"], timeRange: args.timeRange, granularity: args.granularity, timezone: args.timezone ?? null, limit: 10_000 }, context, info);
      return answer.rows.map((row) => ({ period: row.period, users: row.unique_users, sessions: row.unique_sessions }));
    }),
    events: answering<{ type: EventType; timeRange: TimeRangeInput; filter?: unknown; first?: number | null; after?: string | null; includeBots?: boolean | null }>(async (args, context, info) => {
      if (args.filter !== undefined && args.filter !== null && !isFilter(args.filter)) throw new QueryError("BAD_ARGUMENT", "must be an object", "filter");
      const page = await runRawListing(
        {
          type: args.type,
          projectId: context.projectId,
          range: resolveTimeRange(args.timeRange),
          ...(isFilter(args.filter) ? { filter: withoutNulls(args.filter) as Filter } : {}),
          first: args.first ?? 50,
          ...(args.after ? { after: args.after } : {}),
          includeBots: args.includeBots ?? true,
        },
        context.analytics,
      );
      context.answerMeta.set(pathKey(info), page.meta);
      return { nodes: page.nodes, pageInfo: page.pageInfo };
    }),
    top: answering<{ dimension: string; metric: string; timeRange: TimeRangeInput; filter?: unknown; limit?: number | null }>(async (args, context, info) => {
      const answer = await runGeneralQuery({ metrics: [args.metric], dimensions: [args.dimension], timeRange: args.timeRange, filter: args.filter, limit: args.limit ?? 10 }, context, info);
      return answer.rows.map((row) => ({ value: row[args.dimension] === null || row[args.dimension] === undefined ? null : String(row[args.dimension]), count: Number(row[args.metric] ?? 0) }));
    }),
  },
  JSON: JSONScalar,
};
