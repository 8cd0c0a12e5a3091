import { AeSqlError } from "../errors.ts";
import { asIntType, type IntType, STRING } from "../types.ts";
import type { JsValue, RowValue, SqlExpr } from "../values.ts";
import { type FunctionContext, illegalType, lift, row, type ScalarFunction, toNumber, unsignedPattern, wrapBigInt } from "./function-kit.ts";

/**
 * hex and bin as in ClickHouse: strings by their UTF-8 bytes; integers most significant byte
 * first with leading zero bytes left out (at least one byte); doubles by their in-memory
 * (little-endian) bytes; a DateTime as its UInt32 seconds and a Date as its UInt16 day number.
 */

function bytesOf(type: RowValue["type"], value: JsValue): number[] {
  if (type.kind === "String") return [...new TextEncoder().encode(typeof value === "string" ? value : String(value))];
  if (type.kind === "Float64") {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, toNumber(value), true);
    return [...new Uint8Array(view.buffer)];
  }
  const int = integerView(type);
  let pattern = BigInt.asUintN(int.bits, wrapBigInt(typeof value === "bigint" ? value : BigInt(Math.trunc(toNumber(value) / (type.kind === "Date" ? 86_400 : 1))), int));
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(pattern & 0xffn));
    pattern >>= 8n;
  } while (pattern > 0n);
  return bytes;
}

function integerView(type: RowValue["type"]): IntType {
  const int = asIntType(type);
  if (int !== undefined) return int;
  if (type.kind === "DateTime") return { kind: "UInt", bits: 32 };
  if (type.kind === "Date") return { kind: "UInt", bits: 16 };
  throw new AeSqlError("type", `cannot encode a ${type.kind}`);
}

function checkType(ctx: FunctionContext, value: RowValue): void {
  const kind = value.type.kind;
  if (!["String", "Float64", "UInt", "Int", "Bool", "DateTime", "Date"].includes(kind)) throw illegalType(ctx, value.type, 0);
}

/** Encoding functions of the reference page. */
export const ENCODING_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  hex: {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const value = row(ctx, args[0] as RowValue, 0);
      checkType(ctx, value);
      const t = value.type;
      return lift(ctx, [value], {
        type: STRING,
        sql:
          t.kind === "Float64"
            ? undefined
            : ([v]) => {
                const x = v as SqlExpr;
                // SQLite's hex() of TEXT is its UTF-8 bytes, upper-case: ClickHouse's hex of a String.
                if (t.kind === "String") return `hex(${x.sql})`;
                const int = integerView(t);
                const source = t.kind === "Date" ? `(${x.sql} / 86400)` : x.sql;
                return ctx.builder.let(`printf('%X', ${unsignedPattern(source, int)})`, x.aggregate, (h) => `(CASE WHEN length(${h}) % 2 = 1 THEN '0' || ${h} ELSE ${h} END)`);
              },
        js: ([v]) =>
          bytesOf(t, v ?? null)
            .map((b) => b.toString(16).toUpperCase().padStart(2, "0"))
            .join(""),
      });
    },
  },
  bin: {
    kind: "scalar",
    arity: [1, 1],
    compile(args, ctx) {
      const value = row(ctx, args[0] as RowValue, 0);
      checkType(ctx, value);
      const t = value.type;
      // SQLite has no binary formatting: computed in JavaScript.
      return lift(ctx, [value], {
        type: STRING,
        js: ([v]) =>
          bytesOf(t, v ?? null)
            .map((b) => b.toString(2).padStart(8, "0"))
            .join(""),
      });
    },
  },
};
