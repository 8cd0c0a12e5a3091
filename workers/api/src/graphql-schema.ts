import type { EventType } from "@edge-analytics/event-schema";
import {
  type AnalyticsEngineSqlClient,
  apiDurationQuantiles,
  apiErrorRates,
  eventsPerMinute,
  topPages,
  UnsafeLiteralError,
  usageByOrganizationAndSku,
} from "@edge-analytics/sql";
import { type AnalyticsContext, analyticsResolvers, analyticsTypeDefs } from "@edge-analytics/graphql";
import { createGraphQLError, createSchema } from "graphql-yoga";

/** What every resolver gets: the caller's project (from its key), the hot-data client and the lake backend. */
export interface GraphQLContext extends AnalyticsContext {
  hotData: AnalyticsEngineSqlClient;
}

// The event type enum (generated from the schemas) comes with the analytics type definitions.
// Type names must not repeat one of those: createSchema merges same-named types, and the realtime
// usage type (then also `UsageTotal`) lent its non-null `events` to analytics.usage's rows, which
// never have it: selecting it was an "Unexpected error." (found by tests/fuzz.test.ts).
/** The API's type definitions: realtime types and the analytics part (exported for a test of name clashes). */
export const typeDefs = /* GraphQL */ `
  type Query {
    "Real-time figures from Analytics Engine over the last minutes (sampled; counts are weighted)."
    realtime(minutes: Int = 60): Realtime!
    "Questions over the lake: raw events deduplicated by event_id; meta in extensions.meta."
    analytics: Analytics!
  }
${analyticsTypeDefs()}

  type Realtime {
    eventsPerMinute(eventType: EventType): [MinuteCount!]!
    topPages(limit: Int = 10): [PageCount!]!
    apiLatency: ApiLatency!
    apiErrors(limit: Int = 20): [PathErrors!]!
    usage: [RealtimeUsage!]!
  }

  type MinuteCount { minute: String! events: Float! }
  type PageCount { page_url: String! views: Float! sessions: Float! }
  type ApiLatency { p50_ms: Float p95_ms: Float p99_ms: Float requests: Float! }
  type PathErrors { path: String! requests: Float! errors: Float! error_rate: Float! }
  # Not UsageTotal: that is analytics.usage's row type, and two definitions of one name merge into
  # one type (the lake's rows then failed on this one's non-null "events").
  type RealtimeUsage { organization_id: String! sku: String! unit: String! quantity: Float! events: Float! }
`;

interface Window {
  minutes: number;
}

type Row = Record<string, unknown>;

/** Analytics Engine returns UInt64 as JSON strings; GraphQL Floats want numbers. */
function numeric(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value]));
}

/**
 * The rows of a hot query. Building it checks the caller's arguments (`minutes`, `limit` within
 * their bounds): a refusal is the caller's to fix, so it is a GraphQL error with its reason, not a
 * masked "Unexpected error." (which `realtime { topPages(limit: 0) }` got; found by tests/fuzz.test.ts).
 */
async function rows(context: GraphQLContext, build: () => { name: string; sql: string }): Promise<Row[]> {
  let query: { name: string; sql: string };
  try {
    query = build();
  } catch (error) {
    if (error instanceof UnsafeLiteralError) throw createGraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT" } });
    throw error;
  }
  return (await context.hotData.query<Row>(query)).data.map(numeric);
}

/** The GraphQL schema served at /graphql. */
export const schema = createSchema<GraphQLContext>({
  typeDefs,
  resolvers: {
    ...analyticsResolvers,
    Query: {
      ...analyticsResolvers.Query,
      realtime: (_: unknown, args: { minutes: number }): Window => ({ minutes: args.minutes }),
    },
    Realtime: {
      eventsPerMinute: (window: Window, args: { eventType?: EventType | null }, context: GraphQLContext) =>
        rows(context, () => eventsPerMinute({ projectId: context.projectId, minutes: window.minutes, ...(args.eventType ? { eventType: args.eventType } : {}) })),
      topPages: (window: Window, args: { limit: number }, context: GraphQLContext) =>
        rows(context, () => topPages({ projectId: context.projectId, minutes: window.minutes, limit: args.limit })),
      apiLatency: async (window: Window, _: unknown, context: GraphQLContext) =>
        (await rows(context, () => apiDurationQuantiles({ projectId: context.projectId, minutes: window.minutes })))[0] ?? { requests: 0 },
      apiErrors: (window: Window, args: { limit: number }, context: GraphQLContext) =>
        rows(context, () => apiErrorRates({ projectId: context.projectId, minutes: window.minutes, limit: args.limit })),
      usage: (window: Window, _: unknown, context: GraphQLContext) =>
        rows(context, () => usageByOrganizationAndSku({ projectId: context.projectId, minutes: window.minutes })),
    },
  },
});
