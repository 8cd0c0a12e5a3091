import { formatDate, formatDateTime } from "../datetime.ts";
import { AeSqlError, unsupported } from "../errors.ts";
import { formatFloat } from "../text.ts";
import { STRING, UINT64, UINT8 } from "../types.ts";
import type { JsValue, RowValue, SqlExpr } from "../values.ts";
import { constantString, type FunctionContext, illegalType, lift, requireNumeric, requireString, row, type ScalarFunction, toNumber } from "./function-kit.ts";
import { localOf, needsTable } from "./time-sql.ts";

const str = (v: JsValue | undefined): string => (typeof v === "string" ? v : String(v ?? ""));
const codePoints = (s: string): string[] => [...s];

/** Maps each code point on its own and keeps it when the mapping is not one code point (ß stays ß), like ClickHouse's UTF-8 case functions. */
function mapCodePoints(s: string, f: (c: string) => string): string {
  let out = "";
  for (const c of s) {
    const mapped = f(c);
    out += [...mapped].length === 1 ? mapped : c;
  }
  return out;
}

function stringFunction(arity: readonly [number, number], build: (args: readonly RowValue[], ctx: FunctionContext) => RowValue): ScalarFunction {
  return {
    kind: "scalar",
    arity,
    compile: (args, ctx) => build(args.map((a, i) => row(ctx, a, i)), ctx),
  };
}

function substring(s: string, offset: number, length: number | undefined): string {
  const chars = codePoints(s);
  if (offset === 0) return "";
  let start = offset > 0 ? offset - 1 : chars.length + offset;
  let count = length === undefined ? chars.length : length;
  if (length !== undefined && length < 0) count = Math.max(0, chars.length - Math.max(start, 0) + length);
  if (start < 0) {
    count = length === undefined ? chars.length : Math.max(0, count + start);
    start = 0;
  }
  return chars.slice(start, start + count).join("");
}

/** The text a value contributes to format(): how ClickHouse converts it to String. */
function toText(ctx: FunctionContext, value: RowValue): { sql?: (v: SqlExpr) => string; js: (v: JsValue) => string } {
  const t = value.type;
  switch (t.kind) {
    case "String":
      return { sql: (v) => v.sql, js: str };
    case "UInt":
    case "Int":
      return { sql: (v) => `CAST(${v.sql} AS TEXT)`, js: (v) => String(v) };
    case "Bool":
      return { sql: (v) => `(CASE WHEN ${v.sql} THEN 'true' ELSE 'false' END)`, js: (v) => (toNumber(v ?? null) !== 0 ? "true" : "false") };
    case "DateTime":
      return { sql: (v) => `strftime('%Y-%m-%d %H:%M:%S', ${localOf(ctx, v)}, 'unixepoch')`, js: (v) => formatDateTime(toNumber(v ?? null), t.tz) };
    case "Date":
      return { sql: (v) => `strftime('%Y-%m-%d', ${v.sql}, 'unixepoch')`, js: (v) => formatDate(toNumber(v ?? null)) };
    case "Float64":
      // SQLite prints doubles with 15 digits ("0.1" stays "0.1" but 0.1+0.2 does not): JavaScript does it.
      return { js: (v) => formatFloat(toNumber(v ?? null)) };
    default:
      throw illegalType(ctx, t, 1);
  }
}

type FormatPiece = { kind: "text"; text: string } | { kind: "arg"; index: number };

/** Parses a format() pattern: `{}` (next argument), `{N}` (argument N, 0-based), `{{` and `}}`. */
function formatPieces(ctx: FunctionContext, pattern: string, argCount: number): FormatPiece[] {
  const pieces: FormatPiece[] = [];
  let text = "";
  let next = 0;
  let mode: "auto" | "indexed" | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if ((c === "{" && pattern[i + 1] === "{") || (c === "}" && pattern[i + 1] === "}")) {
      text += c;
      i++;
    } else if (c === "{") {
      const close = pattern.indexOf("}", i);
      const inside = close === -1 ? undefined : pattern.slice(i + 1, close);
      if (inside === undefined || !/^\d*$/.test(inside)) throw new AeSqlError("type", `format: invalid placeholder in pattern '${pattern}'`, ctx.pos);
      const style = inside === "" ? "auto" : "indexed";
      if (mode !== undefined && mode !== style) throw new AeSqlError("type", "format: cannot mix {} and {N} placeholders", ctx.pos);
      mode = style;
      const index = inside === "" ? next++ : Number(inside);
      if (index >= argCount) throw new AeSqlError("type", `format: the pattern needs argument ${index + 1} but ${argCount} were given`, ctx.pos);
      if (text !== "") pieces.push({ kind: "text", text });
      text = "";
      pieces.push({ kind: "arg", index });
      i = close;
    } else if (c === "}") {
      throw new AeSqlError("type", `format: unmatched '}' in pattern '${pattern}'`, ctx.pos);
    } else {
      text += c;
    }
  }
  if (text !== "") pieces.push({ kind: "text", text });
  return pieces;
}

/** String functions of the reference page. `length`, `position` and `substring` count code points (see README). */
export const STRING_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  length: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: UINT64, sql: ([v]) => `length(${(v as SqlExpr).sql})`, js: ([v]) => BigInt(codePoints(str(v)).length) }),
  ),
  empty: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: UINT8, sql: ([v]) => `(${(v as SqlExpr).sql} = '')`, js: ([v]) => (str(v) === "" ? 1 : 0) }),
  ),
  // SQLite's lower/upper are ASCII-only, like ClickHouse's lower/upper.
  lower: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: STRING, sql: ([v]) => `lower(${(v as SqlExpr).sql})`, js: ([v]) => str(v).replace(/[A-Z]/g, (c) => c.toLowerCase()) }),
  ),
  upper: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: STRING, sql: ([v]) => `upper(${(v as SqlExpr).sql})`, js: ([v]) => str(v).replace(/[a-z]/g, (c) => c.toUpperCase()) }),
  ),
  lowerutf8: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: STRING, js: ([v]) => mapCodePoints(str(v), (c) => c.toLowerCase()) }),
  ),
  upperutf8: stringFunction([1, 1], ([s], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0)], { type: STRING, js: ([v]) => mapCodePoints(str(v), (c) => c.toUpperCase()) }),
  ),
  startswith: stringFunction([2, 2], ([s, p], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0), requireString(ctx, p as RowValue, 1)], {
      type: UINT8,
      sql: ([v, q]) => ctx.builder.let((q as SqlExpr).sql, (q as SqlExpr).aggregate, (prefix) => `(substr(${(v as SqlExpr).sql}, 1, length(${prefix})) = ${prefix})`),
      js: ([v, q]) => (str(v).startsWith(str(q)) ? 1 : 0),
    }),
  ),
  endswith: stringFunction([2, 2], ([s, p], ctx) =>
    lift(ctx, [requireString(ctx, s as RowValue, 0), requireString(ctx, p as RowValue, 1)], {
      type: UINT8,
      sql: ([v, q]) => {
        const b = ctx.builder;
        const value = v as SqlExpr;
        const suffix = q as SqlExpr;
        return b.let(value.sql, value.aggregate, (x) =>
          b.let(suffix.sql, suffix.aggregate, (y) => `(length(${y}) <= length(${x}) AND substr(${x}, length(${x}) - length(${y}) + 1) = ${y})`),
        );
      },
      js: ([v, q]) => (str(v).endsWith(str(q)) ? 1 : 0),
    }),
  ),
  position: stringFunction([2, 3], (args, ctx) => {
    if (args.length === 3) throw unsupported("position() with a start position is not supported", ctx.pos);
    const [h, n] = args as [RowValue, RowValue];
    return lift(ctx, [requireString(ctx, h, 0), requireString(ctx, n, 1)], {
      type: UINT64,
      sql: ([x, y]) => `instr(${(x as SqlExpr).sql}, ${(y as SqlExpr).sql})`,
      js: ([x, y]) => {
        const index = str(x).indexOf(str(y));
        return BigInt(index < 0 ? 0 : codePoints(str(x).slice(0, index)).length + 1);
      },
    });
  }),
  substring: stringFunction([2, 3], (args, ctx) => {
    const s = requireString(ctx, args[0] as RowValue, 0);
    const offset = requireNumeric(ctx, args[1] as RowValue, 1);
    const length = args[2] === undefined ? undefined : requireNumeric(ctx, args[2], 2);
    const rest = length === undefined ? [s, offset] : [s, offset, length];
    return lift(ctx, rest, {
      type: STRING,
      sql: ([v, o, l]) => {
        const b = ctx.builder;
        const value = v as SqlExpr;
        const off = o as SqlExpr;
        const agg = rest.some((r) => r.aggregate);
        // ClickHouse: offset 0 gives ''; a negative length stops that many characters before the end.
        return b.let(value.sql, agg, (x) =>
          b.let(off.sql, agg, (start) => {
            if (l === undefined) return `(CASE WHEN ${start} = 0 THEN '' ELSE substr(${x}, ${start}) END)`;
            return b.let((l as SqlExpr).sql, agg, (len) => {
              const first = `(CASE WHEN ${start} > 0 THEN ${start} ELSE max(length(${x}) + ${start} + 1, 1) END)`;
              const negative = `substr(${x}, ${first}, max(length(${x}) - ${first} + 1 + ${len}, 0))`;
              return `(CASE WHEN ${start} = 0 THEN '' WHEN ${len} < 0 THEN ${negative} ELSE substr(${x}, ${start}, ${len}) END)`;
            });
          }),
        );
      },
      js: ([v, o, l]) => substring(str(v), Math.trunc(toNumber(o ?? null)), l === undefined ? undefined : Math.trunc(toNumber(l))),
    });
  }),
  format: {
    kind: "scalar",
    arity: [1, 64],
    compile(args, ctx) {
      const pattern = constantString(ctx, args[0], 0, "string (the pattern)");
      const values = args.slice(1).map((a, i) => row(ctx, a, i + 1));
      const pieces = formatPieces(ctx, pattern, values.length);
      const converters = values.map((v) => toText(ctx, v));
      const sqlPossible = converters.every((c) => c.sql !== undefined);
      return lift(ctx, values, {
        type: STRING,
        rowLevelSql: values.some((v) => v.type.kind === "DateTime" && needsTable(v.type.tz)),
        sql: sqlPossible
          ? (sqlArgs) => {
              if (pieces.length === 0) return "''";
              const parts = pieces.map((p) => (p.kind === "text" ? ctx.builder.param(p.text) : ((converters[p.index]?.sql as (v: SqlExpr) => string)(sqlArgs[p.index] as SqlExpr))));
              return `(${parts.join(" || ")})`;
            }
          : undefined,
        js: (vs) => pieces.map((p) => (p.kind === "text" ? p.text : (converters[p.index] as { js: (v: JsValue) => string }).js(vs[p.index] ?? null))).join(""),
      });
    },
  },
};
