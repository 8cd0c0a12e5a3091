import type { IntervalUnit } from "./ast.ts";

/** Integer widths of ClickHouse's UInt/Int types. */
export type IntBits = 8 | 16 | 32 | 64;

/**
 * ClickHouse result types the dialect produces. A DateTime carries the time zone it is displayed
 * in (`undefined`: the server's, always UTC for Analytics Engine).
 */
export type AeType =
  | { readonly kind: "UInt"; readonly bits: IntBits }
  | { readonly kind: "Int"; readonly bits: IntBits }
  | { readonly kind: "Float64" }
  | { readonly kind: "String" }
  | { readonly kind: "Bool" }
  | { readonly kind: "DateTime"; readonly tz: string | undefined }
  | { readonly kind: "Date" }
  | { readonly kind: "Array"; readonly element: AeType }
  | { readonly kind: "Interval"; readonly unit: IntervalUnit };

// The types the compiler names most often.
/** ClickHouse UInt8 (comparisons, small literals). */
export const UINT8: AeType = { kind: "UInt", bits: 8 };
/** ClickHouse UInt16 (toYear). */
export const UINT16: AeType = { kind: "UInt", bits: 16 };
/** ClickHouse UInt32 (_sample_interval, toUnixTimestamp). */
export const UINT32: AeType = { kind: "UInt", bits: 32 };
/** ClickHouse UInt64 (count, sums of unsigned integers). */
export const UINT64: AeType = { kind: "UInt", bits: 64 };
/** ClickHouse Int64 (sums of signed integers). */
export const INT64: AeType = { kind: "Int", bits: 64 };
/** ClickHouse Float64 (the double columns, `/`, avg). */
export const FLOAT64: AeType = { kind: "Float64" };
/** ClickHouse String (index1, blobs). */
export const STRING: AeType = { kind: "String" };
/** ClickHouse Bool (`true`/`false` literals). */
export const BOOL: AeType = { kind: "Bool" };
/** ClickHouse Date (today()). */
export const DATE: AeType = { kind: "Date" };
/** ClickHouse DateTime in the server zone (timestamp, now()). */
export const DATETIME: AeType = { kind: "DateTime", tz: undefined };

/** Integer types (UInt*, Int*), with Bool counted as the UInt8 it is stored as. */
export type IntType = Extract<AeType, { kind: "UInt" | "Int" }>;

/**
 * The name ClickHouse puts in `meta[].type`.
 * @example typeName({ kind: "DateTime", tz: "America/New_York" }) // "DateTime('America/New_York')"
 */
export function typeName(type: AeType): string {
  switch (type.kind) {
    case "UInt":
    case "Int":
      return `${type.kind}${type.bits}`;
    case "DateTime":
      return type.tz === undefined ? "DateTime" : `DateTime('${type.tz}')`;
    case "Array":
      return `Array(${typeName(type.element)})`;
    case "Interval":
      return `Interval${type.unit[0]}${type.unit.slice(1).toLowerCase()}`;
    default:
      return type.kind;
  }
}

/** Numbers, Bool included. */
export const isNumeric = (t: AeType): boolean => t.kind === "UInt" || t.kind === "Int" || t.kind === "Float64" || t.kind === "Bool";
/** Integers, Bool included. */
export const isInteger = (t: AeType): boolean => t.kind === "UInt" || t.kind === "Int" || t.kind === "Bool";
/** DateTime or Date. */
export const isTime = (t: AeType): boolean => t.kind === "DateTime" || t.kind === "Date";

/** An integer type viewed as UInt/Int (Bool is UInt8). */
export function asIntType(t: AeType): IntType | undefined {
  if (t.kind === "Bool") return { kind: "UInt", bits: 8 };
  return t.kind === "UInt" || t.kind === "Int" ? t : undefined;
}

/** `true` when 64-bit: SQLite holds them exactly, JavaScript numbers do not. */
export const is64BitInteger = (t: AeType): boolean => (t.kind === "UInt" || t.kind === "Int") && t.bits === 64;

function nextBits(bits: number): IntBits {
  return (bits >= 64 ? 64 : bits * 2) as IntBits;
}

function intOf(signed: boolean, bits: number): AeType {
  return { kind: signed ? "Int" : "UInt", bits: Math.min(64, bits) as IntBits };
}

/**
 * Result type of `+` and `*` (ClickHouse ResultOfAdditionMultiplication): one size up, signed if
 * either side is, Float64 if either side is a float.
 */
export function additionType(a: AeType, b: AeType): AeType {
  const x = asIntType(a);
  const y = asIntType(b);
  if (x === undefined || y === undefined) return FLOAT64;
  return intOf(x.kind === "Int" || y.kind === "Int", nextBits(Math.max(x.bits, y.bits)));
}

/** Result type of `-` (ClickHouse ResultOfSubtraction): always signed, one size up. */
export function subtractionType(a: AeType, b: AeType): AeType {
  const x = asIntType(a);
  const y = asIntType(b);
  if (x === undefined || y === undefined) return FLOAT64;
  return intOf(true, nextBits(Math.max(x.bits, y.bits)));
}

/** Result type of `%` (ClickHouse ResultOfModulo): the divisor's size, one up if the dividend is signed. */
export function moduloType(a: AeType, b: AeType): AeType {
  const x = asIntType(a);
  const y = asIntType(b);
  if (x === undefined || y === undefined) return FLOAT64;
  const signed = x.kind === "Int";
  return intOf(signed, signed ? nextBits(y.bits) : y.bits);
}

/** Result type of intDiv (ClickHouse ResultOfIntegerDivision): the dividend's size; a float dividend gives Int64. */
export function integerDivisionType(a: AeType, b: AeType): AeType {
  const x = asIntType(a);
  const y = asIntType(b);
  if (x === undefined) return INT64;
  return intOf(x.kind === "Int" || y?.kind === "Int" || y === undefined, x.bits);
}

/** Result type of unary minus (ClickHouse ResultOfNegate): signed, one size up for unsigned input. */
export function negateType(a: AeType): AeType {
  const x = asIntType(a);
  if (x === undefined) return FLOAT64;
  return x.kind === "Int" ? x : intOf(true, nextBits(x.bits));
}

/**
 * Result type of bitAnd/bitOr/bitXor (ClickHouse ResultOfBit): signed if either is, as wide as
 * their common supertype (Int8 with UInt8 is Int16).
 */
export function bitType(a: IntType, b: IntType): AeType {
  if (a.kind === b.kind) return intOf(a.kind === "Int", Math.max(a.bits, b.bits));
  const signed = a.kind === "Int" ? a : b;
  const unsigned = a.kind === "Int" ? b : a;
  return intOf(true, Math.max(signed.bits, nextBits(unsigned.bits)));
}

/**
 * The smallest type both values convert to (ClickHouse getLeastSupertype), or `undefined` when
 * there is none (String and a number, for instance).
 */
export function leastSupertype(a: AeType, b: AeType): AeType | undefined {
  if (typeName(a) === typeName(b)) return a;
  if (a.kind === "DateTime" && b.kind === "DateTime") return a;
  if (isTime(a) && isTime(b)) return a.kind === "DateTime" ? a : b;
  if (!isNumeric(a) || !isNumeric(b)) return undefined;
  if (a.kind === "Float64" || b.kind === "Float64") return FLOAT64;
  const x = asIntType(a) as IntType;
  const y = asIntType(b) as IntType;
  if (x.kind === y.kind) return intOf(x.kind === "Int", Math.max(x.bits, y.bits));
  const signed = x.kind === "Int" ? x : y;
  const unsigned = x.kind === "Int" ? y : x;
  // A signed type must hold every unsigned value: Int8 and UInt8 meet in Int16; UInt64 has no signed supertype.
  if (unsigned.bits === 64) return FLOAT64;
  return intOf(true, Math.max(signed.bits, nextBits(unsigned.bits)));
}

/**
 * Type of an integer literal: the smallest of UInt8..UInt64 or, when negative, Int8..Int64
 * (ClickHouse types literals by value, which is why `bitShiftLeft(128, 1)` is 0).
 */
export function integerLiteralType(value: bigint): AeType {
  if (value >= 0n) {
    if (value <= 0xffn) return UINT8;
    if (value <= 0xffffn) return UINT16;
    if (value <= 0xffffffffn) return UINT32;
    return UINT64;
  }
  if (value >= -0x80n) return { kind: "Int", bits: 8 };
  if (value >= -0x8000n) return { kind: "Int", bits: 16 };
  if (value >= -0x80000000n) return { kind: "Int", bits: 32 };
  return INT64;
}
