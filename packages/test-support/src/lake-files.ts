import { type EventType, lakeColumns } from "@edge-analytics/event-schema";

/** A stored event as the lake writer takes it: values in `lakeColumns(type)` order, properties as JSON text. */
export function lakeRowFromRecord(type: EventType, record: Record<string, unknown>): (string | number | boolean | null)[] {
  return lakeColumns(type).map((column) => {
    const value = record[column.name];
    if (value === undefined || value === null) return null;
    if (column.kind === "json") return JSON.stringify(value);
    return value as string | number | boolean;
  });
}
