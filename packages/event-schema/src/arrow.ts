import { Bool, Field, Float64, Int64, Schema, TimeUnit, Timestamp, Utf8, type DataType } from "apache-arrow";
import { type ColumnKind, lakeColumns } from "./columns.ts";
import type { EventType } from "./events.ts";

// Only type constructors are used here: apache-arrow's builders use `new Function`, which workerd
// forbids (`EvalError: Code generation from strings disallowed`), so writers build vectors with
// makeData instead.

/**
 * The Arrow type of a lake column kind. Timestamps carry `timestampZone` ("UTC" in the lake's
 * files); `null` gives zone-less timestamps, for engines without time-zone support.
 */
export function arrowTypeOfKind(kind: ColumnKind, timestampZone: string | null = "UTC"): DataType {
  switch (kind) {
    case "string":
    case "json":
      return new Utf8();
    case "float64":
      return new Float64();
    case "int64":
      return new Int64();
    case "boolean":
      return new Bool();
    case "timestamp":
      return new Timestamp(TimeUnit.MILLISECOND, timestampZone);
  }
}

/**
 * The Arrow schema of an event type's lake table; Parquet files are written from it.
 * `properties` is stored as JSON text so every engine (DuckDB, Spark, Athena) can read it.
 */
export function arrowSchemaFor(type: EventType): Schema {
  const fields = lakeColumns(type).map((column) => new Field(column.name, arrowTypeOfKind(column.kind), column.nullable));
  return new Schema(fields, new Map([["edge-analytics.event_type", type]]));
}
