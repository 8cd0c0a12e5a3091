import type { IntervalUnit } from "./ast.ts";
import { AeSqlError, integerOverflow, unsupported } from "./errors.ts";
import { doubleFromBits, floatBitsSql } from "./float-bits.ts";
import type { SqlBuilder } from "./sql-builder.ts";
import { type AeType, is64BitInteger } from "./types.ts";

/**
 * A value in JavaScript: numbers (Float64 NaN/±Infinity included, DateTime/Date as unix
 * seconds, Bool as 0/1), bigint for 64-bit integers, strings, arrays, and `null` for SQL NULL.
 */
export type JsValue = number | bigint | string | null | readonly JsValue[];

/** An expression SQLite computes. `constant`: its value, when known while compiling. */
export interface SqlExpr {
  readonly kind: "sql";
  readonly sql: string;
  readonly type: AeType;
  /** Contains an aggregate function (so it cannot go into WHERE, a scalar subquery, ...). */
  readonly aggregate: boolean;
  readonly constant?: JsValue;
}

/** One SQLite result column a JavaScript finisher reads, and how to read it. */
export interface JsInput {
  readonly sql: string;
  readonly decode: (raw: unknown) => JsValue;
}

/**
 * An expression finished in JavaScript from SQLite columns (quantiles, topK, Unicode case
 * mapping, logarithms...): usable in the select list, not in WHERE/GROUP BY/HAVING.
 */
export interface JsExpr {
  readonly kind: "js";
  readonly type: AeType;
  readonly aggregate: boolean;
  readonly inputs: readonly JsInput[];
  readonly evaluate: (values: readonly JsValue[]) => JsValue;
  /** The function computed in JavaScript, for error messages. */
  readonly origin: string;
}

/** `INTERVAL n UNIT`: only meaningful as an operand of date arithmetic or toStartOfInterval. */
export interface IntervalValue {
  readonly kind: "interval";
  readonly amount: number;
  readonly unit: IntervalUnit;
}

/** What compiling an expression gives. */
export type Value = SqlExpr | JsExpr | IntervalValue;
/** A value that can be a column (not a bare INTERVAL). */
export type RowValue = SqlExpr | JsExpr;

const TWO_TO_64 = 1n << 64n;

/** Reads a SQLite result value as the JavaScript value of `type`. */
export function decodeSql(type: AeType, raw: unknown): JsValue {
  if (raw === null || raw === undefined) return type.kind === "Float64" ? Number.NaN : null;
  if (is64BitInteger(type)) {
    // Selected as TEXT (see selectSql) so values above 2^53 survive; UInt64 is stored two's-complement.
    const text = typeof raw === "bigint" ? raw.toString() : typeof raw === "number" ? String(Math.trunc(raw)) : String(raw);
    // A REAL here (`1.0e+24`) is an integer expression that overflowed in SQLite.
    if (!/^-?\d+$/.test(text)) throw integerOverflow();
    const value = BigInt(text);
    return type.kind === "UInt" && value < 0n ? value + TWO_TO_64 : value;
  }
  if (typeof raw === "bigint") return Number(raw);
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) return new TextDecoder().decode(raw);
  if (typeof raw === "number" || typeof raw === "string") return raw;
  return String(raw);
}

/** The SQL that selects `value` losslessly (64-bit integers as text) and how to read it back. */
export function selectSql(value: SqlExpr): JsInput {
  const type = value.type;
  if (is64BitInteger(type)) return { sql: `CAST(${value.sql} AS TEXT)`, decode: (raw) => decodeSql(type, raw) };
  return { sql: value.sql, decode: (raw) => decodeSql(type, raw) };
}

/**
 * SQL for a row-level `value` as an element of json_group_array, and how to read the parsed
 * element. SQLite writes REALs into JSON with 15 digits and its printf is not exact either, so a
 * double travels as the text of its IEEE-754 bit pattern; 64-bit integers travel as text too.
 */
export function jsonElement(value: SqlExpr, builder: SqlBuilder): { sql: string; decode: (element: unknown) => JsValue } {
  const type = value.type;
  if (type.kind === "Float64") {
    return {
      sql: `CAST(${floatBitsSql(builder, value.sql)} AS TEXT)`,
      decode: (element) => (typeof element === "string" ? doubleFromBits(element) : Number.NaN),
    };
  }
  if (is64BitInteger(type)) return { sql: `CAST(${value.sql} AS TEXT)`, decode: (element) => decodeSql(type, element) };
  return { sql: value.sql, decode: (element) => decodeSql(type, element) };
}

/** Wraps a SQL value as a JavaScript one (to combine it with a JavaScript-finished argument). */
export function asJs(value: RowValue): JsExpr {
  if (value.kind === "js") return value;
  const input = selectSql(value);
  return { kind: "js", type: value.type, aggregate: value.aggregate, inputs: [input], evaluate: (values) => values[0] ?? null, origin: "" };
}

/** A JavaScript-finished value computed by `fn` from the values of `args`. */
export function composeJs(args: readonly RowValue[], type: AeType, origin: string, fn: (values: readonly JsValue[]) => JsValue): JsExpr {
  const parts = args.map(asJs);
  const inputs = parts.flatMap((p) => p.inputs);
  return {
    kind: "js",
    type,
    aggregate: args.some((a) => a.aggregate),
    inputs,
    origin: parts.find((p) => p.origin !== "")?.origin ?? origin,
    evaluate: (values) => {
      let offset = 0;
      const argValues = parts.map((p) => {
        const slice = values.slice(offset, offset + p.inputs.length);
        offset += p.inputs.length;
        return p.evaluate(slice);
      });
      return fn(argValues);
    },
  };
}

/** The value as a SQLite expression, or a clear refusal naming where it was needed. */
export function requireSql(value: Value, where: string): SqlExpr {
  if (value.kind === "sql") return value;
  if (value.kind === "interval") throw new AeSqlError("type", `an INTERVAL cannot be used as a value in ${where}`);
  throw unsupported(`${value.origin}() is computed after the query in the local emulator and cannot be used in ${where}`);
}
