import type { z } from "zod";
import {
  baseEventShape,
  enrichmentShape,
  eventTypeShapes,
  type EventType,
  TABLE_BY_EVENT_TYPE,
  type TableName,
} from "./events.ts";

/** Physical kind of a lake column, independent of any one storage format. */
export type ColumnKind = "string" | "float64" | "int64" | "boolean" | "timestamp" | "json";

/** One column of a lake table, derived from the zod shapes. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** Which shape declared it: the base event, enrichment, or the type itself. */
  readonly origin: "base" | "enrichment" | "type";
}

interface ZodDefLike {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly format?: string;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** Unwraps optional/nullable/default wrappers; reports whether the value may be absent. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  let current = schema;
  let nullable = false;
  for (;;) {
    const def = defOf(current);
    if ((def.type === "optional" || def.type === "nullable") && def.innerType) {
      nullable = true;
      current = def.innerType;
    } else if (def.type === "default" && def.innerType) {
      current = def.innerType;
    } else {
      return { inner: current, nullable };
    }
  }
}

function kindOf(name: string, schema: z.ZodType): ColumnKind {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return def.format === "datetime" ? "timestamp" : "string";
    case "enum":
    case "literal":
      return "string";
    case "number":
      return def.format === "safeint" ? "int64" : "float64";
    case "boolean":
      return "boolean";
    case "record":
      return "json";
    default:
      throw new Error(`column "${name}": no lake column kind for zod type "${def.type}"`);
  }
}

function columnsOf(shape: Record<string, z.ZodType>, origin: ColumnSpec["origin"]): ColumnSpec[] {
  return Object.entries(shape).map(([name, schema]) => {
    const { inner, nullable } = unwrap(schema);
    return { name, kind: kindOf(name, inner), nullable, origin };
  });
}

const cache = new Map<EventType, readonly ColumnSpec[]>();

/**
 * The columns of an event type's lake table, in a stable order: `type`, base fields, enrichment,
 * then the type's own fields. Enrichment fields that re-declare a base field (event_id,
 * timestamp, project_id) replace it in place and become non-null.
 * @example lakeColumns("page_view").map((c) => c.name) // ["type", "event_id", ..., "page_url", ...]
 */
export function lakeColumns(type: EventType): readonly ColumnSpec[] {
  const cached = cache.get(type);
  if (cached) return cached;
  const enrichment = new Map(columnsOf(enrichmentShape, "enrichment").map((c) => [c.name, c]));
  const base = columnsOf(baseEventShape, "base").map((column) => {
    const replacement = enrichment.get(column.name);
    if (!replacement) return column;
    enrichment.delete(column.name);
    return replacement;
  });
  const columns: ColumnSpec[] = [
    { name: "type", kind: "string", nullable: false, origin: "base" },
    ...base,
    ...enrichment.values(),
    ...columnsOf(eventTypeShapes[type], "type"),
  ];
  cache.set(type, columns);
  return columns;
}

/** The columns of a raw lake table by table name. */
export function tableColumns(table: TableName): readonly ColumnSpec[] {
  const type = (Object.keys(TABLE_BY_EVENT_TYPE) as EventType[]).find((t) => TABLE_BY_EVENT_TYPE[t] === table);
  if (!type) throw new Error(`unknown table "${table}"`);
  return lakeColumns(type);
}
