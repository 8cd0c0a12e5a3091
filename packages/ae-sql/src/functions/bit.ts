import { floatBitsSql } from "../float-bits.ts";
import type { SqlBuilder } from "../sql-builder.ts";
import { type AeType, asIntType, bitType, type IntType, INT64, UINT8 } from "../types.ts";
import type { JsValue, RowValue, SqlExpr } from "../values.ts";
import {
  type FunctionContext,
  illegalType,
  integerArgument,
  lift,
  logicalShiftRight,
  row,
  type ScalarFunction,
  toNumber,
  unsignedPattern,
  wrapBigInt,
  wrapInteger,
} from "./function-kit.ts";

/**
 * Bit functions. Literals are typed by value (128 is UInt8), so shifts and rotations wrap at
 * the literal's width: bitShiftLeft(128, 1) = 0 and bitRotateLeft(128, 1) = 1, as the docs show.
 * A Float64 argument is truncated to Int64, except in bitCount, which counts the bits of the
 * double's IEEE-754 representation (documented).
 */

/** The integer type an argument is computed in (Float64 → Int64, DateTime → UInt32). */
function intTypeOf(ctx: FunctionContext, value: RowValue, index: number): IntType {
  const int = asIntType(value.type);
  if (int !== undefined) return int;
  if (value.type.kind === "Float64") return INT64 as IntType;
  if (value.type.kind === "DateTime") return { kind: "UInt", bits: 32 };
  throw illegalType(ctx, value.type, index);
}

function intSql(ctx: FunctionContext, value: RowValue, index: number): string {
  return integerArgument(ctx, value as SqlExpr, index).sql;
}

/** A JsValue as a bigint in `type` (doubles truncated). */
function big(value: JsValue, type: IntType): bigint {
  const v = typeof value === "bigint" ? value : BigInt(Math.trunc(toNumber(value)) || 0);
  return wrapBigInt(v, type);
}

/**
 * Number of 1 bits of an int64 pattern, summing each bit (no arithmetic that could overflow).
 * The sum is a balanced tree: a chain `b0 + b1 + ... + b63` is an expression 64 levels deep, and
 * workerd's SQLite refuses expressions deeper than 100 ("Expression tree is too large") once the
 * query around it adds its own levels; balanced, 64 bits are 6 levels.
 */
function popcountSql(b: SqlBuilder, sql: string, bits: number, aggregate: boolean): string {
  return b.let(sql, aggregate, (v) => balancedSum(Array.from({ length: bits }, (_, i) => `((${v} >> ${i}) & 1)`)));
}

/** `terms` added pairwise, so the expression is ceil(log2(n)) additions deep instead of n. */
function balancedSum(terms: readonly string[]): string {
  if (terms.length === 0) return "0";
  if (terms.length === 1) return terms[0] as string;
  const half = Math.ceil(terms.length / 2);
  return `(${balancedSum(terms.slice(0, half))} + ${balancedSum(terms.slice(half))})`;
}

function popcountJs(value: bigint, bits: number): number {
  let pattern = BigInt.asUintN(bits, value);
  let count = 0;
  while (pattern > 0n) {
    count += Number(pattern & 1n);
    pattern >>= 1n;
  }
  return count;
}

function floatBitCountJs(x: number): number {
  if (Number.isNaN(x)) return popcountJs(0x7ff8000000000000n, 64);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return popcountJs(view.getBigUint64(0), 64);
}

function binary(name: "and" | "or" | "xor"): ScalarFunction {
  return {
    kind: "scalar",
    arity: [2, 2],
    compile(args, ctx) {
      const [a, b] = args.map((v, i) => row(ctx, v, i)) as [RowValue, RowValue];
      const type = bitType(intTypeOf(ctx, a, 0), intTypeOf(ctx, b, 1)) as IntType;
      return lift(ctx, [a, b], {
        type,
        sql: () => {
          const x = intSql(ctx, a, 0);
          const y = intSql(ctx, b, 1);
          const op = name === "and" ? `(${x} & ${y})` : name === "or" ? `(${x} | ${y})` : `((${x} | ${y}) & ~(${x} & ${y}))`;
          return wrapInteger(op, type);
        },
        js: ([x, y]) => {
          const p = big(x ?? null, INT64 as IntType);
          const q = big(y ?? null, INT64 as IntType);
          return fromBig(wrapBigInt(name === "and" ? p & q : name === "or" ? p | q : p ^ q, type), type);
        },
      });
    },
  };
}

/** A bigint in the JavaScript representation of `type` (numbers below 64 bits). */
function fromBig(value: bigint, type: AeType): JsValue {
  return type.kind === "UInt" || type.kind === "Int" ? (type.bits === 64 ? value : Number(value)) : Number(value);
}

function shift(direction: "left" | "right"): ScalarFunction {
  return {
    kind: "scalar",
    arity: [2, 2],
    compile(args, ctx) {
      const [a, n] = args.map((v, i) => row(ctx, v, i)) as [RowValue, RowValue];
      const type = intTypeOf(ctx, a, 0);
      intTypeOf(ctx, n, 1);
      const negative = ctx.builder.raise(`${ctx.name}: the shift must not be negative`);
      return lift(ctx, [a, n], {
        type,
        sql: () => {
          const x = intSql(ctx, a, 0);
          const s = intSql(ctx, n, 1);
          const shifted = direction === "left" ? wrapInteger(`(${x} << ${s})`, type) : type.kind === "UInt" ? logicalShiftRight(x, s, type.bits) : `(${x} >> ${s})`;
          return `(CASE WHEN ${s} < 0 THEN ${negative} ELSE ${shifted} END)`;
        },
        js: ([x, s]) => {
          const v = big(x ?? null, type);
          const by = BigInt(Math.trunc(toNumber(s ?? null)));
          if (direction === "left") return fromBig(by >= BigInt(type.bits) ? 0n : wrapBigInt(v << by, type), type);
          const pattern = type.kind === "UInt" ? BigInt.asUintN(type.bits, v) : v;
          return fromBig(wrapBigInt(pattern >> by, type), type);
        },
      });
    },
  };
}

function rotate(direction: "left" | "right"): ScalarFunction {
  return {
    kind: "scalar",
    arity: [2, 2],
    compile(args, ctx) {
      const [a, n] = args.map((v, i) => row(ctx, v, i)) as [RowValue, RowValue];
      const type = intTypeOf(ctx, a, 0);
      intTypeOf(ctx, n, 1);
      const bits = type.bits;
      return lift(ctx, [a, n], {
        type,
        rowLevelSql: true,
        sql: () => {
          const b = ctx.builder;
          const aggregate = a.aggregate || n.aggregate;
          return b.let(unsignedPattern(intSql(ctx, a, 0), type), aggregate, (u) =>
            b.let(intSql(ctx, n, 1), aggregate, (s) => {
              const k = direction === "left" ? `(((${s} % ${bits}) + ${bits}) % ${bits})` : `((${bits} - (((${s} % ${bits}) + ${bits}) % ${bits})) % ${bits})`;
              return b.let(k, aggregate, (r) => {
                const rotated = `((${u} << ${r}) | ${logicalShiftRight(u, `(${bits} - ${r})`, bits)})`;
                return wrapInteger(`(CASE WHEN ${r} = 0 THEN ${u} ELSE ${rotated} END)`, type);
              });
            }),
          );
        },
        js: ([x, s]) => {
          const w = BigInt(bits);
          const u = BigInt.asUintN(bits, big(x ?? null, type));
          let k = BigInt(Math.trunc(toNumber(s ?? null))) % w;
          if (k < 0n) k += w;
          if (direction === "right") k = (w - k) % w;
          const rotated = k === 0n ? u : BigInt.asUintN(bits, (u << k) | (u >> (w - k)));
          return fromBig(wrapBigInt(rotated, type), type);
        },
      });
    },
  };
}

/** Bit functions of the reference page. */
export const BIT_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  bitand: binary("and"),
  bitor: binary("or"),
  bitxor: binary("xor"),
  bitnot: {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const a = row(ctx, args[0] as RowValue, 0);
      const type = intTypeOf(ctx, a, 0);
      return lift(ctx, [a], {
        type,
        sql: () => wrapInteger(`(~${intSql(ctx, a, 0)})`, type),
        js: ([x]) => fromBig(wrapBigInt(~big(x ?? null, type), type), type),
      });
    },
  },
  bitshiftleft: shift("left"),
  bitshiftright: shift("right"),
  bitrotateleft: rotate("left"),
  bitrotateright: rotate("right"),
  bittest: {
    kind: "scalar",
    arity: [2, 2],
    compile(args, ctx) {
      // ClickHouse numbers bits from 0 at the right: bitTest(2, 1) = 1. The docs' example says 0
      // (1-based numbering); we follow ClickHouse (see README).
      const [a, n] = args.map((v, i) => row(ctx, v, i)) as [RowValue, RowValue];
      const type = intTypeOf(ctx, a, 0);
      intTypeOf(ctx, n, 1);
      return lift(ctx, [a, n], {
        type: UINT8,
        sql: () => `((${intSql(ctx, a, 0)} >> ${intSql(ctx, n, 1)}) & 1)`,
        js: ([x, s]) => Number((big(x ?? null, type) >> BigInt(Math.trunc(toNumber(s ?? null)))) & 1n),
      });
    },
  },
  bitcount: {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const a = row(ctx, args[0] as RowValue, 0);
      if (a.type.kind === "Float64") {
        return lift(ctx, [a], {
          type: UINT8,
          rowLevelSql: true,
          sql: ([v]) => popcountSql(ctx.builder, floatBitsSql(ctx.builder, (v as SqlExpr).sql), 64, false),
          js: ([x]) => floatBitCountJs(toNumber(x ?? null)),
        });
      }
      const type = intTypeOf(ctx, a, 0);
      return lift(ctx, [a], {
        type: UINT8,
        rowLevelSql: true,
        sql: ([v]) => popcountSql(ctx.builder, unsignedPattern(intSql(ctx, v as SqlExpr, 0), type), type.bits, false),
        js: ([x]) => popcountJs(big(x ?? null, type), type.bits),
      });
    },
  },
  bithammingdistance: {
    kind: "scalar",
    arity: [2, 2],
    compile(args, ctx) {
      // ClickHouse XORs both values widened to UInt64 (so a negative Int8 counts 64 bits).
      const [a, b] = args.map((v, i) => row(ctx, v, i)) as [RowValue, RowValue];
      const ta = intTypeOf(ctx, a, 0);
      const tb = intTypeOf(ctx, b, 1);
      return lift(ctx, [a, b], {
        type: UINT8,
        rowLevelSql: true,
        sql: () => {
          const x = intSql(ctx, a, 0);
          const y = intSql(ctx, b, 1);
          return popcountSql(ctx.builder, `((${x} | ${y}) & ~(${x} & ${y}))`, 64, false);
        },
        js: ([x, y]) => popcountJs(big(x ?? null, ta) ^ big(y ?? null, tb), 64),
      });
    },
  },
};
