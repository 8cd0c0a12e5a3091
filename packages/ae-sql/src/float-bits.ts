import { NO_FLATTEN, type SqlBuilder } from "./sql-builder.ts";

/**
 * SQL giving the IEEE-754 bit pattern of a REAL as an int64 (NULL for NULL/nan). SQLite cannot
 * reinterpret a double's bytes and prints/parses decimals inexactly, so the exponent is found by
 * scaling with powers of two (exact in binary floating point), one nested SELECT per step, and
 * the mantissa is then an exact integer. Used for bitCount(Float64) and to move doubles exactly
 * through json_group_array. `sql` must be a row-level expression (no aggregate).
 */
export function floatBitsSql(b: SqlBuilder, sql: string): string {
  return b.let(sql, false, (x) => {
    const n = b.fresh();
    const a = `__a${n}`;
    const e = `__e${n}`;
    // 2^32 .. 2^512 are not exact integer literals; bound as REAL parameters (bound doubles are exact).
    const pow = (k: number): string => (k <= 16 ? `${2 ** k}.0` : b.param(2 ** k));
    let level = `SELECT abs(${x}) AS ${a}, 0 AS ${e}${NO_FLATTEN}`;
    for (const k of [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]) {
      level = `SELECT CASE WHEN ${a} >= ${pow(k)} THEN ${a} / ${pow(k)} ELSE ${a} END AS ${a}, ${e} + CASE WHEN ${a} >= ${pow(k)} THEN ${k} ELSE 0 END AS ${e} FROM (${level})${NO_FLATTEN}`;
    }
    for (const k of [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]) {
      level = `SELECT CASE WHEN ${a} * ${pow(k)} < 2 THEN ${a} * ${pow(k)} ELSE ${a} END AS ${a}, ${e} - CASE WHEN ${a} * ${pow(k)} < 2 THEN ${k} ELSE 0 END AS ${e} FROM (${level})${NO_FLATTEN}`;
    }
    const sign = `(CASE WHEN ${x} < 0 THEN (1 << 63) ELSE 0 END)`;
    const normal = `(SELECT ((${e} + 1023) << 52) | CAST((${a} - 1.0) * ${pow(52)} AS INTEGER) FROM (${level}))`;
    const subnormal = `CAST(abs(${x}) * ${pow(512)} * ${pow(512)} * ${pow(50)} AS INTEGER)`;
    return (
      `(CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} = 0 THEN 0 ` +
      `WHEN abs(${x}) = 9e999 THEN ${sign} | ${0x7ffn << 52n} ` +
      `WHEN abs(${x}) < ${b.real(2 ** -1022)} THEN ${sign} | ${subnormal} ` +
      `ELSE ${sign} | ${normal} END)`
    );
  });
}

/** The double whose IEEE-754 bit pattern is this (signed) int64, given as decimal text or bigint. */
export function doubleFromBits(bits: string | bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt.asUintN(64, BigInt(bits)));
  return view.getFloat64(0);
}
