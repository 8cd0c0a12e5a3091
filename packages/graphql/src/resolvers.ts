import type { EventType } from "@edge-analytics/event-schema";
import { type Filter, metricsOf, type OrderTerm, resolveTimeRange, runRawAggregate, type TimeRangeInput } from "@edge-analytics/query";
import type { GraphQLResolveInfo } from "graphql";
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

/** Drops the nulls GraphQL gives for absent input fields, so the planner sees only what was set. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
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

/** The resolvers of the `analytics` part of the schema. */
export const analyticsResolvers = {
  Query: {
    analytics: () => ({}),
  },
  Analytics: {
    pageViews: aggregateResolver("page_view"),
  },
};
