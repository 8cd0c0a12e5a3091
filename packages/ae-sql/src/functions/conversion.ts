import { AeSqlError } from "../errors.ts";
import { type IntType, UINT32, UINT8 } from "../types.ts";
import type { RowValue, SqlExpr } from "../values.ts";
import { type FunctionContext, illegalType, lift, row, type ScalarFunction, toNumber, wrapBigInt, wrapInteger } from "./function-kit.ts";

/**
 * toUInt8 / toUInt32. Integers wrap to the width (ClickHouse converts integers modulo 2^n);
 * doubles are truncated first (the docs call negative input undefined); strings must be decimal
 * digits that fit, otherwise the query fails as in ClickHouse. A DateTime gives its seconds, a
 * Date its day number.
 */
function toUnsigned(type: IntType): ScalarFunction {
  const max = (1n << BigInt(type.bits)) - 1n;
  return {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const value = row(ctx, args[0] as RowValue, 0);
      const t = value.type;
      if (t.kind === "String") return fromString(ctx, value, type, max);
      if (!["UInt", "Int", "Bool", "Float64", "DateTime", "Date"].includes(t.kind)) throw illegalType(ctx, t, 0);
      return lift(ctx, [value], {
        type,
        sql: ([v]) => {
          const x = (v as SqlExpr).sql;
          const integer = t.kind === "Float64" ? `COALESCE(CAST(${x} AS INTEGER), 0)` : t.kind === "Date" ? `(${x} / 86400)` : x;
          return wrapInteger(integer, type);
        },
        js: ([v]) => {
          const n = typeof v === "bigint" ? v : BigInt(Math.trunc(toNumber(v ?? null) / (t.kind === "Date" ? 86_400 : 1)) || 0);
          return Number(wrapBigInt(n, type));
        },
      });
    },
  };
}

function fromString(ctx: FunctionContext, value: RowValue, type: IntType, max: bigint): RowValue {
  const name = `UInt${type.bits}`;
  if (value.kind === "sql" && typeof value.constant === "string") {
    const text = value.constant;
    if (!/^\d+$/.test(text) || BigInt(text) > max) throw new AeSqlError("type", `Cannot parse string '${text}' as ${name}`, ctx.pos);
    const n = Number(text);
    return { kind: "sql", sql: String(n), type, aggregate: false, constant: n };
  }
  const raise = ctx.builder.raise(`Cannot parse string as ${name}`);
  return lift(ctx, [value], {
    type,
    sql: ([v]) => {
      const x = v as SqlExpr;
      return ctx.builder.let(x.sql, x.aggregate, (s) => `(CASE WHEN ${s} <> '' AND NOT ${s} GLOB '*[^0-9]*' AND length(${s}) <= 20 AND CAST(${s} AS INTEGER) <= ${max} THEN CAST(${s} AS INTEGER) ELSE ${raise} END)`);
    },
  });
}

/** Type-conversion functions of the reference page. */
export const CONVERSION_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  touint8: toUnsigned(UINT8 as IntType),
  touint32: toUnsigned(UINT32 as IntType),
};
