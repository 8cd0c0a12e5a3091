import { parseDateTime } from "../datetime.ts";
import { AeSqlError, unsupported } from "../errors.ts";
import {
  type AeType,
  additionType,
  FLOAT64,
  integerDivisionType,
  is64BitInteger,
  isInteger,
  isNumeric,
  isTime,
  leastSupertype,
  moduloType,
  negateType,
  subtractionType,
  typeName,
  UINT8,
} from "../types.ts";
import type { JsValue, RowValue, SqlExpr, Value } from "../values.ts";
import { type FunctionContext, illegalType, lift, toNumber, wrapBigInt } from "./function-kit.ts";
import { localToUtc } from "../timezones.ts";
import { addInterval, constantTime, needsTable, parseDateTimeSql } from "./time-sql.ts";

/** Integer division truncates toward zero in ClickHouse (C++ semantics), as in SQLite. */
const TRUNC_LIMIT = "9.2e18";

/** SQL truncating a REAL toward zero, leaving values beyond the int64 range (already whole) alone. */
export function truncSql(sql: string): string {
  return `(CASE WHEN abs(${sql}) < ${TRUNC_LIMIT} THEN CAST(${sql} AS INTEGER) ELSE ${sql} END)`;
}

function numericOperands(ctx: FunctionContext, a: Value, b: Value): [RowValue, RowValue] {
  if (a.kind === "interval" || b.kind === "interval") throw new AeSqlError("type", `Illegal types of arguments of function ${ctx.name}: an INTERVAL only adds to or subtracts from a date`, ctx.pos);
  if (!isNumeric(a.type)) throw illegalType(ctx, a.type, 0);
  if (!isNumeric(b.type)) throw illegalType(ctx, b.type, 1);
  return [a, b];
}

/** JavaScript arithmetic in the result type: wrapping bigint for 64-bit integers, doubles otherwise. */
function jsArithmetic(type: AeType, op: (x: number, y: number) => number, big: (x: bigint, y: bigint) => bigint) {
  return ([x, y]: readonly JsValue[]): JsValue => {
    if (is64BitInteger(type) && (type.kind === "UInt" || type.kind === "Int")) {
      return wrapBigInt(big(BigInt(typeof x === "bigint" ? x : Math.trunc(toNumber(x ?? null))), BigInt(typeof y === "bigint" ? y : Math.trunc(toNumber(y ?? null)))), type);
    }
    return op(toNumber(x ?? null), toNumber(y ?? null));
  };
}

/** `a + b`: numbers, or a date/time plus an INTERVAL or a count (seconds for DateTime, days for Date). */
export function plus(ctx: FunctionContext, a: Value, b: Value): Value {
  if (a.kind === "interval" && b.kind !== "interval" && isTime(b.type)) return addInterval(ctx, b, a, 1);
  if (b.kind === "interval" && a.kind !== "interval" && isTime(a.type)) return addInterval(ctx, a, b, 1);
  if (a.kind !== "interval" && b.kind !== "interval" && isTime(a.type) && isInteger(b.type)) return timePlusCount(ctx, a, b, 1);
  if (a.kind !== "interval" && b.kind !== "interval" && isTime(b.type) && isInteger(a.type)) return timePlusCount(ctx, b, a, 1);
  const [x, y] = numericOperands(ctx, a, b);
  const type = additionType(x.type, y.type);
  return lift(ctx, [x, y], { type, sql: ([p, q]) => `(${(p as SqlExpr).sql} + ${(q as SqlExpr).sql})`, js: jsArithmetic(type, (m, n) => m + n, (m, n) => m + n) });
}

/** `a - b`: numbers, or a date/time minus an INTERVAL or a count. */
export function minus(ctx: FunctionContext, a: Value, b: Value): Value {
  if (b.kind === "interval" && a.kind !== "interval" && isTime(a.type)) return addInterval(ctx, a, b, -1);
  if (a.kind !== "interval" && b.kind !== "interval" && isTime(a.type) && isInteger(b.type)) return timePlusCount(ctx, a, b, -1);
  if (a.kind !== "interval" && b.kind !== "interval" && isTime(a.type) && isTime(b.type)) {
    throw unsupported("subtracting two dates is not supported (use toUnixTimestamp(a) - toUnixTimestamp(b))", ctx.pos);
  }
  const [x, y] = numericOperands(ctx, a, b);
  const type = subtractionType(x.type, y.type);
  return lift(ctx, [x, y], { type, sql: ([p, q]) => `(${(p as SqlExpr).sql} - ${(q as SqlExpr).sql})`, js: jsArithmetic(type, (m, n) => m - n, (m, n) => m - n) });
}

function timePlusCount(ctx: FunctionContext, time: RowValue, count: RowValue, sign: 1 | -1): RowValue {
  const unit = time.type.kind === "Date" ? 86_400 : 1;
  if (time.kind === "sql" && count.kind === "sql" && typeof time.constant === "number" && count.constant !== undefined) {
    return constantTime(time.constant + sign * unit * toNumber(count.constant), time.type);
  }
  return lift(ctx, [time, count], {
    type: time.type,
    sql: ([t, c]) => `(${(t as SqlExpr).sql} ${sign > 0 ? "+" : "-"} ${(c as SqlExpr).sql} * ${unit})`,
    js: ([t, c]) => toNumber(t ?? null) + sign * unit * toNumber(c ?? null),
  });
}

/** `a * b`. */
export function multiply(ctx: FunctionContext, a: Value, b: Value): Value {
  const [x, y] = numericOperands(ctx, a, b);
  const type = additionType(x.type, y.type);
  return lift(ctx, [x, y], { type, sql: ([p, q]) => `(${(p as SqlExpr).sql} * ${(q as SqlExpr).sql})`, js: jsArithmetic(type, (m, n) => m * n, (m, n) => m * n) });
}

/** `a / b`: always Float64; dividing by zero gives ±inf or nan as in ClickHouse (SQLite would give NULL). */
export function divide(ctx: FunctionContext, a: Value, b: Value): Value {
  const [x, y] = numericOperands(ctx, a, b);
  return lift(ctx, [x, y], {
    type: FLOAT64,
    sql: ([p, q]) => {
      const n = (p as SqlExpr).sql;
      const d = (q as SqlExpr).sql;
      // The dividend appears once: in a chain `a / b / c` each dividend is the previous quotient,
      // so copies of it would grow the SQL exponentially. A zero divisor multiplies by infinity
      // instead (±inf, and 0 * inf is nan, which SQLite makes NULL); `* 1` leaves doubles exact.
      return `(CAST(${n} AS REAL) * (CASE WHEN ${d} = 0 THEN 9e999 ELSE 1 END) / (CASE WHEN ${d} = 0 THEN 1 ELSE ${d} END))`;
    },
    js: ([p, q]) => toNumber(p ?? null) / toNumber(q ?? null),
  });
}

/**
 * `a % b`. Integers: C remainder, division by zero is an error. Floats: ClickHouse computes
 * `a - trunc(a / b) * b` (not fmod), and nan for a zero divisor.
 */
export function modulo(ctx: FunctionContext, a: Value, b: Value): Value {
  const [x, y] = numericOperands(ctx, a, b);
  const type = moduloType(x.type, y.type);
  const b_ = ctx.builder;
  return lift(ctx, [x, y], {
    type,
    sql: ([p, q]) => {
      const n = (p as SqlExpr).sql;
      const d = (q as SqlExpr).sql;
      if (type.kind === "Float64") {
        // Named once each: the formula needs them several times, and a chain `a % b % c` nests them.
        return b_.let(n, (p as SqlExpr).aggregate, (x) =>
          b_.let(d, (q as SqlExpr).aggregate, (y) => `(CASE WHEN ${y} = 0 THEN NULL ELSE ${x} - ${truncSql(`(CAST(${x} AS REAL) / ${y})`)} * ${y} END)`),
        );
      }
      return `(CASE WHEN ${d} = 0 THEN ${b_.raise("Division by zero")} ELSE ${n} % ${d} END)`;
    },
  });
}

/** intDiv(a, b): integer division toward zero; a zero divisor (or an infinite result) is an error. */
export function intDiv(ctx: FunctionContext, a: Value, b: Value): Value {
  const [x, y] = numericOperands(ctx, a, b);
  const type = integerDivisionType(x.type, y.type);
  const raise = ctx.builder.raise("Division by zero");
  const floats = x.type.kind === "Float64" || y.type.kind === "Float64";
  const tooLarge = ctx.builder.raise("Cannot perform integer division, because it will produce infinite or too large number");
  return lift(ctx, [x, y], {
    type,
    sql: ([p, q]) => {
      const n = (p as SqlExpr).sql;
      const d = (q as SqlExpr).sql;
      if (!floats) return `(CASE WHEN ${d} = 0 THEN ${raise} ELSE ${n} / ${d} END)`;
      const aggregate = (p as SqlExpr).aggregate || (q as SqlExpr).aggregate;
      // The quotient is named once: it is needed three times, and intDiv calls nest.
      return ctx.builder.let(`(CAST(${n} AS REAL) / ${d})`, aggregate, (quotient) =>
        `(CASE WHEN ${d} = 0 THEN ${raise} WHEN abs(${quotient}) >= ${TRUNC_LIMIT} THEN ${tooLarge} ELSE CAST(${quotient} AS INTEGER) END)`,
      );
    },
  });
}

/** Unary minus. */
export function negate(ctx: FunctionContext, a: Value): Value {
  if (a.kind === "interval") return { ...a, amount: -a.amount };
  if (!isNumeric(a.type)) throw illegalType(ctx, a.type, 0);
  const type = negateType(a.type);
  return lift(ctx, [a], {
    type,
    sql: ([p]) => `(- ${(p as SqlExpr).sql})`,
    js: ([p]) => (typeof p === "bigint" ? -p : -toNumber(p ?? null)),
  });
}

/** Comparison operators. */
export type ComparisonOp = "=" | "!=" | "<" | ">" | "<=" | ">=";

/**
 * Brings two values to one comparable representation: a String literal compared with a date is
 * parsed as one (and with a number, read as a number), a Date compared with a zoned DateTime
 * becomes that zone's midnight. Anything else of different kinds has no common type.
 */
export function comparable(ctx: FunctionContext, a: RowValue, b: RowValue): [RowValue, RowValue] {
  const ta = a.type;
  const tb = b.type;
  if (isNumeric(ta) && isNumeric(tb)) return [a, b];
  if (ta.kind === "String" && tb.kind === "String") return [a, b];
  if (isTime(ta) && isTime(tb)) {
    if (ta.kind === "Date" && tb.kind === "DateTime") return [toZone(ctx, a, tb.tz), b];
    if (tb.kind === "Date" && ta.kind === "DateTime") return [a, toZone(ctx, b, ta.tz)];
    return [a, b];
  }
  if (isTime(ta) && (tb.kind === "String" || isNumeric(tb))) return [a, timeOperand(ctx, b, ta)];
  if (isTime(tb) && (ta.kind === "String" || isNumeric(ta))) return [timeOperand(ctx, a, tb), b];
  if (isNumeric(ta) && tb.kind === "String") return [a, numberFromString(ctx, b)];
  if (isNumeric(tb) && ta.kind === "String") return [numberFromString(ctx, a), b];
  throw new AeSqlError("type", `Illegal types ${typeName(ta)} and ${typeName(tb)} of arguments of function ${ctx.name}`, ctx.pos);
}

function toZone(ctx: FunctionContext, date: RowValue, zone: string | undefined): RowValue {
  if (date.kind === "sql" && typeof date.constant === "number") {
    return constantTime(date.constant, { kind: "DateTime", tz: zone });
  }
  return lift(ctx, [date], {
    type: { kind: "DateTime", tz: zone },
    rowLevelSql: needsTable(zone),
    sql: ([d]) => ctx.builder.utc(zone, (d as SqlExpr).sql, (d as SqlExpr).aggregate),
    js: ([d]) => localToUtc(zone, toNumber(d ?? null)),
  });
}

/** The other side of a comparison with a date: numbers are seconds, strings are parsed. */
function timeOperand(ctx: FunctionContext, value: RowValue, timeType: AeType): RowValue {
  if (isNumeric(value.type)) return value;
  const zone = timeType.kind === "DateTime" ? timeType.tz : undefined;
  if (value.kind === "sql" && typeof value.constant === "string") {
    const text = value.constant;
    if (timeType.kind === "Date" && !/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new AeSqlError("type", `Cannot parse string '${text}' as Date`, ctx.pos);
    return constantTime(parseDateTime(text, zone), timeType);
  }
  return lift(ctx, [value], { type: timeType, rowLevelSql: needsTable(zone), sql: ([v]) => parseDateTimeSql(ctx, v as SqlExpr, zone) });
}

function numberFromString(ctx: FunctionContext, value: RowValue): RowValue {
  if (value.kind === "sql" && typeof value.constant === "string") {
    const text = value.constant.trim();
    if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) throw new AeSqlError("type", `Cannot parse string '${value.constant}' as a number`, ctx.pos);
    const n = Number(text);
    return { kind: "sql", sql: ctx.builder.real(n), type: FLOAT64, aggregate: false, constant: n };
  }
  throw new AeSqlError("type", `Illegal types: comparing a String column with a number needs a conversion (${ctx.name})`, ctx.pos);
}

/** Compares code points, which orders like ClickHouse's byte-wise UTF-8 comparison. */
export function compareJs(x: JsValue, y: JsValue): number {
  if (typeof x === "string" && typeof y === "string") {
    if (x === y) return 0;
    const a = [...x];
    const b = [...y];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = (a[i] as string).codePointAt(0) as number;
      const e = (b[i] as string).codePointAt(0) as number;
      if (d !== e) return d < e ? -1 : 1;
    }
    return a.length - b.length;
  }
  if (typeof x === "bigint" || typeof y === "bigint") {
    const a = typeof x === "bigint" ? x : BigInt(Math.trunc(toNumber(x)));
    const b = typeof y === "bigint" ? y : BigInt(Math.trunc(toNumber(y)));
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const a = toNumber(x);
  const b = toNumber(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How the `timestamp` column compiles (compile.ts): whole UTC seconds of the stored milliseconds. */
const TIMESTAMP_SECONDS_SQL = "(timestamp_ms / 1000)";
const FLIPPED: Record<ComparisonOp, ComparisonOp> = { "=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<=" };

/**
 * `timestamp op <constant seconds>` as the equivalent range on `timestamp_ms`, which the
 * (dataset, timestamp_ms) index can serve; `timestamp_ms / 1000` hides the column from it.
 * Integer division floors non-negative milliseconds, so `ms / 1000 > n` is `ms >= (n + 1) * 1000`.
 */
function timestampRange(op: ComparisonOp, p: SqlExpr, q: SqlExpr): string | undefined {
  let column = p;
  let constant = q;
  let operator = op;
  if (p.sql !== TIMESTAMP_SECONDS_SQL) {
    if (q.sql !== TIMESTAMP_SECONDS_SQL) return undefined;
    column = q;
    constant = p;
    operator = FLIPPED[op];
  }
  if (column.sql !== TIMESTAMP_SECONDS_SQL || typeof constant.constant !== "number" || !Number.isSafeInteger(constant.constant)) return undefined;
  const n = constant.constant;
  const low = n * 1000;
  const high = (n + 1) * 1000;
  switch (operator) {
    case ">":
      return `(timestamp_ms >= ${high})`;
    case ">=":
      return `(timestamp_ms >= ${low})`;
    case "<":
      return `(timestamp_ms < ${low})`;
    case "<=":
      return `(timestamp_ms < ${high})`;
    case "=":
      return `(timestamp_ms >= ${low} AND timestamp_ms < ${high})`;
    case "!=":
      return `(timestamp_ms < ${low} OR timestamp_ms >= ${high})`;
  }
}

/** `a op b`, UInt8. */
export function compare(ctx: FunctionContext, op: ComparisonOp, a: Value, b: Value): Value {
  if (a.kind === "interval" || b.kind === "interval") throw new AeSqlError("type", `an INTERVAL cannot be compared (${ctx.name})`, ctx.pos);
  const [x, y] = comparable(ctx, a, b);
  return lift(ctx, [x, y], {
    type: UINT8,
    sql: ([p, q]) => timestampRange(op, p as SqlExpr, q as SqlExpr) ?? `(${(p as SqlExpr).sql} ${op === "!=" ? "<>" : op} ${(q as SqlExpr).sql})`,
    js: ([p, q]) => {
      const c = compareJs(p ?? null, q ?? null);
      const result = { "=": c === 0, "!=": c !== 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0 }[op];
      return result ? 1 : 0;
    },
  });
}

/** AND / OR over numbers (non-zero is true), UInt8. */
export function logical(ctx: FunctionContext, op: "AND" | "OR", a: Value, b: Value): Value {
  const [x, y] = numericOperands(ctx, a, b);
  return lift(ctx, [x, y], {
    type: UINT8,
    sql: ([p, q]) => `(${(p as SqlExpr).sql} ${op} ${(q as SqlExpr).sql})`,
    js: ([p, q]) => {
      const l = toNumber(p ?? null) !== 0;
      const r = toNumber(q ?? null) !== 0;
      return (op === "AND" ? l && r : l || r) ? 1 : 0;
    },
  });
}

/** NOT over a number, UInt8. */
export function not(ctx: FunctionContext, a: Value): Value {
  if (a.kind === "interval" || !isNumeric(a.type)) throw illegalType(ctx, a.kind === "interval" ? FLOAT64 : a.type, 0);
  return lift(ctx, [a], { type: UINT8, sql: ([p]) => `(NOT ${(p as SqlExpr).sql})`, js: ([p]) => (toNumber(p ?? null) === 0 ? 1 : 0) });
}

/**
 * `x [NOT] IN (literals)`: the list becomes one JSON parameter, converted to x's type while
 * compiling (a String literal next to a DateTime is parsed, as ClickHouse does).
 */
export function inList(ctx: FunctionContext, operand: Value, list: readonly Value[], negated: boolean): Value {
  if (operand.kind === "interval") throw new AeSqlError("type", "an INTERVAL cannot be the left side of IN", ctx.pos);
  const values = list.map((item, i): string | number | bigint => {
    if (item.kind !== "sql" || item.constant === undefined) {
      throw unsupported(`IN takes a list of constant values; element ${i + 1} is not a constant`, ctx.pos);
    }
    const [, converted] = comparable(ctx, operand, item);
    const value = (converted as SqlExpr).constant;
    if (typeof value === "string" || typeof value === "bigint" || (typeof value === "number" && Number.isFinite(value))) return value;
    throw new AeSqlError("type", `unsupported IN list element ${i + 1}`, ctx.pos);
  });
  // Strings and integers travel as one JSON array parameter; a list with fractional doubles binds
  // each one (SQLite's JSON parser, like its SQL parser, may round a decimal to a neighbouring double).
  const exactInJson = values.every((v) => typeof v !== "number" || Number.isSafeInteger(v));
  const set = exactInJson
    ? `SELECT value FROM json_each(${ctx.builder.param(`[${values.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(",")}]`)})`
    : values.map((v) => (typeof v === "number" ? ctx.builder.real(v) : typeof v === "bigint" ? v.toString() : ctx.builder.param(v))).join(", ");
  return lift(ctx, [operand], {
    type: UINT8,
    sql: ([p]) => `(${(p as SqlExpr).sql} ${negated ? "NOT IN" : "IN"} (${set}))`,
  });
}

/** `x [NOT] BETWEEN low AND high` (inclusive), UInt8. */
export function between(ctx: FunctionContext, operand: Value, low: Value, high: Value, negated: boolean): Value {
  if (operand.kind === "interval" || low.kind === "interval" || high.kind === "interval") throw new AeSqlError("type", "an INTERVAL cannot be used with BETWEEN", ctx.pos);
  const [x, lo] = comparable(ctx, operand, low);
  const [, hi] = comparable(ctx, operand, high);
  return lift(ctx, [x, lo, hi], {
    type: UINT8,
    sql: ([p, l, h]) => `(${(p as SqlExpr).sql} ${negated ? "NOT BETWEEN" : "BETWEEN"} ${(l as SqlExpr).sql} AND ${(h as SqlExpr).sql})`,
  });
}

type PatternPiece = { kind: "text"; text: string } | { kind: "any" } | { kind: "one" };

/** Splits a ClickHouse LIKE pattern: `%` any run, `_` one character, `\` escapes the next one. */
function likePieces(pattern: string): PatternPiece[] {
  const pieces: PatternPiece[] = [];
  let text = "";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "\\" && i + 1 < chars.length) {
      text += chars[++i];
    } else if (c === "%" || c === "_") {
      if (text !== "") pieces.push({ kind: "text", text });
      text = "";
      if (c === "_" || pieces.at(-1)?.kind !== "any") pieces.push(c === "%" ? { kind: "any" } : { kind: "one" });
    } else {
      text += c;
    }
  }
  if (text !== "") pieces.push({ kind: "text", text });
  return pieces;
}

/**
 * `x [NOT] LIKE|ILIKE 'pattern'`. LIKE is case-sensitive in ClickHouse and case-insensitive in
 * SQLite, so it compiles to GLOB (or substr/instr for prefix, suffix and contains patterns);
 * ILIKE compiles to SQLite's LIKE, which folds ASCII letters only.
 */
export function like(ctx: FunctionContext, operand: Value, pattern: Value, caseInsensitive: boolean, negated: boolean, maxPatternBytes: number): Value {
  if (operand.kind === "interval" || operand.type.kind !== "String") throw illegalType(ctx, operand.kind === "interval" ? FLOAT64 : operand.type, 0);
  if (pattern.kind !== "sql" || typeof pattern.constant !== "string") throw unsupported(`the pattern of ${ctx.name} must be a string literal in the local emulator`, ctx.pos);
  const source = pattern.constant;
  if (caseInsensitive && /[^\x00-\x7f]/.test(source)) {
    throw unsupported(`ILIKE with non-ASCII characters in the pattern is not supported by the local emulator (SQLite folds ASCII letters only)`, ctx.pos);
  }
  const b = ctx.builder;
  const pieces = likePieces(source);
  const fold = (sql: string): string => (caseInsensitive ? `lower(${sql})` : sql);
  const lit = (text: string): string => b.param(caseInsensitive ? text.toLowerCase() : text);
  const match = (x: string): string => {
    const [first, second, third] = pieces;
    const length = (text: string): number => [...text].length;
    if (pieces.length === 0) return `(${x} = '')`;
    if (pieces.length === 1 && first?.kind === "any") return "1";
    if (pieces.length === 1 && first?.kind === "text") return `(${fold(x)} = ${lit(first.text)})`;
    if (pieces.length === 2 && first?.kind === "text" && second?.kind === "any") return `(substr(${fold(x)}, 1, ${length(first.text)}) = ${lit(first.text)})`;
    if (pieces.length === 2 && first?.kind === "any" && second?.kind === "text") {
      const n = length(second.text);
      return `(length(${x}) >= ${n} AND substr(${fold(x)}, -${n}) = ${lit(second.text)})`;
    }
    if (pieces.length === 3 && first?.kind === "any" && second?.kind === "text" && third?.kind === "any") return `(instr(${fold(x)}, ${lit(second.text)}) > 0)`;
    let translated: string;
    let sql: string;
    if (caseInsensitive) {
      translated = pieces.map((p) => (p.kind === "any" ? "%" : p.kind === "one" ? "_" : p.text.replace(/[\\%_]/g, (c) => `\\${c}`))).join("");
      sql = `(${x} LIKE ${b.param(translated)} ESCAPE '\\')`;
    } else {
      translated = pieces.map((p) => (p.kind === "any" ? "*" : p.kind === "one" ? "?" : p.text.replace(/[*?[]/g, (c) => `[${c}]`))).join("");
      sql = `(${x} GLOB ${b.param(translated)})`;
    }
    const bytes = new TextEncoder().encode(translated).byteLength;
    if (bytes > maxPatternBytes) throw unsupported(`this ${ctx.name} pattern is too complex for the local emulator (SQLite allows ${maxPatternBytes}-byte patterns; prefix, suffix and contains patterns have no limit)`, ctx.pos);
    return sql;
  };
  return lift(ctx, [operand], {
    type: UINT8,
    sql: ([p]) => {
      const x = (p as SqlExpr).sql;
      return negated ? `(NOT ${match(x)})` : match(x);
    },
  });
}

/** if(cond, then, else): the branches meet in their least supertype. */
export function ifFunction(ctx: FunctionContext, cond: Value, then: Value, otherwise: Value): Value {
  if (cond.kind === "interval" || !(isInteger(cond.type))) throw new AeSqlError("type", `Illegal type ${cond.kind === "interval" ? "Interval" : typeName(cond.type)} of the first argument of function if: it must be a UInt8 condition`, ctx.pos);
  if (then.kind === "interval" || otherwise.kind === "interval") throw new AeSqlError("type", "an INTERVAL cannot be a branch of if", ctx.pos);
  const type = leastSupertype(then.type, otherwise.type);
  if (type === undefined) throw new AeSqlError("type", `There is no supertype for types ${typeName(then.type)}, ${typeName(otherwise.type)} (function if)`, ctx.pos);
  const branch = (v: RowValue): RowValue => {
    if (type.kind === "DateTime" && v.type.kind === "Date") return toZone(ctx, v, type.tz);
    return v;
  };
  const castSql = (sql: string): string => (type.kind === "Float64" ? `CAST(${sql} AS REAL)` : sql);
  return lift(ctx, [cond, branch(then), branch(otherwise)], {
    type,
    sql: ([c, t, e]) => `(CASE WHEN ${(c as SqlExpr).sql} THEN ${castSql((t as SqlExpr).sql)} ELSE ${castSql((e as SqlExpr).sql)} END)`,
    js: ([c, t, e]) => (toNumber(c ?? null) !== 0 ? (t ?? null) : (e ?? null)),
  });
}

