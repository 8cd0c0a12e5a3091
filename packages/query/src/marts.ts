import type { EventType } from "@edge-analytics/event-schema";

/**
 * A dbt mart that holds one event type's events, first copies only, one file per raw hour
 * partition (`<location>/<partition>/data.parquet`), and which of the raw columns it keeps under
 * which name. A question is answered from the mart only when every column it reads is kept.
 */
export interface MartDefinition {
  /** The catalog's name for the mart (a processed table). */
  table: "fact_page_views";
  /** Raw column → the mart's column of the same values. */
  columns: Readonly<Record<string, string>>;
  /** The raw table whose partitions the mart's files are built from (its `lake_source_files` entries are `<table>/<file name>`). */
  rawTable: string;
}

const same = (...names: string[]) => Object.fromEntries(names.map((name) => [name, name]));

/**
 * The marts the planner reads, by event type (models/marts in the dbt project). fact_page_views
 * keeps every page_view column but `type`, `properties`, `channel`, `platform` and `referrer`
 * (dbt turns an empty referrer into null, so its groups would differ from the raw tier's).
 */
export const MARTS: Partial<Record<EventType, MartDefinition>> = {
  page_view: {
    table: "fact_page_views",
    rawTable: "page_views",
    columns: {
      ...same("project_id", "session_id", "user_id", "timestamp", "received_at", "page_url", "page_title", "utm_source", "utm_medium", "utm_campaign"),
      ...same("environment", "country", "browser", "os", "device_type", "is_bot"),
      event_id: "page_view_id",
      time_on_page: "time_on_page_seconds",
      version: "app_version",
    },
  },
};

/** The mart that can answer a question over `type` reading `columns`, if any. */
export function martFor(type: EventType, columns: readonly string[]): MartDefinition | undefined {
  const mart = MARTS[type];
  return mart && columns.every((column) => column in mart.columns) ? mart : undefined;
}
