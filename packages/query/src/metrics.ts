import type { EventType } from "@edge-analytics/event-schema";

/** One metric: an aggregate over deduplicated events of one type, and the columns it reads. */
export interface MetricDefinition {
  /** The aggregate, over columns of the event type only (constant text, never user input). */
  sql: string;
  /** GraphQL's scalar for it. */
  type: "Int" | "Float";
  columns: readonly string[];
  description: string;
  /**
   * What the aggregate runs over: each event (default), or each session (`session`: the page views
   * of one session_id in the range, as one row with `page_views`, `duration_seconds` and every
   * dimension at the session's first page view, as dbt's int_sessions builds them).
   */
  grain?: "session";
  /**
   * Columns computed over each event before aggregating (window functions over the first copies,
   * constant SQL), e.g. the position playback reached at the next event of the same video.
   */
  derived?: Readonly<Record<string, string>>;
  /**
   * How Analytics Engine adds it up for the minutes the lake has not got yet: additive metrics
   * only (a count, or a sum of a field it keeps as a double). Others are answered from the lake.
   */
  realtime?: { count: true } | { sum: string };
  /**
   * How it is computed over a range too large to load at once, chunk by chunk: sums of `parts`
   * per group, merged by adding and finished by `finish` (a ratio, an average), or the distinct
   * values of a column per group. Metrics without it (quantiles, session and window metrics) need
   * all of a range's rows at once.
   */
  stream?: { parts: Readonly<Record<string, string>>; finish: (parts: Readonly<Record<string, number>>) => number | null } | { distinct: string };
}

const sumOf = (part: string) => (parts: Readonly<Record<string, number>>) => parts[part] ?? 0;
const ratio = (numerator: string, denominator: string) => (parts: Readonly<Record<string, number>>) =>
  (parts[denominator] ?? 0) === 0 ? null : (parts[numerator] ?? 0) / (parts[denominator] ?? 0);
const counted = { parts: { n: "count(*)" }, finish: sumOf("n") };

const count = (description: string): MetricDefinition => ({ sql: "count(*)", type: "Int", columns: [], description, realtime: { count: true }, stream: counted });
const countWhere = (condition: string, columns: string[], description: string): MetricDefinition => ({
  sql: `count(*) FILTER (WHERE ${condition})`,
  type: "Int",
  columns,
  description,
  stream: { parts: { n: `count(*) FILTER (WHERE ${condition})` }, finish: sumOf("n") },
});
const distinctUsers = (description: string): MetricDefinition => ({ sql: 'count(DISTINCT "user_id")', type: "Int", columns: ["user_id"], description, stream: { distinct: "user_id" } });
const average = (column: string, description: string): MetricDefinition => ({
  sql: `avg("${column}")`,
  type: "Float",
  columns: [column],
  description,
  stream: { parts: { s: `sum("${column}")`, n: `count("${column}")` }, finish: ratio("s", "n") },
});

/**
 * The metrics of each event type. Definitions match the dbt marts' (models/marts), so an answer
 * is the same whichever tier computes it: unique users are distinct non-null `user_id`s, bots are
 * left out unless asked for.
 */
export const METRICS = {
  page_view: {
    view_count: count("Page views."),
    unique_users: distinctUsers("Distinct identified users (user_id)."),
    unique_sessions: { sql: 'count(DISTINCT "session_id")', type: "Int", columns: ["session_id"], description: "Distinct sessions.", stream: { distinct: "session_id" } },
    avg_time_on_page: average("time_on_page", "Mean time on page in seconds, over views that report one."),
    page_views: count("Page views (view_count's name in the general query's vocabulary)."),
    visitors: distinctUsers("Distinct identified users (unique_users' name in the general query's vocabulary)."),
    sessions: { sql: "count(*)", type: "Int", columns: [], grain: "session", description: "Sessions (grouped by their values at their first page view)." },
    bounce_rate: {
      sql: 'avg(CASE WHEN "page_views" = 1 THEN 1.0 ELSE 0.0 END)',
      type: "Float",
      columns: [],
      grain: "session",
      description: "Share of sessions with one page view.",
    },
    avg_session_duration: {
      sql: 'avg("duration_seconds")',
      type: "Float",
      columns: ["time_on_page"],
      grain: "session",
      description: "Mean session duration in seconds: first page view to leaving the last page.",
    },
    views_per_session: { sql: 'avg("page_views")', type: "Float", columns: [], grain: "session", description: "Mean page views per session." },
  },
  video_event: {
    video_events: count("Video events."),
    plays: countWhere("\"action\" = 'play'", ["action"], "Play events."),
    completions: countWhere("\"action\" = 'complete'", ["action"], "Complete events."),
    completion_rate: {
      sql: "count(*) FILTER (WHERE \"action\" = 'complete') / nullif(count(*) FILTER (WHERE \"action\" = 'play'), 0)",
      type: "Float",
      columns: ["action"],
      description: "Completions per play (null without plays).",
      stream: { parts: { c: "count(*) FILTER (WHERE \"action\" = 'complete')", p: "count(*) FILTER (WHERE \"action\" = 'play')" }, finish: ratio("c", "p") },
    },
    watch_time: {
      sql: "coalesce(sum(CASE WHEN \"action\" = 'play' THEN greatest(\"next_position\" - \"position\", 0) ELSE 0 END), 0)",
      type: "Float",
      columns: ["action", "position", "session_id", "video_id"],
      derived: {
        next_position: 'lead("position") OVER (PARTITION BY "session_id", "video_id" ORDER BY "timestamp", "received_at", "event_id")',
      },
      description: "Content seconds played: from each play to the position of the session's next event on the video (as fact_video_engagement).",
    },
    viewers: distinctUsers("Distinct identified users with video events."),
  },
  user_action: {
    actions: count("User actions."),
  },
  api_request: {
    requests: count("API requests."),
    errors: countWhere('"status_code" >= 500', ["status_code"], "Requests answered 5xx."),
    error_rate: {
      sql: 'avg(CASE WHEN "status_code" >= 500 THEN 1.0 ELSE 0.0 END)',
      type: "Float",
      columns: ["status_code"],
      description: "Share of requests answered 5xx.",
      stream: { parts: { e: 'count(*) FILTER (WHERE "status_code" >= 500)', n: "count(*)" }, finish: ratio("e", "n") },
    },
    latency_p50: { sql: 'quantile_cont("duration_ms", 0.5)', type: "Float", columns: ["duration_ms"], description: "Median duration in ms." },
    latency_p95: { sql: 'quantile_cont("duration_ms", 0.95)', type: "Float", columns: ["duration_ms"], description: "95th percentile duration in ms." },
    latency_p99: { sql: 'quantile_cont("duration_ms", 0.99)', type: "Float", columns: ["duration_ms"], description: "99th percentile duration in ms." },
  },
  usage: {
    usage_events: count("Usage events."),
    quantity: {
      sql: 'sum("quantity")',
      type: "Float",
      columns: ["quantity"],
      description: "Summed quantity.",
      realtime: { sum: "quantity" },
      stream: { parts: { s: 'sum("quantity")', n: 'count("quantity")' }, finish: (parts) => ((parts.n ?? 0) === 0 ? null : (parts.s ?? 0)) },
    },
  },
  custom: {
    events: count("Custom events."),
  },
} as const satisfies Record<EventType, Record<string, MetricDefinition>>;

/** A metric name of an event type. */
export type MetricName<T extends EventType> = keyof (typeof METRICS)[T] & string;

/** The metric definitions of an event type, by name. */
export function metricsOf(type: EventType): Readonly<Record<string, MetricDefinition>> {
  return METRICS[type];
}

/** The event type each metric name belongs to (names are unique across types). */
export const EVENT_TYPE_OF_METRIC: Readonly<Record<string, EventType>> = Object.fromEntries(
  (Object.entries(METRICS) as [EventType, Record<string, MetricDefinition>][]).flatMap(([type, metrics]) => Object.keys(metrics).map((name) => [name, type])),
);
