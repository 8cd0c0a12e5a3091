import type { BinaryOp, Expr } from "./ast.ts";
import { formatFloat } from "./text.ts";

const BINARY_NAMES: Readonly<Record<BinaryOp, string>> = {
  "+": "plus",
  "-": "minus",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
  "=": "equals",
  "!=": "notEquals",
  "<": "less",
  ">": "greater",
  "<=": "lessOrEquals",
  ">=": "greaterOrEquals",
  AND: "and",
  OR: "or",
};

function quote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Operands of a chain of one logical operator: ClickHouse names `a AND b AND c` as `and(a, b, c)`. */
function flatten(expr: Expr, op: "AND" | "OR"): Expr[] {
  return expr.kind === "binary" && expr.op === op ? [...flatten(expr.left, op), ...flatten(expr.right, op)] : [expr];
}

/**
 * The column name ClickHouse gives an expression without an alias: operators in function form
 * (`1 + 2` is `plus(1, 2)`), function names as written, `count(*)` as `count()`,
 * `count(DISTINCT x)` as `countDistinct(x)`.
 * @example columnName({ kind: "binary", op: "+", left: one, right: two, pos: 7 }) // "plus(1, 2)"
 */
export function columnName(expr: Expr): string {
  const list = (items: readonly Expr[]): string => items.map(columnName).join(", ");
  switch (expr.kind) {
    case "number": {
      if (expr.isInteger) return `${expr.negative ? "-" : ""}${BigInt(expr.text).toString()}`;
      const value = Number(expr.text);
      const text = formatFloat(expr.negative ? -value : value);
      // ClickHouse prints a whole Float64 literal with a trailing dot (1.0 is `1.`).
      return Number.isInteger(value) && !text.includes("e") ? `${text}.` : text;
    }
    case "string":
      return quote(expr.value);
    case "boolean":
      return String(expr.value);
    case "interval":
      return `toInterval${expr.unit[0]}${expr.unit.slice(1).toLowerCase()}(${expr.amountText})`;
    case "identifier":
      return expr.qualifier === undefined ? expr.name : `${expr.qualifier}.${expr.name}`;
    case "star":
      return "*";
    case "call": {
      const args = expr.args.filter((a) => a.kind !== "star");
      const name = expr.distinct ? `${expr.name}Distinct` : expr.name;
      return expr.params === undefined ? `${name}(${list(args)})` : `${name}(${list(expr.params)})(${list(args)})`;
    }
    case "unary":
      return `${expr.op === "-" ? "negate" : "not"}(${columnName(expr.operand)})`;
    case "binary":
      if (expr.op === "AND" || expr.op === "OR") return `${BINARY_NAMES[expr.op]}(${list(flatten(expr, expr.op))})`;
      return `${BINARY_NAMES[expr.op]}(${columnName(expr.left)}, ${columnName(expr.right)})`;
    case "in": {
      const set = expr.list.length === 1 ? columnName(expr.list[0] as Expr) : `(${list(expr.list)})`;
      return `${expr.negated ? "notIn" : "in"}(${columnName(expr.operand)}, ${set})`;
    }
    case "between": {
      const x = columnName(expr.operand);
      return expr.negated
        ? `or(less(${x}, ${columnName(expr.low)}), greater(${x}, ${columnName(expr.high)}))`
        : `and(greaterOrEquals(${x}, ${columnName(expr.low)}), lessOrEquals(${x}, ${columnName(expr.high)}))`;
    }
    case "like": {
      const name = expr.caseInsensitive ? (expr.negated ? "notILike" : "ilike") : expr.negated ? "notLike" : "like";
      return `${name}(${columnName(expr.operand)}, ${columnName(expr.pattern)})`;
    }
  }
}
