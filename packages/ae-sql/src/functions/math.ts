import { unsupported } from "../errors.ts";
import { asIntType, FLOAT64, typeName } from "../types.ts";
import type { JsValue, RowValue, SqlExpr } from "../values.ts";
import { constantInteger, lift, requireNumeric, row, type ScalarFunction, toNumber } from "./function-kit.ts";
import { intDiv } from "./operators.ts";

// Doubles at or above 2^52 are whole numbers already, and CAST(... AS INTEGER) saturates beyond 2^63.
const WHOLE = "4503599627370496.0";

type Rounding = "round" | "floor" | "ceil";

/** SQL rounding of a REAL to a whole number: round is banker's rounding (ClickHouse on floats: nearbyint). */
function roundSql(kind: Rounding, y: string): string {
  const t = `CAST(${y} AS INTEGER)`;
  // Not SQLite's round(): it formats through its printf with 15-16 digits, so round(267.49999999999997)
  // is 268 there and 267 in ClickHouse (nearbyint). The fraction y - trunc(y) is exact below 2^52.
  const whole =
    kind === "floor"
      ? `${t} - (${y} < ${t})`
      : kind === "ceil"
        ? `${t} + (${y} > ${t})`
        : `CASE WHEN ${y} - ${t} > 0.5 THEN ${t} + 1 WHEN ${y} - ${t} < -0.5 THEN ${t} - 1 ` +
          `WHEN ${y} - ${t} = 0.5 THEN ${t} + abs(${t} % 2) WHEN ${y} - ${t} = -0.5 THEN ${t} - abs(${t} % 2) ELSE ${t} END`;
  return `(CASE WHEN abs(${y}) >= ${WHOLE} THEN ${y} ELSE CAST(${whole} AS REAL) END)`;
}

function roundJs(kind: Rounding, y: number): number {
  if (kind === "floor") return Math.floor(y);
  if (kind === "ceil") return Math.ceil(y);
  const f = Math.floor(y);
  const diff = y - f;
  if (diff !== 0.5) return Math.round(y);
  return f % 2 === 0 ? f : f + 1;
}

/** round/floor/ceil(x[, n]): n decimal places (negative: tens, hundreds...); integers are returned as they are for n >= 0. */
function rounding(kind: Rounding): ScalarFunction {
  return {
    kind: "scalar",
    arity: [1, 2],
    compile(args, ctx) {
      const x = requireNumeric(ctx, row(ctx, args[0] as RowValue, 0), 0);
      const digits = args.length > 1 ? constantInteger(ctx, args[1], 1, "integer (decimal places)") : 0;
      if (asIntType(x.type) !== undefined) {
        if (digits >= 0) return x;
        throw unsupported(`${ctx.name}(${typeName(x.type)}, ${digits}) (rounding an integer to tens) is not supported by the local emulator`, ctx.pos);
      }
      const scale = 10 ** Math.abs(digits);
      const scaleSql = ctx.builder.real(scale);
      return lift(ctx, [x], {
        type: FLOAT64,
        sql: ([v]) => {
          const value = v as SqlExpr;
          return ctx.builder.let(value.sql, value.aggregate, (y) => {
            if (digits === 0) return roundSql(kind, y);
            // ClickHouse scales, rounds, and scales back: floor(3.14, 1) = floor(31.400000000000002) / 10.
            return digits > 0 ? `(${roundSql(kind, `(${y} * ${scaleSql})`)} / ${scaleSql})` : `(${roundSql(kind, `(${y} / ${scaleSql})`)} * ${scaleSql})`;
          });
        },
        js: ([v]) => {
          const y = toNumber(v ?? null);
          if (!Number.isFinite(y)) return y;
          return digits > 0 ? roundJs(kind, y * scale) / scale : digits < 0 ? roundJs(kind, y / scale) * scale : roundJs(kind, y);
        },
      });
    },
  };
}

function jsOnlyFloat(fn: (values: readonly number[]) => number, arity: number): ScalarFunction {
  return {
    kind: "scalar",
    arity: [arity, arity],
    compile(args, ctx) {
      // SQLite's math functions are a compile-time option workerd may not have: computed in JavaScript.
      const values = args.map((a, i) => requireNumeric(ctx, row(ctx, a, i), i));
      return lift(ctx, values, { type: FLOAT64, js: (vs: readonly JsValue[]) => fn(vs.map((v) => toNumber(v ?? null))) });
    },
  };
}

/** Mathematical functions of the reference page (plus abs from the 2025-09-26 changelog). */
export const MATH_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  intdiv: { kind: "scalar", arity: [2, 2], compile: ([a, b], ctx) => intDiv(ctx, a as RowValue, b as RowValue) },
  log: jsOnlyFloat(([x]) => Math.log(x as number), 1),
  ln: jsOnlyFloat(([x]) => Math.log(x as number), 1),
  pow: jsOnlyFloat(([x, y]) => (x as number) ** (y as number), 2),
  power: jsOnlyFloat(([x, y]) => (x as number) ** (y as number), 2),
  round: rounding("round"),
  floor: rounding("floor"),
  ceil: rounding("ceil"),
  ceiling: rounding("ceil"),
  abs: {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const x = requireNumeric(ctx, row(ctx, args[0] as RowValue, 0), 0);
      const int = asIntType(x.type);
      // ClickHouse: abs(Int8) is UInt8 (so abs(-128) fits).
      const type = int === undefined ? FLOAT64 : { kind: "UInt" as const, bits: int.bits };
      return lift(ctx, [x], {
        type,
        sql: ([v]) => `abs(${(v as SqlExpr).sql})`,
        js: ([v]) => (typeof v === "bigint" ? (v < 0n ? -v : v) : Math.abs(toNumber(v ?? null))),
      });
    },
  },
};
