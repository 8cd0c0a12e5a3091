import { type ColumnKind, type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { QueryError } from "./errors.ts";

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
  if (isPropertyDimension(field)) return "string";
  return lakeColumns(type).find((column) => column.name === field)?.kind;
}

/**
 * `properties.<key>`: a key of an event's `properties` map as a text dimension. Keys are limited
 * to these characters so the name can be a quoted identifier as it is; the value is the
 * property's text (numbers and booleans as their JSON text), null when the key is absent.
 */
const PROPERTY_DIMENSION = /^properties\.[A-Za-z0-9_$:-][A-Za-z0-9_$.:-]{0,63}$/;

/** Whether `name` names a property key as a dimension (`properties.plan`). */
export function isPropertyDimension(name: string): boolean {
  return PROPERTY_DIMENSION.test(name);
}

/**
 * Quotes a dimension of an event type: one of its schema dimensions or `properties.<key>`.
 * Anything else is refused with the list of what is allowed.
 */
export function dimensionIdentifier(type: EventType, name: string, argument: string): string {
  if (isPropertyDimension(name)) return `"${name}"`;
  const allowed = new Set(dimensionsOf(type));
  if (!allowed.has(name)) {
    throw new QueryError("BAD_ARGUMENT", `unknown field "${name}"; one of: ${[...allowed].sort().join(", ")}, or properties.<key>`, argument);
  }
  return `"${name}"`;
}
