import { type ColumnKind, EVENT_TYPES, type EventType } from "@edge-analytics/event-schema";
import { dimensionsOf, EVENT_TYPE_OF_METRIC, GRANULARITIES, kindOf, metricsOf } from "@edge-analytics/query";

/** GraphQL's scalar and filter input for each dimension kind. */
const SCALAR: Partial<Record<ColumnKind, { scalar: string; filter: string }>> = {
  string: { scalar: "String", filter: "StringFilter" },
  boolean: { scalar: "Boolean", filter: "BooleanFilter" },
  int64: { scalar: "Int", filter: "IntFilter" },
};

/** PascalCase of an event type (`page_view` → `PageView`), for generated type names. */
export function typeNameOf(type: EventType): string {
  return type.replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

function dimensionField(type: EventType, name: string, as: "scalar" | "filter"): string {
  const kind = kindOf(type, name);
  const mapping = kind ? SCALAR[kind] : undefined;
  if (!mapping) throw new Error(`dimension ${type}.${name} has no GraphQL type (kind ${String(kind)})`);
  return `${name}: ${mapping[as]}`;
}

/** The metrics of the typed fields (resolvers ask for exactly these). */
export const API_PERFORMANCE_METRICS = ["requests", "errors", "error_rate", "latency_p50", "latency_p95", "latency_p99"] as const;
export const USAGE_DIMENSIONS = ["organization_id", "sku", "unit"] as const;
export const USAGE_METRICS = ["quantity", "usage_events"] as const;
export const VIDEO_METRICS = ["plays", "completions", "completion_rate", "watch_time", "viewers"] as const;
export const SESSION_METRICS = ["sessions", "bounce_rate", "avg_session_duration", "views_per_session"] as const;
/** A session's dimensions (its values at its first page view) the sessions field groups by. */
export const SESSION_DIMENSIONS = ["page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "country", "browser", "os", "device_type", "channel"] as const;
/** dailyMetrics: one general question per event type, joined by day (the columns of dbt's agg_daily_metrics). */
export const DAILY_METRICS = {
  page_view: { page_views: "view_count", unique_users: "unique_users", avg_time_on_page: "avg_time_on_page", sessions: "sessions", bounce_rate: "bounce_rate" },
  video_event: { video_plays: "plays", video_completions: "completions", video_watch_time: "watch_time" },
  api_request: { api_requests: "requests", api_server_errors: "errors", api_latency_p95: "latency_p95" },
  usage: { usage_events: "usage_events", usage_quantity: "quantity" },
} as const;

/** A typed field's row: the named dimensions and metrics of an event type, with their generated GraphQL types. */
function groupRowType(name: string, type: EventType, dimensions: readonly string[], metrics: readonly string[], extra = ""): string {
  const definitions = metricsOf(type);
  const metricFields = metrics.map((metric) => {
    const definition = definitions[metric];
    if (!definition) throw new Error(`${name}: no metric ${type}.${metric}`);
    return `${metric}: ${definition.type}`;
  });
  return `type ${name} { ${[extra, ...dimensions.map((d) => dimensionField(type, d, "scalar")), ...metricFields].filter(Boolean).join(" ")} }`;
}

/** The row type and filter input of one event type, generated from its dimensions and metrics. */
export function eventTypeDefs(type: EventType): string {
  const name = typeNameOf(type);
  const dimensions = dimensionsOf(type);
  const metrics = Object.entries(metricsOf(type));
  return /* GraphQL */ `
  "One group of ${type} events: the dimensions named in groupBy (others are null) and the metrics asked for."
  type ${name}Row {
    ${dimensions.map((d) => dimensionField(type, d, "scalar")).join("\n    ")}
    ${metrics.map(([metric, definition]) => `"${definition.description}"\n    ${metric}: ${definition.type}`).join("\n    ")}
  }

  "Conditions on ${type} fields; all must hold. and / or nest up to 5 levels."
  input ${name}Filter {
    and: [${name}Filter!]
    or: [${name}Filter!]
    ${dimensions.map((d) => dimensionField(type, d, "filter")).join("\n    ")}
  }
`;
}

/**
 * The `analytics` part of the schema. Event fields appear only through generated types; the
 * design's query (`analytics { pageViews(timeRange, groupBy) { page_url view_count unique_users
 * avg_time_on_page } }`) is one field of it.
 */
export function analyticsTypeDefs(): string {
  return /* GraphQL */ `
  "A time range: dates are whole days (both inclusive), instants (with an offset) are exact, end exclusive."
  input TimeRange { start: String! end: String! }

  enum Direction { ASC DESC }
  "Order by a metric asked for or a dimension grouped by."
  input OrderBy { field: String! direction: Direction = DESC }

  input StringFilter { eq: String neq: String in: [String!] contains: String starts_with: String is_set: Boolean }
  input BooleanFilter { eq: Boolean neq: Boolean is_set: Boolean }
  input IntFilter { eq: Int neq: Int in: [Int!] gt: Int gte: Int lt: Int lte: Int is_set: Boolean }
${eventTypeDefs("page_view")}
  scalar JSON
  "The event types, generated from the schemas."
  enum EventType { ${EVENT_TYPES.join(" ")} }
  enum Granularity { ${GRANULARITIES.join(" ")} }
  enum Compare { PREVIOUS_PERIOD YEAR_OVER_YEAR }

  "Rows of a general question: its dimensions (and period) and metrics by name."
  type QueryAnswer {
    rows: [JSON!]!
    "Groups in the whole answer (for offset pagination)."
    total_rows: Int!
    "The range read, resolved to instants (end exclusive)."
    from: String!
    to: String!
    "The same question over the comparison period, when compare was asked."
    comparison: QueryAnswer
  }

  ${groupRowType("ApiEndpoint", "api_request", ["method", "path"], API_PERFORMANCE_METRICS)}
  ${groupRowType("UsageTotal", "usage", USAGE_DIMENSIONS, USAGE_METRICS, "period: String")}
  ${groupRowType("VideoEngagement", "video_event", ["video_id"], VIDEO_METRICS)}
  ${groupRowType("SessionGroup", "page_view", SESSION_DIMENSIONS, SESSION_METRICS, "period: String")}
  "One UTC day (or local day of the asked zone): the figures of dbt's agg_daily_metrics."
  type DailyMetrics {
    day: String!
    ${Object.entries(DAILY_METRICS)
      .flatMap(([type, metrics]) => Object.entries(metrics).map(([field, metric]) => `${field}: ${metricsOf(type as EventType)[metric]?.type ?? "Float"}`))
      .join("\n    ")}
  }
  type ActiveUsers { period: String! users: Int! sessions: Int! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  "Events as stored: every field of the type, timestamps ISO-8601, properties an object."
  type EventPage { nodes: [JSON!]! pageInfo: PageInfo! }

  type TimePoint { "The period's start, local wall time in the asked zone." period: String! value: Float! }
  type TopRow { value: String count: Float! }

  "Questions over the lake (dbt marts, raw events deduplicated by event_id, Analytics Engine for the newest minutes). Each answer's meta is in the response's extensions.meta, keyed by its path. Each field is nullable: a question that fails (over budget, a bad argument) is null with its error, and the document's other answers stand."
  type Analytics {
    """
    Any question over one event type's events: metrics (${Object.keys(EVENT_TYPE_OF_METRIC).join(", ")}),
    dimensions (the type's fields), a filter ({ field: { eq, neq, in, contains, starts_with, gt, gte, lt, lte, is_set }, and: [...], or: [...] }),
    an optional time series (granularity, in an IANA timezone) and a comparison period.
    """
    query(
      metrics: [String!]!
      dimensions: [String!] = []
      filter: JSON
      timeRange: TimeRange!
      granularity: Granularity
      timezone: String = "UTC"
      orderBy: [OrderBy!]
      limit: Int = 100
      offset: Int = 0
      compare: Compare
      includeBots: Boolean = false
    ): QueryAnswer

    "One metric per period, in time order."
    timeSeries(metric: String! = "view_count", timeRange: TimeRange!, granularity: Granularity = day, timezone: String = "UTC", filter: JSON): [TimePoint!]

    "API performance per endpoint (method and path): requests, 5xx errors and rate, latency percentiles in ms."
    apiPerformance(timeRange: TimeRange!, timezone: String = "UTC", filter: JSON, limit: Int = 50): [ApiEndpoint!]

    "Usage per organization, sku and unit (for billing), per period when a granularity is given."
    usage(timeRange: TimeRange!, granularity: Granularity, timezone: String = "UTC", filter: JSON, limit: Int = 1000): [UsageTotal!]

    "Sessions (page views of one session_id in the range) grouped by their values at their first page view: count, bounce rate, duration, views per session."
    sessions(timeRange: TimeRange!, groupBy: [String!] = [], granularity: Granularity, timezone: String = "UTC", filter: JSON, orderBy: [OrderBy!], limit: Int = 100): [SessionGroup!]

    "Per day: page views, users, sessions, bounce rate, video plays and watch time, API requests and errors, usage (the figures of dbt's agg_daily_metrics)."
    dailyMetrics(timeRange: TimeRange!, timezone: String = "UTC"): [DailyMetrics!]

    "Video engagement per video: plays, completions and their ratio, seconds watched, distinct viewers."
    videoEngagement(timeRange: TimeRange!, timezone: String = "UTC", filter: JSON, limit: Int = 100): [VideoEngagement!]

    "Identified users and sessions with page views, per period."
    activeUsers(timeRange: TimeRange!, granularity: Granularity = day, timezone: String = "UTC"): [ActiveUsers!]

    "Raw events of one type, newest first, each once; page with first / after (pageInfo.endCursor)."
    events(type: EventType!, timeRange: TimeRange!, filter: JSON, first: Int = 50, after: String, includeBots: Boolean = true): EventPage

    "The top values of one dimension by a metric (pages: page_url, referrers: referrer, countries: country, browsers, devices: device_type, UTM: utm_source ...)."
    top(dimension: String!, metric: String! = "view_count", timeRange: TimeRange!, filter: JSON, limit: Int = 10): [TopRow!]

    "Page views grouped by any page_view dimension (groupBy), e.g. the design's per-page figures."
    pageViews(
      timeRange: TimeRange!
      groupBy: [String!] = []
      filter: PageViewFilter
      orderBy: [OrderBy!]
      limit: Int = 100
      offset: Int = 0
      "Bot traffic is left out unless true (as in the marts)."
      includeBots: Boolean = false
    ): [PageViewRow!]
  }
`;
}
