import type { EventType } from "@edge-analytics/event-schema";

/** One metric: an aggregate over deduplicated events of one type, and the columns it reads. */
export interface MetricDefinition {
  /** The aggregate, over columns of the event type only (constant text, never user input). */
  sql: string;
  /** GraphQL's scalar for it. */
  type: "Int" | "Float";
  columns: readonly string[];
  description: string;
}

const count = (description: string): MetricDefinition => ({ sql: "count(*)", type: "Int", columns: [], description });

/**
 * The metrics of each event type. Definitions match the dbt marts' (models/marts), so an answer
 * is the same whichever tier computes it: unique users are distinct non-null `user_id`s, bots are
 * left out unless asked for.
 */
export const METRICS = {
  page_view: {
    view_count: count("Page views."),
    unique_users: { sql: 'count(DISTINCT "user_id")', type: "Int", columns: ["user_id"], description: "Distinct identified users (user_id)." },
    unique_sessions: { sql: 'count(DISTINCT "session_id")', type: "Int", columns: ["session_id"], description: "Distinct sessions." },
    avg_time_on_page: { sql: 'avg("time_on_page")', type: "Float", columns: ["time_on_page"], description: "Mean time on page in seconds, over views that report one." },
  },
  video_event: {
    video_events: count("Video events."),
    plays: { sql: "count(*) FILTER (WHERE \"action\" = 'play')", type: "Int", columns: ["action"], description: "Play events." },
    completions: { sql: "count(*) FILTER (WHERE \"action\" = 'complete')", type: "Int", columns: ["action"], description: "Complete events." },
  },
  user_action: {
    actions: count("User actions."),
  },
  api_request: {
    requests: count("API requests."),
    errors: { sql: 'count(*) FILTER (WHERE "status_code" >= 500)', type: "Int", columns: ["status_code"], description: "Requests answered 5xx." },
    error_rate: { sql: 'avg(CASE WHEN "status_code" >= 500 THEN 1.0 ELSE 0.0 END)', type: "Float", columns: ["status_code"], description: "Share of requests answered 5xx." },
    latency_p50: { sql: 'quantile_cont("duration_ms", 0.5)', type: "Float", columns: ["duration_ms"], description: "Median duration in ms." },
    latency_p95: { sql: 'quantile_cont("duration_ms", 0.95)', type: "Float", columns: ["duration_ms"], description: "95th percentile duration in ms." },
    latency_p99: { sql: 'quantile_cont("duration_ms", 0.99)', type: "Float", columns: ["duration_ms"], description: "99th percentile duration in ms." },
  },
  usage: {
    usage_events: count("Usage events."),
    quantity: { sql: 'sum("quantity")', type: "Float", columns: ["quantity"], description: "Summed quantity." },
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
