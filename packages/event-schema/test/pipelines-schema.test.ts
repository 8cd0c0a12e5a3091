import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ColumnKind, tableColumns } from "../src/columns.ts";
import { TABLE_NAMES, type TableName } from "../src/events.ts";
import { pipelinesStreamSchema, pipelinesStreamSchemas } from "../src/pipelines-schema.ts";

// What wrangler reads is the committed file, so that is what is checked against the lake columns.
function committedSchema(table: TableName): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../generated/pipelines/${table}.schema.json`, import.meta.url)), "utf8"));
}

const EXPECTED_TYPE: Record<ColumnKind, string> = {
  string: "string",
  float64: "float64",
  int64: "int64",
  boolean: "bool",
  timestamp: "timestamp",
  json: "json",
};

describe("Pipelines stream schemas", () => {
  it("has one schema per lake table", () => {
    expect(Object.keys(pipelinesStreamSchemas())).toEqual(TABLE_NAMES);
  });

  it.each(TABLE_NAMES)("%s: exactly the lake columns, in order, required exactly when non-null", (table) => {
    const columns = tableColumns(table);
    const expected = columns.map((column) => ({
      name: column.name,
      type: EXPECTED_TYPE[column.kind],
      required: !column.nullable,
      // Same unit as the lake's own Parquet (Arrow Timestamp(ms, UTC)).
      ...(column.kind === "timestamp" ? { unit: "millisecond" } : {}),
    }));
    expect(committedSchema(table)).toEqual({ fields: expected });
  });

  it("ids, times, project and is_bot are required; optional producer fields are not", () => {
    const fields = pipelinesStreamSchema("page_view").fields;
    const required = (name: string) => fields.find((field) => field.name === name)?.required;
    for (const name of ["type", "event_id", "timestamp", "project_id", "received_at", "is_bot", "session_id", "page_url"]) {
      expect(required(name), name).toBe(true);
    }
    for (const name of ["user_id", "country", "properties", "page_title", "time_on_page"]) expect(required(name), name).toBe(false);
  });

  it("maps each column kind to the Pipelines type of the same value", () => {
    const types = Object.fromEntries(pipelinesStreamSchema("api_request").fields.map((field) => [field.name, field.type]));
    expect(types).toMatchObject({ status_code: "int64", duration_ms: "float64", is_bot: "bool", timestamp: "timestamp", properties: "json", path: "string" });
  });
});
