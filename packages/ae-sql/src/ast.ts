/** Syntax tree of the Analytics Engine SQL dialect (a ClickHouse subset). `pos` is a character offset. */

/** Units of `INTERVAL '<n>' <unit>` the docs list. */
export type IntervalUnit = "SECOND" | "MINUTE" | "HOUR" | "DAY" | "MONTH" | "YEAR";

/** Response encodings of the FORMAT clause. */
export type AeFormat = "JSON" | "JSONEachRow" | "TabSeparated";

/** An expression. */
export type Expr =
  /** An integer or double literal; `text` is the source spelling (its column name), `negative` after folding `-`. */
  | { kind: "number"; text: string; isInteger: boolean; negative: boolean; pos: number }
  | { kind: "string"; value: string; pos: number }
  | { kind: "boolean"; value: boolean; pos: number }
  /** `INTERVAL '1' DAY`: `amount` is the (validated) integer count. */
  | { kind: "interval"; amount: number; amountText: string; unit: IntervalUnit; pos: number }
  /** A column or alias reference; `qualifier` is the `t` of `t.col` (refused when compiling). */
  | { kind: "identifier"; name: string; qualifier?: string; pos: number }
  /** `*` as in `count(*)` (a select-list star is a SelectItem). */
  | { kind: "star"; pos: number }
  /**
   * `name(args)`, or a parametric aggregate `name(params)(args)`. `name` keeps its spelling
   * (it is part of the column name); lookups are case-insensitive.
   */
  | { kind: "call"; name: string; args: Expr[]; params?: Expr[]; distinct: boolean; pos: number }
  | { kind: "unary"; op: "-" | "NOT"; operand: Expr; pos: number }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: "in"; operand: Expr; list: Expr[]; negated: boolean; pos: number }
  | { kind: "between"; operand: Expr; low: Expr; high: Expr; negated: boolean; pos: number }
  | { kind: "like"; operand: Expr; pattern: Expr; caseInsensitive: boolean; negated: boolean; pos: number };

/** Binary operators (`==` is read as `=`, `<>` as `!=`). */
export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "=" | "!=" | "<" | ">" | "<=" | ">=" | "AND" | "OR";

/** A select-list entry: `*` or an expression with an optional alias. */
export type SelectItem = { kind: "star"; pos: number } | { kind: "expr"; expr: Expr; alias?: string; pos: number };

/** The one table (a dataset) or subquery a SELECT reads. */
export type FromClause =
  | { kind: "table"; name: string; pos: number }
  | { kind: "subquery"; query: SelectQuery; pos: number };

/** One ORDER BY key. */
export interface OrderItem {
  expr: Expr;
  descending: boolean;
}

/** A SELECT, top level or in FROM. */
export interface SelectQuery {
  distinct: boolean;
  items: SelectItem[];
  from?: FromClause;
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  orderBy: OrderItem[];
  /** `undefined`: no LIMIT; `"ALL"`: `LIMIT ALL`. */
  limit?: number | "ALL";
  offset?: number;
  pos: number;
}

/** The one statement of a request. */
export type Statement =
  | { kind: "select"; query: SelectQuery; format: AeFormat; explicitFormat: boolean }
  | { kind: "show"; what: "TABLES" | "TIMEZONES" | "TIMEZONE"; format: AeFormat };
