// DuckDB's result (an Arrow IPC file) as plain row objects, with the type mapping SqlEngine
// documents. Read with apache-arrow's IPC reader, which needs no code generation (only its
// Builders do: workerd forbids code generation).
import { type DataType, type Field, Type, tableFromIPC } from "apache-arrow";
import { EngineError } from "./engine-error.ts";

type Convert = (value: unknown) => unknown;

/** Why a column cannot be converted; becomes an EngineError of kind `sql`. */
class UnsupportedResultType extends Error {}

function safeInteger(value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function isoTimestamp(value: unknown): unknown {
  // apache-arrow hands every timestamp unit over as epoch milliseconds (fractional below a ms).
  return typeof value === "number" ? new Date(Math.floor(value)).toISOString() : value;
}

function isoDate(value: unknown): unknown {
  return typeof value === "number" ? new Date(value).toISOString().slice(0, 10) : value;
}

function converterFor(type: DataType, column: string): Convert {
  switch (type.typeId) {
    case Type.Null:
      return () => null;
    case Type.Int:
    case Type.Int8:
    case Type.Int16:
    case Type.Int32:
    case Type.Int64:
    case Type.Uint8:
    case Type.Uint16:
    case Type.Uint32:
    case Type.Uint64:
      return safeInteger;
    case Type.Float:
    case Type.Float16:
    case Type.Float32:
    case Type.Float64:
    case Type.Bool:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return (value) => value;
    case Type.Timestamp:
    case Type.TimestampSecond:
    case Type.TimestampMillisecond:
    case Type.TimestampMicrosecond:
    case Type.TimestampNanosecond:
      return isoTimestamp;
    case Type.Date:
    case Type.DateDay:
    case Type.DateMillisecond:
      return isoDate;
    case Type.Dictionary: {
      const values = converterFor((type as DataType & { dictionary: DataType }).dictionary, column);
      return values;
    }
    case Type.List:
    case Type.FixedSizeList: {
      const child = type.children[0];
      if (!child) throw new UnsupportedResultType(`column "${column}": a list without a child type`);
      const item = converterFor(child.type, column);
      return (value) => (value == null ? null : Array.from(value as Iterable<unknown>, (v) => (v == null ? null : item(v))));
    }
    case Type.Struct: {
      const fields = (type.children as Field[]).map((field) => ({ name: field.name, convert: converterFor(field.type, column) }));
      return (value) => {
        if (value == null) return null;
        const struct = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const field of fields) {
          const v = struct[field.name];
          out[field.name] = v == null ? null : field.convert(v);
        }
        return out;
      };
    }
    default:
      throw new UnsupportedResultType(
        `column "${column}" has type ${String(type)}, which has no plain value here: cast it in SQL (e.g. epoch_ms(...) or ::VARCHAR)`,
      );
  }
}

/**
 * The rows of an Arrow IPC buffer (file or stream) as objects keyed by column name. Throws an
 * `EngineError` of kind `sql` for a column of a type without a plain value (INTERVAL, TIME, ...).
 * @example rowsFromArrowIPC(bindings.runQuery(conn, "SELECT 1 AS one")) // [{ one: 1 }]
 */
export function rowsFromArrowIPC<T extends Record<string, unknown>>(ipc: Uint8Array, statement?: string): T[] {
  const table = tableFromIPC(ipc);
  let columns: { name: string; convert: Convert; values: { get(index: number): unknown } }[];
  try {
    columns = table.schema.fields.map((field, index) => {
      const vector = table.getChildAt(index);
      if (!vector) throw new UnsupportedResultType(`column "${field.name}" is missing from the result`);
      return { name: field.name, convert: converterFor(field.type, field.name), values: vector };
    });
  } catch (error) {
    if (error instanceof UnsupportedResultType) throw new EngineError("sql", error.message, { statement });
    throw error;
  }
  const rows: T[] = new Array<T>(table.numRows);
  for (let row = 0; row < table.numRows; row++) {
    const out: Record<string, unknown> = {};
    for (const column of columns) {
      const value = column.values.get(row);
      out[column.name] = value == null ? null : column.convert(value);
    }
    rows[row] = out as T;
  }
  return rows;
}
