import { ANALYTICS_ENGINE_DATASET, analyticsEngineColumn as column, projectIdSchema } from "@edge-analytics/event-schema";
import { boundedInteger, intervalLiteral, stringLiteral, UnsafeLiteralError } from "./analytics-engine-literals.ts";

/**
 * The hot-data queries the platform sends to Analytics Engine's SQL API: built in this one place,
 * from the generated column map (so writer and readers agree on slots), with every caller value
 * rendered through `analytics-engine-literals.ts`. Counts use `sum(_sample_interval)`, sums
 * weight by it, and quantiles pass it as the weight, because Analytics Engine samples.
 */

/** A query ready to send: its name (for logs and golden files) and its SQL text. */
export interface AnalyticsEngineQuery {
  name: string;
  sql: string;
}

/** The window every hot query looks back over. */
export interface HotWindow {
  projectId: string;
  /** How far back, in minutes (1 to 43200 = 30 days). */
  minutes: number;
}

function projectLiteral(projectId: string): string {
  if (!projectIdSchema.safeParse(projectId).success) throw new UnsafeLiteralError(`invalid project id "${projectId}"`);
  return stringLiteral(projectId);
}

function windowFilter({ projectId, minutes }: HotWindow): string {
  return `index1 = ${projectLiteral(projectId)} AND timestamp > NOW() - ${intervalLiteral(Number(boundedInteger(minutes, 1, 43_200, "minutes")), "MINUTE")}`;
}

function lines(...parts: (string | false | undefined)[]): string {
  return parts.filter((part): part is string => Boolean(part)).join("\n");
}

/**
 * Events per minute (all types, or one), oldest first.
 * @example eventsPerMinute({ projectId: "local", minutes: 60 })
 */
export function eventsPerMinute(window: HotWindow & { eventType?: "page_view" | "video_event" | "user_action" | "api_request" | "usage" | "custom" }): AnalyticsEngineQuery {
  return {
    name: "events-per-minute",
    sql: lines(
      "SELECT toStartOfInterval(timestamp, INTERVAL '1' MINUTE) AS minute, sum(_sample_interval) AS events",
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${windowFilter(window)}`,
      window.eventType && `  AND ${column(window.eventType, "type")} = ${stringLiteral(window.eventType)}`,
      "GROUP BY minute",
      "ORDER BY minute ASC",
      "FORMAT JSON",
    ),
  };
}

/** The most viewed pages of human visitors, with their distinct sessions. */
export function topPages(window: HotWindow & { limit: number }): AnalyticsEngineQuery {
  return {
    name: "top-pages",
    sql: lines(
      `SELECT ${column("page_view", "page_url")} AS page_url, sum(_sample_interval) AS views, count(DISTINCT ${column("page_view", "session_id")}) AS sessions`,
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${windowFilter(window)}`,
      `  AND ${column("page_view", "type")} = 'page_view' AND ${column("page_view", "is_bot")} = 0`,
      "GROUP BY page_url",
      "ORDER BY views DESC",
      `LIMIT ${boundedInteger(window.limit, 1, 1000, "limit")}`,
      "FORMAT JSON",
    ),
  };
}

/** p50 / p95 / p99 of api_request durations, weighted by the sample interval. */
export function apiDurationQuantiles(window: HotWindow): AnalyticsEngineQuery {
  const duration = column("api_request", "duration_ms");
  return {
    name: "api-duration-quantiles",
    sql: lines(
      "SELECT",
      `  quantileExactWeighted(0.5)(${duration}, _sample_interval) AS p50_ms,`,
      `  quantileExactWeighted(0.95)(${duration}, _sample_interval) AS p95_ms,`,
      `  quantileExactWeighted(0.99)(${duration}, _sample_interval) AS p99_ms,`,
      "  sum(_sample_interval) AS requests",
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${windowFilter(window)}`,
      `  AND ${column("api_request", "type")} = 'api_request'`,
      "FORMAT JSON",
    ),
  };
}

/** Requests and server errors (status >= 500) per API path, busiest first. */
export function apiErrorRates(window: HotWindow & { limit: number }): AnalyticsEngineQuery {
  const status = column("api_request", "status_code");
  return {
    name: "api-error-rates",
    sql: lines(
      `SELECT ${column("api_request", "path")} AS path, sum(_sample_interval) AS requests,`,
      `  sumIf(_sample_interval, ${status} >= 500) AS errors,`,
      `  sumIf(_sample_interval, ${status} >= 500) / sum(_sample_interval) AS error_rate`,
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${windowFilter(window)}`,
      `  AND ${column("api_request", "type")} = 'api_request'`,
      "GROUP BY path",
      "ORDER BY requests DESC",
      `LIMIT ${boundedInteger(window.limit, 1, 1000, "limit")}`,
      "FORMAT JSON",
    ),
  };
}

/** Usage per organization, sku and unit: the quantity summed, weighted by the sample interval. */
export function usageByOrganizationAndSku(window: HotWindow): AnalyticsEngineQuery {
  return {
    name: "usage-by-organization-and-sku",
    sql: lines(
      `SELECT ${column("usage", "organization_id")} AS organization_id, ${column("usage", "sku")} AS sku, ${column("usage", "unit")} AS unit,`,
      `  sum(_sample_interval * ${column("usage", "quantity")}) AS quantity, sum(_sample_interval) AS events`,
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${windowFilter(window)}`,
      `  AND ${column("usage", "type")} = 'usage'`,
      "GROUP BY organization_id, sku, unit",
      "ORDER BY organization_id ASC, sku ASC",
      "FORMAT JSON",
    ),
  };
}
