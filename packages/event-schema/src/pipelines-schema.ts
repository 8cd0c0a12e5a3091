import { type ColumnKind, lakeColumns } from "./columns.ts";
import { EVENT_TYPES, type EventType, TABLE_BY_EVENT_TYPE, type TableName } from "./events.ts";

/**
 * Cloudflare Pipelines stream schemas of the lake tables, derived from the lake columns.
 *
 * The ingestion Worker sends each stored record (`EventRecord`) to its table's stream
 * (`PipelinesLakeSink`), and the stream's R2 sink writes Parquet with the stream's columns. A
 * structured stream validates rows against its schema and drops invalid ones after acknowledging
 * them (Cloudflare's Pipelines docs), so the schema must accept exactly what ingestion stores: the
 * same columns with the same nullability as `lakeColumns`. Field format: the `--schema-file` of
 * `wrangler pipelines streams create` (https://developers.cloudflare.com/pipelines/streams/manage-streams/).
 */

/** The Pipelines field types the lake uses (Pipelines also has int32, float32, binary, list, struct). */
export type PipelinesFieldType = "string" | "float64" | "int64" | "bool" | "timestamp" | "json";

/** One field of a Pipelines stream schema. */
export interface PipelinesField {
  readonly name: string;
  readonly type: PipelinesFieldType;
  readonly required: boolean;
  /**
   * Timestamps only. Our lake writer stores `Timestamp(ms, UTC)` (arrow.ts); the same unit keeps the
   * Parquet that Pipelines writes readable next to ours. wrangler's own schema wizard asks for it too.
   */
  readonly unit?: "millisecond";
}

/** A Pipelines stream schema, as `--schema-file` takes it. */
export interface PipelinesStreamSchema {
  readonly fields: readonly PipelinesField[];
}

// `json` takes the `properties` object as sent; the catalog reads it back as JSON text like ours.
const FIELD_TYPE = {
  string: "string",
  float64: "float64",
  int64: "int64",
  boolean: "bool",
  timestamp: "timestamp",
  json: "json",
} as const satisfies Record<ColumnKind, PipelinesFieldType>;

/**
 * The Pipelines stream schema of an event type's lake table: one field per lake column, in column
 * order, required exactly when the column is non-null.
 * @example pipelinesStreamSchema("page_view").fields[0] // { name: "type", type: "string", required: true }
 */
export function pipelinesStreamSchema(type: EventType): PipelinesStreamSchema {
  return {
    fields: lakeColumns(type).map((column): PipelinesField => {
      const field = { name: column.name, type: FIELD_TYPE[column.kind], required: !column.nullable };
      return column.kind === "timestamp" ? { ...field, unit: "millisecond" } : field;
    }),
  };
}

/**
 * The stream schema of every lake table, by table name (event-type order). The committed copies are
 * `generated/pipelines/<table>.schema.json`; `infrastructure/setup-pipelines.sh` creates one stream per file.
 */
export function pipelinesStreamSchemas(): Record<TableName, PipelinesStreamSchema> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [TABLE_BY_EVENT_TYPE[type], pipelinesStreamSchema(type)])) as Record<
    TableName,
    PipelinesStreamSchema
  >;
}
