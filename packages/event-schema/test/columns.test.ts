import { Bool, DataType, Float64, Int64, Precision, Schema, TimeUnit, Timestamp, Type, Utf8 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { arrowSchemaFor } from "../src/arrow.ts";
import { type ColumnKind, type ColumnSpec, lakeColumns, tableColumns } from "../src/columns.ts";
import {
  baseEventShape,
  enrichmentShape,
  EVENT_TYPES,
  eventRecordSchemas,
  eventTypeShapes,
  TABLE_BY_EVENT_TYPE,
  TABLE_NAMES,
  type TableName,
} from "../src/events.ts";

/** The leading columns every lake table shares: `type`, the base fields, then enrichment. */
const SHARED_COLUMNS = [
  "type",
  "event_id",
  "timestamp",
  "session_id",
  "user_id",
  "project_id",
  "environment",
  "version",
  "country",
  "browser",
  "os",
  "device_type",
  "properties",
  "channel",
  "platform",
  "received_at",
  "is_bot",
];

function column(columns: readonly ColumnSpec[], name: string): ColumnSpec {
  const found = columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe("lakeColumns", () => {
  it("the shared list is exactly `type` + base shape + enrichment-only fields", () => {
    const enrichmentOnly = Object.keys(enrichmentShape).filter((name) => !Object.hasOwn(baseEventShape, name));
    expect(SHARED_COLUMNS).toEqual(["type", ...Object.keys(baseEventShape), ...enrichmentOnly]);
  });

  it.each(EVENT_TYPES)("%s: shared columns first, in order, then the type's own fields in shape order", (type) => {
    const names = lakeColumns(type).map((c) => c.name);
    expect(names).toEqual([...SHARED_COLUMNS, ...Object.keys(eventTypeShapes[type])]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(EVENT_TYPES)("%s: columns are exactly the fields of the stored record schema", (type) => {
    const names = lakeColumns(type).map((c) => c.name);
    expect([...names].sort()).toEqual(Object.keys(eventRecordSchemas[type].shape).sort());
  });

  it.each(EVENT_TYPES)("%s: ids, times and enrichment are never null; optional fields are", (type) => {
    const columns = lakeColumns(type);
    for (const name of ["type", "event_id", "timestamp", "project_id", "received_at", "is_bot", "session_id", "environment"]) {
      expect(column(columns, name).nullable, name).toBe(false);
    }
    for (const name of ["user_id", "version", "country", "browser", "os", "device_type", "properties"]) {
      expect(column(columns, name).nullable, name).toBe(true);
    }
  });

  it.each(EVENT_TYPES)("%s: shared column kinds", (type) => {
    const kinds = Object.fromEntries(lakeColumns(type).map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({
      type: "string",
      event_id: "string",
      timestamp: "timestamp",
      received_at: "timestamp",
      project_id: "string",
      device_type: "string",
      is_bot: "boolean",
      properties: "json",
    } satisfies Record<string, ColumnKind>);
  });

  it("base fields re-declared by enrichment take the enrichment column (non-null) in place", () => {
    const columns = lakeColumns("page_view");
    for (const name of ["event_id", "timestamp", "project_id"]) {
      expect(column(columns, name)).toMatchObject({ origin: "enrichment", nullable: false });
    }
    expect(column(columns, "session_id").origin).toBe("base");
    expect(column(columns, "received_at").origin).toBe("enrichment");
    expect(column(columns, "page_url").origin).toBe("type");
  });

  it("derives type-specific kinds and nullability from the zod shapes", () => {
    const api = lakeColumns("api_request");
    expect(column(api, "status_code")).toMatchObject({ kind: "int64", nullable: false });
    expect(column(api, "duration_ms")).toMatchObject({ kind: "float64", nullable: false });
    expect(column(api, "method")).toMatchObject({ kind: "string", nullable: false });
    expect(column(api, "organization_id")).toMatchObject({ kind: "string", nullable: true });
    const video = lakeColumns("video_event");
    expect(column(video, "position")).toMatchObject({ kind: "float64", nullable: false });
    expect(column(video, "playback_rate")).toMatchObject({ kind: "float64", nullable: true });
    expect(column(video, "action").kind).toBe("string");
    expect(column(lakeColumns("page_view"), "time_on_page")).toMatchObject({ kind: "float64", nullable: true });
    expect(column(lakeColumns("usage"), "quantity").kind).toBe("float64");
  });

  it("returns the same (cached) list on every call", () => {
    expect(lakeColumns("usage")).toBe(lakeColumns("usage"));
  });
});

describe("tableColumns", () => {
  it("finds each table's columns by table name", () => {
    for (const type of EVENT_TYPES) expect(tableColumns(TABLE_BY_EVENT_TYPE[type])).toBe(lakeColumns(type));
    expect(TABLE_NAMES).toEqual(EVENT_TYPES.map((type) => TABLE_BY_EVENT_TYPE[type]));
  });

  it("throws for an unknown table", () => {
    expect(() => tableColumns("clicks" as TableName)).toThrow(/unknown table "clicks"/);
  });
});

/** The Arrow type each column kind must be written as. */
const EXPECTED_ARROW: Record<ColumnKind, (type: DataType) => boolean> = {
  string: (t) => t.typeId === Type.Utf8,
  json: (t) => t.typeId === Type.Utf8,
  float64: (t) => t instanceof Float64 && t.precision === Precision.DOUBLE,
  int64: (t) => t instanceof Int64 && t.bitWidth === 64 && t.isSigned,
  boolean: (t) => t.typeId === Type.Bool,
  timestamp: (t) => t instanceof Timestamp && t.unit === TimeUnit.MILLISECOND && t.timezone === "UTC",
};

describe("arrowSchemaFor", () => {
  it.each(EVENT_TYPES)("%s: one Arrow field per lake column, same name, nullability and type", (type) => {
    const schema = arrowSchemaFor(type);
    expect(schema).toBeInstanceOf(Schema);
    const columns = lakeColumns(type);
    expect(schema.fields.map((f) => f.name)).toEqual(columns.map((c) => c.name));
    schema.fields.forEach((field, i) => {
      const spec = columns[i];
      if (!spec) throw new Error(`no column for field ${field.name}`);
      expect(field.nullable, field.name).toBe(spec.nullable);
      expect(EXPECTED_ARROW[spec.kind](field.type), `${field.name}: ${spec.kind} written as ${String(field.type)}`).toBe(true);
    });
  });

  it.each(EVENT_TYPES)("%s: records its event type in the schema metadata", (type) => {
    expect(arrowSchemaFor(type).metadata.get("edge-analytics.event_type")).toBe(type);
  });

  it("uses the Arrow type ids readers rely on", () => {
    const fields = new Map(arrowSchemaFor("api_request").fields.map((f) => [f.name, f.type]));
    expect(fields.get("method")?.typeId).toBe(Type.Utf8);
    expect(fields.get("properties")?.typeId).toBe(Type.Utf8);
    expect(fields.get("status_code")?.typeId).toBe(Type.Int);
    expect(fields.get("duration_ms")?.typeId).toBe(Type.Float);
    expect(fields.get("is_bot")?.typeId).toBe(Type.Bool);
    expect(fields.get("timestamp")?.typeId).toBe(Type.Timestamp);
    expect(fields.get("received_at")).toBeInstanceOf(Timestamp);
    expect(fields.get("is_bot")).toBeInstanceOf(Bool);
    expect(fields.get("method")).toBeInstanceOf(Utf8);
  });
});
