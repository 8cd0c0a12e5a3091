import type { RowValue } from "../values.ts";
import { AGGREGATE_FUNCTIONS } from "./aggregates.ts";
import { BIT_FUNCTIONS } from "./bit.ts";
import { CONVERSION_FUNCTIONS } from "./conversion.ts";
import { DATETIME_FUNCTIONS } from "./datetime.ts";
import { ENCODING_FUNCTIONS } from "./encoding.ts";
import type { FunctionDefinition, ScalarFunction } from "./function-kit.ts";
import { MATH_FUNCTIONS } from "./math.ts";
import { ifFunction } from "./operators.ts";
import { STRING_FUNCTIONS } from "./string.ts";

const CONDITIONAL_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  if: { kind: "scalar", arity: [3, 3], compile: ([c, t, e], ctx) => ifFunction(ctx, c as RowValue, t as RowValue, e as RowValue) },
};

/**
 * Older or backwards-compatible names the docs list, and the function each one is (the key
 * GROUP BY matching uses, so `GROUP BY toLower(x)` matches `SELECT lowerUTF8(x)`).
 */
const ALIASES: Readonly<Record<string, string>> = {
  isempty: "empty",
  tolower: "lowerutf8",
  toupper: "upperutf8",
  ln: "log",
  quantileweighted: "quantileexactweighted",
};

/**
 * Every function of the Analytics Engine SQL reference (functions.json), by lower-case name:
 * function names are case-insensitive (older SQL reference). Anything else is an unknown function.
 */
export const FUNCTIONS: ReadonlyMap<string, FunctionDefinition> = new Map<string, FunctionDefinition>(
  Object.entries({
    ...AGGREGATE_FUNCTIONS,
    ...BIT_FUNCTIONS,
    ...CONDITIONAL_FUNCTIONS,
    ...DATETIME_FUNCTIONS,
    ...ENCODING_FUNCTIONS,
    ...MATH_FUNCTIONS,
    ...STRING_FUNCTIONS,
    ...CONVERSION_FUNCTIONS,
    isempty: STRING_FUNCTIONS.empty as ScalarFunction,
    tolower: STRING_FUNCTIONS.lowerutf8 as ScalarFunction,
    toupper: STRING_FUNCTIONS.upperutf8 as ScalarFunction,
  }),
);

/** The name two spellings of one function share (for comparing expressions). */
export function canonicalFunctionName(name: string): string {
  const lower = name.toLowerCase();
  return ALIASES[lower] ?? lower;
}
