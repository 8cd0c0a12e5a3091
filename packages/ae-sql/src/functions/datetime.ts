import { localToUtc, offsetAt, assertTimeZone } from "../timezones.ts";
import { AeSqlError, unsupported } from "../errors.ts";
import { parseDateTime } from "../datetime.ts";
import { type AeType, DATE, UINT16, UINT32, UINT8 } from "../types.ts";
import type { IntervalValue, RowValue, SqlExpr, Value } from "../values.ts";
import { constantString, type FunctionContext, illegalType, lift, row, type ScalarFunction, toNumber } from "./function-kit.ts";
import { constantTime, floorMod, localOf, needsTable, part, toDateTimeValue, zoneOf } from "./time-sql.ts";

/** Wall-clock fields of an instant in a zone (JavaScript side). */
interface LocalParts {
  local: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday, as strftime('%w'). */
  weekday: number;
}

function localParts(seconds: number, zone: string | undefined): LocalParts {
  const local = seconds + (zone === undefined ? 0 : offsetAt(zone, seconds));
  const d = new Date(local * 1000);
  return {
    local,
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

const mod = (a: number, b: number): number => ((a % b) + b) % b;

/** The zone of an optional constant zone argument, else the value's own. */
function zoneArgument(ctx: FunctionContext, args: readonly Value[], index: number, value: RowValue): string | undefined {
  const given = args[index];
  return given === undefined ? zoneOf(value.type) : assertTimeZone(constantString(ctx, given, index, "time zone name"));
}

/** A DateTime or Date argument. */
function timeArgument(ctx: FunctionContext, value: Value | undefined, index: number): RowValue {
  const v = row(ctx, value as Value, index);
  if (v.type.kind !== "DateTime" && v.type.kind !== "Date") throw illegalType(ctx, v.type, index);
  return v;
}

/** toYear, toHour, ...: one number read from the wall-clock time. */
function datePart(type: AeType, sql: (local: string) => string, js: (p: LocalParts) => number, maxArgs = 2): ScalarFunction {
  return {
    kind: "scalar",
    arity: [1, maxArgs],
    compile(args, ctx) {
      const value = timeArgument(ctx, args[0], 0);
      const zone = zoneArgument(ctx, args, 1, value);
      const isDate = value.type.kind === "Date";
      return lift(ctx, [value], {
        type,
        rowLevelSql: !isDate && needsTable(zone),
        sql: ([v]) => {
          const x = v as SqlExpr;
          return ctx.builder.let(localOf(ctx, x, zone), x.aggregate, sql);
        },
        js: ([v]) => js(localParts(toNumber(v ?? null), isDate ? undefined : zone)),
      });
    },
  };
}

interface StartOf {
  /** SQL of the UTC result from the UTC instant `t` and its wall-clock `local()`. */
  sql(ctx: FunctionContext, t: string, local: (t: string) => string, utc: (local: string) => string, aggregate: boolean): string;
  js(seconds: number, zone: string | undefined): number;
}

/** toStartOf*: a DateTime in the argument's zone (a Date argument gives a UTC DateTime). */
function startOf(rule: StartOf, maxArgs = 2): ScalarFunction {
  return {
    kind: "scalar",
    arity: [1, maxArgs],
    compile(args, ctx) {
      const value = timeArgument(ctx, args[0], 0);
      const zone = zoneArgument(ctx, args, 1, value);
      return startOfValue(ctx, value, zone, rule);
    },
  };
}

function startOfValue(ctx: FunctionContext, value: RowValue, zone: string | undefined, rule: StartOf): RowValue {
  const isDate = value.type.kind === "Date";
  const readZone = isDate ? undefined : zone;
  const type: AeType = { kind: "DateTime", tz: isDate ? undefined : zone };
  if (value.kind === "sql" && typeof value.constant === "number") return constantTime(rule.js(value.constant, readZone), type);
  return lift(ctx, [value], {
    type,
    rowLevelSql: needsTable(readZone),
    sql: ([v]) => {
      const x = v as SqlExpr;
      const b = ctx.builder;
      return b.let(x.sql, x.aggregate, (t) =>
        rule.sql(
          ctx,
          t,
          (u) => b.local(readZone, u, x.aggregate),
          (l) => b.utc(readZone, l, x.aggregate),
          x.aggregate,
        ),
      );
    },
    js: ([v]) => rule.js(toNumber(v ?? null), readZone),
  });
}

/** Rounds down in UTC seconds (ClickHouse aligns minute and second intervals to the epoch). */
function alignedUtc(step: number): StartOf {
  return {
    sql: (_ctx, t) => `(${t} - ${floorMod(t, step)})`,
    js: (s) => s - mod(s, step),
  };
}

/** Rounds down to `hours` hours counted from local midnight. */
function hours(n: number): StartOf {
  return {
    sql: (ctx, t, local, _utc, agg) =>
      ctx.builder.let(local(t), agg, (l) => (n === 1 ? `(${t} - ${floorMod(l, 3600)})` : `(${t} - ${floorMod(floorMod(l, 86_400), n * 3600)})`)),
    js: (s, zone) => {
      const l = localParts(s, zone).local;
      return n === 1 ? s - mod(l, 3600) : s - mod(mod(l, 86_400), n * 3600);
    },
  };
}

/** Rounds down to local midnight of a day number rounded down to a multiple of `n` (counted from 1970-01-01). */
function days(n: number): StartOf {
  return {
    sql: (ctx, t, local, utc, agg) =>
      ctx.builder.let(local(t), agg, (l) => {
        const dayStart = `(${l} - ${floorMod(l, 86_400)})`;
        return n === 1 ? utc(dayStart) : ctx.builder.let(`(${dayStart} / 86400)`, agg, (d) => utc(`((${d} - ${floorMod(d, n)}) * 86400)`));
      }),
    js: (s, zone) => {
      const l = localParts(s, zone).local;
      const d = Math.floor(l / 86_400);
      return localToUtc(zone, (d - mod(d, n)) * 86_400);
    },
  };
}

const week: StartOf = {
  // Monday-based (the docs; ClickHouse's default mode 0 starts on Sunday). 1970-01-01 was a Thursday.
  sql: (ctx, t, local, utc, agg) =>
    ctx.builder.let(local(t), agg, (l) => {
      const dayStart = `(${l} - ${floorMod(l, 86_400)})`;
      return ctx.builder.let(dayStart, agg, (d) => utc(`(${d} - ${floorMod(`(${d} / 86400 + 3)`, 7)} * 86400)`));
    }),
  js: (s, zone) => {
    const d = Math.floor(localParts(s, zone).local / 86_400);
    return localToUtc(zone, (d - mod(d + 3, 7)) * 86_400);
  },
};

/** Rounds down to the first of a month whose index (months since 1900-01) is a multiple of `n`. */
function months(n: number): StartOf {
  return {
    sql: (ctx, t, local, utc, agg) =>
      ctx.builder.let(local(t), agg, (l) => {
        if (n === 1) return utc(`CAST(strftime('%s', ${l}, 'unixepoch', 'start of month') AS INTEGER)`);
        return ctx.builder.let(`((${part("%Y", l)} - 1900) * 12 + ${part("%m", l)} - 1)`, agg, (i) =>
          ctx.builder.let(`(${i} - ${floorMod(i, n)})`, agg, (s) => utc(`CAST(strftime('%s', printf('%04d-%02d-01', 1900 + ${s} / 12, ${s} % 12 + 1)) AS INTEGER)`)),
        );
      }),
    js: (s, zone) => {
      const p = localParts(s, zone);
      const i = (p.year - 1900) * 12 + p.month - 1;
      const start = i - mod(i, n);
      return localToUtc(zone, Date.UTC(1900 + Math.floor(start / 12), start % 12, 1) / 1000);
    },
  };
}

function years(n: number): StartOf {
  return {
    sql: (ctx, t, local, utc, agg) =>
      ctx.builder.let(local(t), agg, (l) => {
        if (n === 1) return utc(`CAST(strftime('%s', ${l}, 'unixepoch', 'start of year') AS INTEGER)`);
        return ctx.builder.let(part("%Y", l), agg, (y) => utc(`CAST(strftime('%s', printf('%04d-01-01', ${y} - ${floorMod(y, n)})) AS INTEGER)`));
      }),
    js: (s, zone) => {
      const y = localParts(s, zone).year;
      return localToUtc(zone, Date.UTC(y - mod(y, n), 0, 1) / 1000);
    },
  };
}

function intervalRule(interval: IntervalValue): StartOf {
  const n = interval.amount;
  switch (interval.unit) {
    case "SECOND":
      return alignedUtc(n);
    case "MINUTE":
      return alignedUtc(n * 60);
    case "HOUR":
      return hours(n);
    case "DAY":
      return days(n);
    case "MONTH":
      return months(n);
    case "YEAR":
      return years(n);
  }
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** SQL CASE picking a (compiler-constant) name by number. */
function nameCase(numberSql: string, names: readonly string[], first: number, abbreviate: boolean): string {
  const whens = names.map((name, i) => `WHEN ${i + first} THEN '${abbreviate ? name.slice(0, 3) : name}'`).join(" ");
  return `(CASE ${numberSql} ${whens} END)`;
}

/**
 * formatDateTime specifiers (current ClickHouse: %M is the month name, %i the minute, %f prints
 * 000000 for a DateTime). SQL from the wall-clock seconds `l` and the UTC instant `t`.
 */
function specifierSql(ctx: FunctionContext, c: string, l: string, t: string): string {
  const strf = (f: string): string => `strftime('${f}', ${l}, 'unixepoch')`;
  const hour = part("%H", l);
  const hour12 = `printf('%02d', (${hour} + 11) % 12 + 1)`;
  const ampm = `(CASE WHEN ${hour} < 12 THEN 'AM' ELSE 'PM' END)`;
  const dayNumber = `((${l} - ${floorMod(l, 86_400)}) / 86400)`;
  const thursday = `((${dayNumber} - ${floorMod(`(${dayNumber} + 3)`, 7)} + 3) * 86400)`;
  const isoYear = `CAST(strftime('%Y', ${thursday}, 'unixepoch') AS INTEGER)`;
  switch (c) {
    case "a":
      return nameCase(part("%w", l), WEEKDAYS, 0, true);
    case "W":
      return nameCase(part("%w", l), WEEKDAYS, 0, false);
    case "b":
      return nameCase(part("%m", l), MONTHS, 1, true);
    case "M":
      return nameCase(part("%m", l), MONTHS, 1, false);
    case "c":
    case "m":
      return strf("%m");
    case "C":
      return `printf('%02d', ${part("%Y", l)} / 100)`;
    case "d":
      return strf("%d");
    case "D":
      return `(${strf("%m/%d/")} || printf('%02d', ${part("%Y", l)} % 100))`;
    case "e":
      return `printf('%2d', ${part("%d", l)})`;
    case "f":
      return "'000000'";
    case "F":
      return strf("%Y-%m-%d");
    case "g":
      return `printf('%02d', ${isoYear} % 100)`;
    case "G":
      return `printf('%04d', ${isoYear})`;
    case "V":
      return `printf('%02d', (CAST(strftime('%j', ${thursday}, 'unixepoch') AS INTEGER) - 1) / 7 + 1)`;
    case "h":
    case "I":
    case "l":
      return hour12;
    case "H":
      return strf("%H");
    case "i":
      return strf("%M");
    case "j":
      return strf("%j");
    case "k":
      return `printf('%2d', ${hour})`;
    case "n":
      return "char(10)";
    case "t":
      return "char(9)";
    case "p":
      return ampm;
    case "Q":
      return `CAST((${part("%m", l)} - 1) / 3 + 1 AS TEXT)`;
    case "r":
      return `(${hour12} || ':' || ${strf("%M")} || ' ' || ${ampm})`;
    case "R":
      return strf("%H:%M");
    case "s":
    case "S":
      return strf("%S");
    case "T":
      return strf("%H:%M:%S");
    case "u":
      return `CAST((${part("%w", l)} + 6) % 7 + 1 AS TEXT)`;
    case "w":
      return strf("%w");
    case "y":
      return `printf('%02d', ${part("%Y", l)} % 100)`;
    case "Y":
      return strf("%Y");
    case "z":
      return `(CASE WHEN ${l} - ${t} < 0 THEN '-' ELSE '+' END || printf('%02d%02d', abs(${l} - ${t}) / 3600, abs(${l} - ${t}) % 3600 / 60))`;
    case "%":
      return "'%'";
    default:
      throw unsupported(`formatDateTime: the format specifier %${c} is not supported`, ctx.pos);
  }
}

/** Date and time functions of the reference page. Every computation is in UTC unless a zone is given or carried. */
export const DATETIME_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  now: {
    kind: "scalar",
    arity: [0, 1],
    compile(args, ctx) {
      const zone = args[0] === undefined ? undefined : assertTimeZone(constantString(ctx, args[0], 0, "time zone name"));
      return constantTime(ctx.now, { kind: "DateTime", tz: zone });
    },
  },
  today: {
    kind: "scalar",
    arity: [0, 0],
    compile: (_args, ctx) => constantTime(Math.floor(ctx.now / 86_400) * 86_400, DATE),
  },
  todatetime: {
    kind: "scalar",
    arity: [1, 2],
    compile(args, ctx) {
      const value = row(ctx, args[0] as Value, 0);
      const zone = args[1] === undefined ? undefined : assertTimeZone(constantString(ctx, args[1], 1, "time zone name"));
      return toDateTimeValue(ctx, value, zone);
    },
  },
  tounixtimestamp: {
    kind: "scalar",
    arity: [1, 2],
    compile(args, ctx) {
      const value = row(ctx, args[0] as Value, 0);
      const zone = args[1] === undefined ? undefined : assertTimeZone(constantString(ctx, args[1], 1, "time zone name"));
      if (value.type.kind === "String") {
        if (value.kind === "sql" && typeof value.constant === "string") {
          const seconds = parseDateTime(value.constant, zone);
          return { kind: "sql", sql: String(seconds), type: UINT32, aggregate: false, constant: seconds };
        }
        return { ...toDateTimeValue(ctx, value, zone), type: UINT32 };
      }
      if (value.type.kind !== "DateTime" && value.type.kind !== "Date") throw illegalType(ctx, value.type, 0);
      return { ...value, type: UINT32 };
    },
  },
  toyear: datePart(UINT16, (l) => part("%Y", l), (p) => p.year),
  tomonth: datePart(UINT8, (l) => part("%m", l), (p) => p.month),
  todayofmonth: datePart(UINT8, (l) => part("%d", l), (p) => p.day),
  tohour: datePart(UINT8, (l) => part("%H", l), (p) => p.hour),
  tominute: datePart(UINT8, (l) => part("%M", l), (p) => p.minute),
  tosecond: datePart(UINT8, (l) => part("%S", l), (p) => p.second),
  // Monday = 1 ... Sunday = 7. ClickHouse's optional `mode` argument is not supported.
  todayofweek: datePart(UINT8, (l) => `((${part("%w", l)} + 6) % 7 + 1)`, (p) => ((p.weekday + 6) % 7) + 1, 1),
  toyyyymm: datePart(UINT32, (l) => `(${part("%Y", l)} * 100 + ${part("%m", l)})`, (p) => p.year * 100 + p.month),
  tostartofyear: startOf(years(1)),
  tostartofmonth: startOf(months(1)),
  tostartofweek: startOf(week, 1),
  tostartofday: startOf(days(1)),
  tostartofhour: startOf(hours(1)),
  tostartoffifteenminutes: startOf(alignedUtc(900)),
  tostartoftenminutes: startOf(alignedUtc(600)),
  tostartoffiveminutes: startOf(alignedUtc(300)),
  tostartofminute: startOf(alignedUtc(60)),
  tostartofinterval: {
    kind: "scalar",
    arity: [2, 3],
    compile(args, ctx) {
      const value = timeArgument(ctx, args[0], 0);
      const interval = args[1];
      if (interval?.kind !== "interval") throw new AeSqlError("type", `argument 2 of function ${ctx.name} must be an INTERVAL`, ctx.pos);
      if (interval.amount <= 0) throw new AeSqlError("type", `the INTERVAL of ${ctx.name} must be positive`, ctx.pos);
      const zone = zoneArgument(ctx, args, 2, value);
      return startOfValue(ctx, value, zone, intervalRule(interval));
    },
  },
  formatdatetime: {
    kind: "scalar",
    arity: [2, 3],
    compile(args, ctx) {
      const value = timeArgument(ctx, args[0], 0);
      const format = constantString(ctx, args[1], 1, "format string");
      const zone = zoneArgument(ctx, args, 2, value);
      const isDate = value.type.kind === "Date";
      return lift(ctx, [value], {
        type: { kind: "String" },
        rowLevelSql: !isDate && needsTable(zone),
        sql: ([v]) => {
          const x = v as SqlExpr;
          const b = ctx.builder;
          return b.let(x.sql, x.aggregate, (t) =>
            b.let(isDate ? t : b.local(zone, t, x.aggregate), x.aggregate, (l) => {
              const pieces: string[] = [];
              let text = "";
              for (let i = 0; i < format.length; i++) {
                const c = format[i] as string;
                if (c === "%" && i + 1 < format.length) {
                  if (text !== "") pieces.push(b.param(text));
                  text = "";
                  pieces.push(specifierSql(ctx, format[++i] as string, l, t));
                } else {
                  text += c;
                }
              }
              if (text !== "") pieces.push(b.param(text));
              return pieces.length === 0 ? "''" : `(${pieces.join(" || ")})`;
            }),
          );
        },
      });
    },
  },
};
