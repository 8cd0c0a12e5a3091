import { addMonths, parseDateTime } from "../datetime.ts";
import { fixedOffset, localToUtc } from "../timezones.ts";
import { AeSqlError } from "../errors.ts";
import { NO_FLATTEN, sqlInteger } from "../sql-builder.ts";
import type { AeType } from "../types.ts";
import type { IntervalValue, RowValue, SqlExpr } from "../values.ts";
import { type FunctionContext, lift, toNumber } from "./function-kit.ts";

/**
 * Time values in SQL are INTEGER unix seconds: a DateTime is the instant, a Date is the UTC
 * midnight that starts it. A DateTime's zone only changes how it is shown and how calendar
 * functions (toHour, toStartOfDay, ...) read it.
 */

export const SECONDS: Readonly<Record<IntervalValue["unit"], number>> = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86_400, MONTH: 0, YEAR: 0 };

/**
 * `true` when reading `zone` needs the offset table (a scalar subquery per lookup): such SQL
 * cannot take an aggregate argument, so functions use their JavaScript form for aggregates.
 */
export function needsTable(zone: string | undefined): boolean {
  return fixedOffset(zone) === undefined;
}

/** The zone a time type is read in (`undefined` = UTC). */
export function zoneOf(type: AeType): string | undefined {
  return type.kind === "DateTime" ? type.tz : undefined;
}

/** `a mod b` rounded toward minus infinity (SQLite's % truncates like C). */
export function floorMod(sql: string, modulus: number): string {
  return `(((${sql} % ${modulus}) + ${modulus}) % ${modulus})`;
}

/** An integer part of a wall-clock time via strftime (`%Y`, `%m`, `%d`, `%H`, `%M`, `%S`, `%j`, `%w`). */
export function part(format: string, localSql: string): string {
  return `CAST(strftime('${format}', ${localSql}, 'unixepoch') AS INTEGER)`;
}

/** Wall-clock seconds of a time value in its own zone (or `zone`, when given). */
export function localOf(ctx: FunctionContext, value: SqlExpr, zone?: string): string {
  if (value.type.kind === "Date") return value.sql;
  return ctx.builder.local(zone ?? zoneOf(value.type), value.sql, value.aggregate);
}

/** SQL that reads a String column as a DateTime the way toDateTime does, failing on anything else. */
export function parseDateTimeSql(ctx: FunctionContext, value: SqlExpr, zone: string | undefined): string {
  const b = ctx.builder;
  return b.let(value.sql, value.aggregate, (s) => {
    // Durable Object SQLite refuses GLOB patterns longer than 50 bytes ("LIKE or GLOB pattern too
    // complex"), so `YYYY-MM-DD hh:mm:ss` is matched as a date followed by a time.
    const datePattern = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
    const timePattern = "' [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'";
    const dateTime = `(substr(${s}, 1, 10) GLOB ${datePattern} AND substr(${s}, 11) GLOB ${timePattern})`;
    const parsed = `COALESCE(CAST(strftime('%s', ${s}) AS INTEGER), ${b.raise("Cannot parse string as DateTime (expected 'YYYY-MM-DD hh:mm:ss')")})`;
    return (
      `(CASE WHEN ${s} <> '' AND NOT ${s} GLOB '*[^0-9]*' THEN CAST(${s} AS INTEGER) ` +
      `WHEN ${s} GLOB ${datePattern} OR ${dateTime} THEN ${b.utc(zone, parsed, false)} ` +
      `ELSE ${b.raise("Cannot parse string as DateTime (expected 'YYYY-MM-DD hh:mm:ss')")} END)`
    );
  });
}

/**
 * toDateTime(value[, zone]): numbers are unix seconds (a Float64 is truncated), strings are
 * parsed, a Date becomes its midnight in `zone`, a DateTime only changes zone.
 */
export function toDateTimeValue(ctx: FunctionContext, value: RowValue, zone: string | undefined): RowValue {
  const type: AeType = { kind: "DateTime", tz: zone };
  const t = value.type;
  if (value.kind === "sql" && value.constant !== undefined) {
    const c = value.constant;
    if (t.kind === "String" && typeof c === "string") return constantTime(parseDateTime(c, zone), type);
    if (t.kind === "DateTime") return { ...value, type };
    if ((t.kind === "UInt" || t.kind === "Int" || t.kind === "Float64") && (typeof c === "number" || typeof c === "bigint")) {
      return constantTime(Math.trunc(Number(c)), type);
    }
  }
  switch (t.kind) {
    case "DateTime":
      return { ...value, type };
    case "Date":
      return lift(ctx, [value], {
        type,
        rowLevelSql: needsTable(zone),
        sql: ([v]) => ctx.builder.utc(zone, (v as SqlExpr).sql, (v as SqlExpr).aggregate),
        js: ([v]) => localToUtc(zone, toNumber(v ?? null)),
      });
    case "UInt":
    case "Int":
    case "Bool":
      return lift(ctx, [value], { type, sql: ([v]) => (v as SqlExpr).sql, js: ([v]) => toNumber(v ?? null) });
    case "Float64":
      return lift(ctx, [value], { type, sql: ([v]) => `CAST(${(v as SqlExpr).sql} AS INTEGER)`, js: ([v]) => Math.trunc(toNumber(v ?? null)) });
    case "String":
      return lift(ctx, [value], { type, rowLevelSql: needsTable(zone), sql: ([v]) => parseDateTimeSql(ctx, v as SqlExpr, zone) });
    default:
      throw new AeSqlError("type", `Illegal type of argument 1 of function ${ctx.name}: cannot convert ${t.kind} to DateTime`, ctx.pos);
  }
}

/** A known instant as a SQL literal of `type`. */
export function constantTime(seconds: number, type: AeType): SqlExpr {
  return { kind: "sql", sql: sqlInteger(seconds), type, aggregate: false, constant: seconds };
}

/**
 * `time ± INTERVAL`. Second-to-day units add seconds (days to a Date); months and years move the
 * calendar date in the value's zone and clamp the day (ClickHouse addMonths). A Date plus hours,
 * minutes or seconds becomes a DateTime, as in ClickHouse.
 */
export function addInterval(ctx: FunctionContext, time: RowValue, interval: IntervalValue, sign: 1 | -1): RowValue {
  const amount = sign * interval.amount;
  const t = time.type;
  if (interval.unit === "MONTH" || interval.unit === "YEAR") {
    const months = interval.unit === "YEAR" ? amount * 12 : amount;
    const zone = zoneOf(t);
    if (time.kind === "sql" && typeof time.constant === "number") return constantTime(addMonths(time.constant, months, zone), t);
    return lift(ctx, [time], {
      type: t,
      rowLevelSql: true,
      sql: ([v]) => addMonthsSql(ctx, v as SqlExpr, months),
      js: ([v]) => addMonths(toNumber(v ?? null), months, zone),
    });
  }
  const seconds = amount * SECONDS[interval.unit];
  const type: AeType = t.kind === "Date" && interval.unit !== "DAY" ? { kind: "DateTime", tz: undefined } : t;
  if (time.kind === "sql" && typeof time.constant === "number") return constantTime(time.constant + seconds, type);
  return lift(ctx, [time], {
    type,
    sql: ([v]) => `(${(v as SqlExpr).sql} + ${sqlInteger(seconds)})`,
    js: ([v]) => toNumber(v ?? null) + seconds,
  });
}

function addMonthsSql(ctx: FunctionContext, value: SqlExpr, months: number): string {
  const b = ctx.builder;
  const zone = zoneOf(value.type);
  const n = b.fresh();
  const local = localOf(ctx, value);
  // Each level names what the next needs; the day is clamped to the target month's length.
  const inner =
    `SELECT ${part("%Y", `__l${n}`)} * 12 + ${part("%m", `__l${n}`)} - 1 + ${sqlInteger(months)} AS __i${n}, ` +
    `${part("%d", `__l${n}`)} AS __d${n}, ${floorMod(`__l${n}`, 86_400)} AS __t${n} FROM (SELECT ${local} AS __l${n}${NO_FLATTEN})${NO_FLATTEN}`;
  const month = `printf('%04d-%02d', __i${n} / 12, __i${n} % 12 + 1)`;
  const withLength = `SELECT ${month} AS __m${n}, __d${n}, __t${n}, CAST(strftime('%d', ${month} || '-01', '+1 month', '-1 day') AS INTEGER) AS __n${n} FROM (${inner})${NO_FLATTEN}`;
  const resultLocal = `(CAST(strftime('%s', __m${n} || printf('-%02d', min(__d${n}, __n${n}))) AS INTEGER) + __t${n})`;
  return `(SELECT ${b.utc(zone, resultLocal, false)} FROM (${withLength}))`;
}
