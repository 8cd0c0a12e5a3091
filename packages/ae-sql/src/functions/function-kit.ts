import { AeSqlError, unsupported } from "../errors.ts";
import type { SqlBuilder } from "../sql-builder.ts";
import { type AeType, asIntType, type IntType, INT64, isNumeric, typeName } from "../types.ts";
import { composeJs, type JsValue, type RowValue, type SqlExpr, type Value } from "../values.ts";

/** What a function sees besides its arguments. */
export interface FunctionContext {
  readonly builder: SqlBuilder;
  /** The query's `now()`, unix seconds. */
  readonly now: number;
  /** The function's name as written, for messages. */
  readonly name: string;
  readonly pos: number;
  /**
   * SQL of the columns that order the rows of the base table (first_value/last_value), or
   * `undefined` over a subquery.
   */
  readonly rowOrder: readonly string[] | undefined;
}

/** A scalar function: compiles its arguments' values into its own. */
export interface ScalarFunction {
  readonly kind: "scalar";
  /** Inclusive [min, max] argument count. */
  readonly arity: readonly [number, number];
  compile(args: readonly Value[], ctx: FunctionContext): Value;
}

/** An aggregate function: compiles row-level SQL arguments into a per-group value. */
export interface AggregateFunction {
  readonly kind: "aggregate";
  readonly arity: readonly [number, number];
  /** [min, max] parameters of a parametric call `f(params)(args)`; absent: not parametric. */
  readonly parameters?: readonly [number, number];
  /** Accepts `f(DISTINCT x)`. */
  readonly distinct?: boolean;
  compile(args: readonly SqlExpr[], parameters: readonly Value[], distinct: boolean, ctx: FunctionContext): RowValue;
}

/** An entry of the function registry. */
export type FunctionDefinition = ScalarFunction | AggregateFunction;

/** ClickHouse's wording for a wrongly typed argument. */
export function illegalType(ctx: FunctionContext, type: AeType, index: number): AeSqlError {
  return new AeSqlError("type", `Illegal type ${typeName(type)} of argument ${index + 1} of function ${ctx.name}`, ctx.pos);
}

/** A row value (not an INTERVAL) or a type error. */
export function row(ctx: FunctionContext, value: Value, index: number): RowValue {
  if (value.kind === "interval") throw new AeSqlError("type", `Illegal type Interval${value.unit} of argument ${index + 1} of function ${ctx.name}`, ctx.pos);
  return value;
}

/** The argument's compile-time value, which this function requires to be a literal. */
export function constant(ctx: FunctionContext, value: Value | undefined, index: number, what: string): JsValue {
  if (value === undefined || value.kind !== "sql" || value.constant === undefined) {
    throw new AeSqlError("type", `argument ${index + 1} of function ${ctx.name} must be a constant ${what}`, ctx.pos);
  }
  return value.constant;
}

/** A constant String argument. */
export function constantString(ctx: FunctionContext, value: Value | undefined, index: number, what = "string"): string {
  const v = constant(ctx, value, index, what);
  if (typeof v !== "string") throw new AeSqlError("type", `argument ${index + 1} of function ${ctx.name} must be a constant ${what}`, ctx.pos);
  return v;
}

/** A constant numeric argument. */
export function constantNumber(ctx: FunctionContext, value: Value | undefined, index: number, what = "number"): number {
  const v = constant(ctx, value, index, what);
  if (typeof v !== "number" && typeof v !== "bigint") throw new AeSqlError("type", `argument ${index + 1} of function ${ctx.name} must be a constant ${what}`, ctx.pos);
  return Number(v);
}

/** A constant whole-number argument. */
export function constantInteger(ctx: FunctionContext, value: Value | undefined, index: number, what = "integer"): number {
  const n = constantNumber(ctx, value, index, what);
  if (!Number.isInteger(n)) throw new AeSqlError("type", `argument ${index + 1} of function ${ctx.name} must be a constant ${what}`, ctx.pos);
  return n;
}

/** A SQL value of integer type, with Float64 truncated to Int64 (see README: bit functions on doubles). */
export function integerArgument(ctx: FunctionContext, value: SqlExpr, index: number): { sql: string; type: IntType } {
  const int = asIntType(value.type);
  if (int !== undefined) return { sql: value.sql, type: int };
  if (value.type.kind === "DateTime") return { sql: value.sql, type: { kind: "UInt", bits: 32 } };
  if (value.type.kind === "Float64") return { sql: `CAST(${value.sql} AS INTEGER)`, type: INT64 as IntType };
  throw illegalType(ctx, value.type, index);
}

/** Wraps `sql` to the range of `type` the way ClickHouse integer arithmetic wraps. */
export function wrapInteger(sql: string, type: IntType): string {
  if (type.bits === 64) return sql;
  const mask = (1n << BigInt(type.bits)) - 1n;
  if (type.kind === "UInt") return `(${sql} & ${mask})`;
  const sign = 1n << BigInt(type.bits - 1);
  // Sign extension without XOR (SQLite has none): adding 2^(n-1) modulo 2^n flips the top bit.
  return `((((${sql} & ${mask}) + ${sign}) & ${mask}) - ${sign})`;
}

/** `value` reinterpreted as the unsigned bit pattern of its width (for rotations and bit counts). */
export function unsignedPattern(sql: string, type: IntType): string {
  if (type.bits === 64) return sql;
  return `(${sql} & ${(1n << BigInt(type.bits)) - 1n})`;
}

/** Logical (zero-filling) right shift of a `bits`-wide pattern held in an SQLite int64. */
export function logicalShiftRight(sql: string, shiftSql: string, bits: number): string {
  if (bits < 64) return `(${sql} >> ${shiftSql})`;
  // SQLite's >> is arithmetic: clear the copies of the sign bit it shifts in.
  return `(CASE WHEN ${shiftSql} <= 0 THEN ${sql} WHEN ${shiftSql} >= 64 THEN 0 ELSE ((${sql} >> ${shiftSql}) & ~(-1 << (64 - ${shiftSql}))) END)`;
}

/** How a scalar function computes its value, for {@link lift}. */
export interface LiftOptions {
  readonly type: AeType;
  /** SQL from the argument SQL, or absent when only JavaScript can compute it. */
  readonly sql?: (args: readonly SqlExpr[]) => string;
  /** JavaScript from the argument values; the fallback when an argument is JavaScript-finished. */
  readonly js?: (values: readonly JsValue[]) => JsValue;
  /**
   * The SQL evaluates its arguments inside scalar subqueries ({@link SqlBuilder.let}): with an
   * aggregate argument the JavaScript form is used instead.
   */
  readonly rowLevelSql?: boolean;
}

/**
 * A scalar function result: SQL when every argument is SQL (and SQL exists), otherwise the
 * JavaScript form over the arguments, otherwise a refusal that names the function.
 */
export function lift(ctx: FunctionContext, args: readonly RowValue[], options: LiftOptions): RowValue {
  const allSql = args.every((a): a is SqlExpr => a.kind === "sql");
  const aggregate = args.some((a) => a.aggregate);
  if (allSql && options.sql !== undefined && !(options.rowLevelSql === true && aggregate)) {
    return { kind: "sql", sql: options.sql(args), type: options.type, aggregate };
  }
  if (options.js !== undefined) return composeJs(args, options.type, ctx.name, options.js);
  const jsArg = args.find((a) => a.kind === "js");
  if (jsArg !== undefined && jsArg.kind === "js") {
    throw unsupported(`${ctx.name}() of ${jsArg.origin}() is not supported: the local emulator computes ${jsArg.origin}() after the query`, ctx.pos);
  }
  throw unsupported(`${ctx.name}() of an aggregate is not supported by the local emulator`, ctx.pos);
}

/** Requires a numeric (or Bool) argument. */
export function requireNumeric(ctx: FunctionContext, value: RowValue, index: number): RowValue {
  if (!isNumeric(value.type)) throw illegalType(ctx, value.type, index);
  return value;
}

/** Requires a String argument. */
export function requireString(ctx: FunctionContext, value: RowValue, index: number): RowValue {
  if (value.type.kind !== "String") throw illegalType(ctx, value.type, index);
  return value;
}

/** JavaScript number of a numeric JsValue (NaN for null). */
export function toNumber(value: JsValue): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") return Number(value);
  return Number.NaN;
}

/** A bigint wrapped into an integer type's range (two's complement). */
export function wrapBigInt(value: bigint, type: IntType): bigint {
  return type.kind === "UInt" ? BigInt.asUintN(type.bits, value) : BigInt.asIntN(type.bits, value);
}
