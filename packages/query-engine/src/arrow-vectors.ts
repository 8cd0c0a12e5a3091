// Arrow columns built directly with makeData from decoded Parquet values: apache-arrow's
// Builders (and vectorFromArray) generate code with `new Function`, which workerd forbids
// (EvalError: code generation from strings disallowed). Only type constructors, makeData and the
// IPC writer are used; workers/api/test/engine-lake.test.ts runs this in workerd.
import {
  Bool,
  type Data,
  type DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
} from "apache-arrow";
import type { ColumnKind, ColumnSpec } from "@edge-analytics/event-schema";
import { arrowTypeOfKind } from "@edge-analytics/event-schema/arrow";

/** Decoded values of one column, as hyparquet returns them (a typed array or an array with nulls). */
export type ColumnValues = ArrayLike<unknown>;

/**
 * The Arrow type DuckDB receives for a lake column kind. Timestamps are TIMESTAMP(ms) *without* a
 * zone, which DuckDB reads as TIMESTAMP_MS holding UTC: an Arrow zone would make them TIMESTAMPTZ,
 * whose functions (date_trunc, time_bucket, ...) live in the ICU extension that DuckDB-WASM does
 * not link, and which trap when called (measured, README "Time zones"). JSON is text.
 */
export function arrowTypeOf(kind: ColumnKind): DataType {
  return arrowTypeOfKind(kind, null);
}

/** The Arrow schema of `columns` (lake column specs, in that order) as DuckDB receives them. */
export function arrowSchemaOf(columns: readonly ColumnSpec[]): Schema {
  return new Schema(columns.map((column) => new Field(column.name, arrowTypeOf(column.kind), column.nullable)));
}

/** The validity bitmap of `values` (bit set = present), or undefined when none is null. */
function validity(values: ColumnValues): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) if (values[i] == null) nullCount++;
  if (nullCount === 0) return { nullCount, nullBitmap: undefined };
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] != null) nullBitmap[i >> 3]! |= 1 << (i & 7);
  return { nullCount, nullBitmap };
}

const encoder = new TextEncoder();

function utf8Data(values: ColumnValues): Data {
  const length = values.length;
  const parts: Uint8Array[] = new Array<Uint8Array>(length);
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) {
    const value = values[i];
    // hyparquet hands text over as its UTF-8 bytes (the reader's stringFromBytes keeps them), so
    // nothing is decoded and re-encoded; strings (other callers) are encoded here.
    const bytes = value == null ? EMPTY : value instanceof Uint8Array ? value : encoder.encode(String(value));
    parts[i] = bytes;
    total += bytes.byteLength;
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) data.set(parts[i]!, valueOffsets[i]!);
  return makeData({ type: new Utf8(), length, ...validity(values), valueOffsets, data });
}

const EMPTY = new Uint8Array(0);

function float64Data(values: ColumnValues): Data {
  if (values instanceof Float64Array) return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
  const data = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Number(values[i] ?? 0);
  return makeData({ type: new Float64(), length: values.length, ...validity(values), data });
}

/** Int64 storage for int64 and timestamp(ms) columns, from bigints or numbers. */
function bigInt64Values(values: ColumnValues): BigInt64Array {
  if (values instanceof BigInt64Array) return values;
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    data[i] = typeof value === "bigint" ? value : value == null ? 0n : BigInt(Number(value));
  }
  return data;
}

function boolData(values: ColumnValues): Data {
  const data = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
  return makeData({ type: new Bool(), length: values.length, ...validity(values), data });
}

/**
 * One Arrow column of `kind` from decoded values: text as UTF-8 bytes or strings, numbers,
 * bigints (int64 and epoch-ms timestamps), booleans; `null`/`undefined` are nulls.
 */
export function columnData(kind: ColumnKind, values: ColumnValues): Data {
  switch (kind) {
    case "string":
    case "json":
      return utf8Data(values);
    case "float64":
      return float64Data(values);
    case "int64":
      return makeData({ type: new Int64(), length: values.length, ...validity(values), data: bigInt64Values(values) });
    case "timestamp":
      return makeData({ type: new Timestamp(TimeUnit.MILLISECOND), length: values.length, ...validity(values), data: bigInt64Values(values) });
    case "boolean":
      return boolData(values);
  }
}

/** A column of `length` nulls (a column the file predates: columns are only ever added). */
export function nullColumnData(kind: ColumnKind, length: number): Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  switch (kind) {
    case "string":
    case "json":
      return makeData({ type: new Utf8(), length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), data: EMPTY });
    case "float64":
      return makeData({ type: new Float64(), length, nullCount: length, nullBitmap, data: new Float64Array(length) });
    case "int64":
      return makeData({ type: new Int64(), length, nullCount: length, nullBitmap, data: new BigInt64Array(length) });
    case "timestamp":
      return makeData({ type: new Timestamp(TimeUnit.MILLISECOND), length, nullCount: length, nullBitmap, data: new BigInt64Array(length) });
    case "boolean":
      return makeData({ type: new Bool(), length, nullCount: length, nullBitmap, data: new Uint8Array((length + 7) >> 3) });
  }
}

/** One record batch of `schema` from its columns' data (all of one length). */
export function recordBatchOf(schema: Schema, columns: readonly Data[], length: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [...columns] }));
}

/** An Arrow IPC stream of `batches` (schema only when there are none), as `SqlEngine.insertArrow` takes. */
export function ipcStreamOf(schema: Schema, batches: readonly RecordBatch[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const batch of batches) writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}
