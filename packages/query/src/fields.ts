import { type ColumnKind, type EventType, lakeColumns } from "@edge-analytics/event-schema";

/** Column kinds a question may group or filter by: discrete values, never free-form JSON. */
const DIMENSION_KINDS: ReadonlySet<ColumnKind> = new Set(["string", "boolean", "int64"]);
/** Columns that identify one event or are internal: grouping by them answers nothing useful. */
const NOT_DIMENSIONS: ReadonlySet<string> = new Set(["event_id", "type", "project_id"]);

const dimensionCache = new Map<EventType, readonly string[]>();

/**
 * The fields of an event type that questions may group and filter by, generated from the zod
 * schemas (`lakeColumns`): every string, boolean and integer column but ids. The GraphQL types
 * and the SQL allow-lists both come from here.
 * @example dimensionsOf("page_view") // ["session_id", "user_id", "environment", ..., "page_url", ...]
 */
export function dimensionsOf(type: EventType): readonly string[] {
  const cached = dimensionCache.get(type);
  if (cached) return cached;
  const names = lakeColumns(type)
    .filter((column) => DIMENSION_KINDS.has(column.kind) && !NOT_DIMENSIONS.has(column.name))
    .map((column) => column.name);
  dimensionCache.set(type, names);
  return names;
}

/** The kind of a field of an event type, or undefined when it has none. */
export function kindOf(type: EventType, field: string): ColumnKind | undefined {
  return lakeColumns(type).find((column) => column.name === field)?.kind;
}
