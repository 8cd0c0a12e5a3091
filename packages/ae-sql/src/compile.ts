import type { AeFormat, Expr, SelectQuery, Statement } from "./ast.ts";
import { columnName } from "./column-name.ts";
import { AeSqlError, unsupported } from "./errors.ts";
import { compareJs, type ComparisonOp, between, compare, divide, inList, like, logical, minus, modulo, multiply, negate, not, plus } from "./functions/operators.ts";
import type { FunctionContext } from "./functions/function-kit.ts";
import { canonicalFunctionName, FUNCTIONS } from "./functions/registry.ts";
import { type AeSqlLimits, resolveLimits } from "./limits.ts";
import { parse, children } from "./parse.ts";
import { SqlBuilder, type SqlParam, sqlInteger } from "./sql-builder.ts";
import { DEFAULT_TIME_ZONE, supportedTimeZones } from "./timezones.ts";
import { type AeType, BOOL, DATETIME, FLOAT64, integerLiteralType, is64BitInteger, isInteger, STRING, typeName, UINT32 } from "./types.ts";
import { decodeSql, type JsInput, type JsValue, requireSql, type RowValue, selectSql, type SqlExpr, type Value } from "./values.ts";

/** One SQLite result row, as `ctx.storage.sql.exec(...).toArray()` or node:sqlite return it. */
export type SqlRow = Readonly<Record<string, unknown>>;

/** A result column: its name and ClickHouse type, and how to compute its value from a SQLite row. */
export interface AeColumn {
  readonly name: string;
  readonly type: AeType;
  readonly read: (row: SqlRow) => JsValue;
}

/** Sorting, de-duplication and LIMIT done after SQLite, when SQLite cannot (JavaScript-finished keys). */
export interface JsPostProcessing {
  /** SQLite returned at most this many rows plus one; more means the query is refused. */
  readonly maxRows: number;
  readonly distinct: boolean;
  readonly order: ReadonlyArray<{ readonly read: (row: SqlRow) => JsValue; readonly descending: boolean }>;
}

/**
 * What to run and how to read it back: ONE SQLite statement over `data_points` with numbered
 * parameters, and the columns to compute from its rows. User text only ever reaches SQLite as
 * bound parameters; every identifier in `sql` is compiler-made.
 */
export interface AePlan {
  /** The statement; `undefined` when the answer needs no data (SHOW TIMEZONE). */
  readonly sql: string | undefined;
  readonly params: readonly SqlParam[];
  /** The dataset read: the caller first checks it exists ({@link TABLE_EXISTS_SQL}). */
  readonly table: string | undefined;
  readonly columns: readonly AeColumn[];
  readonly format: AeFormat;
  /** Rows of a plan with no SQL. */
  readonly staticRows?: readonly (readonly JsValue[])[];
  /** Explicit LIMIT (reported as rows_before_limit_at_least) or undefined. */
  readonly limit: number | undefined;
  readonly offset: number;
  /** More result rows than this (without an explicit LIMIT) is an error, never a silent cut. */
  readonly maxRows: number;
  /** Row count before LIMIT, in this SQL column (a window count). */
  readonly totalColumn: string | undefined;
  readonly js: JsPostProcessing | undefined;
}

/** SQL answering "did this dataset ever receive a data point?" (bind the table name). */
export const TABLE_EXISTS_SQL = "SELECT 1 AS present FROM data_points WHERE dataset = ?1 LIMIT 1";

/** Options of {@link compile}. */
export interface CompileOptions {
  /** The query's `now()`: unix milliseconds or a Date (default: the current time). */
  readonly now?: number | Date;
  readonly limits?: Partial<AeSqlLimits>;
}

/** Columns of an Analytics Engine table, in `SELECT *` order (docs: dataset, timestamp, _sample_interval, index1, blob1..20, double1..20). */
export const TABLE_COLUMNS: ReadonlyArray<{ readonly name: string; readonly sql: string; readonly type: AeType }> = [
  { name: "dataset", sql: "dataset", type: STRING },
  { name: "timestamp", sql: "(timestamp_ms / 1000)", type: DATETIME },
  { name: "_sample_interval", sql: "_sample_interval", type: UINT32 },
  { name: "index1", sql: "index1", type: STRING },
  ...Array.from({ length: 20 }, (_, i) => ({ name: `blob${i + 1}`, sql: `blob${i + 1}`, type: STRING })),
  ...Array.from({ length: 20 }, (_, i) => ({ name: `double${i + 1}`, sql: `double${i + 1}`, type: FLOAT64 })),
];

/**
 * Compiles Analytics Engine SQL text to a plan: SQLite statement, parameters, result columns.
 * Throws {@link AeSqlError} for anything it cannot run faithfully.
 * @example compile("SELECT count() FROM analytics_events", { now: 0 }).sql
 */
export function compile(text: string, options: CompileOptions = {}): AePlan {
  const limits = resolveLimits(options.limits);
  const nowMs = options.now === undefined ? Date.now() : options.now instanceof Date ? options.now.getTime() : options.now;
  return compileStatement(parse(text, limits), { now: Math.floor(nowMs / 1000), limits });
}

/** Compiles an already parsed statement (see {@link compile}). */
export function compileStatement(statement: Statement, options: { now: number; limits: AeSqlLimits }): AePlan {
  if (statement.kind === "show") return showPlan(statement.what, statement.format, options.limits);
  const builder = new SqlBuilder(options.limits);
  const compiler = new QueryCompiler(builder, options.now, options.limits);
  const plan = compiler.top(statement.query, statement.format);
  const bytes = new TextEncoder().encode(plan.sql ?? "").byteLength;
  if (bytes > options.limits.maxCompiledSqlBytes) {
    throw new AeSqlError("limit", `the query compiles to ${bytes} bytes of SQLite, more than the ${options.limits.maxCompiledSqlBytes} the local emulator may run: simplify it`);
  }
  return plan;
}

function showPlan(what: "TABLES" | "TIMEZONES" | "TIMEZONE", format: AeFormat, limits: AeSqlLimits): AePlan {
  const common = { params: [], table: undefined, format, limit: undefined, offset: 0, maxRows: Number.MAX_SAFE_INTEGER, totalColumn: undefined, js: undefined };
  if (what === "TABLES") {
    return {
      ...common,
      sql: "SELECT DISTINCT dataset AS c0 FROM data_points ORDER BY dataset",
      columns: [{ name: "dataset", type: STRING, read: (row) => decodeSql(STRING, row.c0) }],
      maxRows: limits.maxResultRows,
    };
  }
  const rows = what === "TIMEZONE" ? [[DEFAULT_TIME_ZONE]] : supportedTimeZones().map((tz) => [tz]);
  return { ...common, sql: undefined, columns: [{ name: "tz", type: STRING, read: () => null }], staticRows: rows };
}

type Clause = "SELECT" | "WHERE" | "GROUP BY" | "HAVING" | "ORDER BY";

interface Source {
  readonly columns: ReadonlyMap<string, Value>;
  /** Names in `SELECT *` order. */
  readonly starNames: readonly string[];
  readonly fromSql: string;
  /** A condition every row of the source must meet (the dataset filter of the base table). */
  readonly filterSql: string | undefined;
  readonly table: string | undefined;
  readonly rowOrder: readonly string[] | undefined;
  readonly hasFrom: boolean;
}

interface Scope {
  readonly source: Source;
  readonly aliases: ReadonlyMap<string, Expr>;
  /** Output expressions in order (stars expanded), for `GROUP BY 1` / `ORDER BY 2`. */
  readonly outputs: readonly Expr[];
  groupKeys: Map<string, SqlExpr>;
  aggregateQuery: boolean;
}

interface Ctx {
  readonly scope: Scope;
  readonly clause: Clause;
  /** After aggregation: a column must be a GROUP BY key or inside an aggregate. */
  readonly grouped: boolean;
  readonly inAggregate: boolean;
  readonly expanding: ReadonlySet<string>;
}

/** A compiled SELECT: its output values and the SQL clauses around them. */
interface CompiledSelect {
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly value: RowValue; readonly expr: Expr }>;
  readonly distinct: boolean;
  readonly fromSql: string;
  readonly whereSql: string | undefined;
  readonly groupBy: readonly string[];
  readonly havingSql: string | undefined;
  readonly order: ReadonlyArray<{ readonly value: RowValue; readonly descending: boolean; readonly output?: number }>;
  readonly table: string | undefined;
}

class QueryCompiler {
  private subqueries = 0;

  constructor(
    private readonly builder: SqlBuilder,
    private readonly now: number,
    private readonly limits: AeSqlLimits,
  ) {}

  top(query: SelectQuery, format: AeFormat): AePlan {
    const compiled = this.select(query);
    const limit = typeof query.limit === "number" ? query.limit : undefined;
    if (limit !== undefined && limit > this.limits.maxResultRows) {
      throw new AeSqlError("limit", `LIMIT ${limit} is above the maximum of ${this.limits.maxResultRows} rows a query may return`);
    }
    const offset = query.offset ?? 0;
    const selectList: string[] = [];
    const columns: AeColumn[] = compiled.outputs.map((output, i) => this.column(output.name, output.value, `c${i}`, selectList));
    const jsOrder = compiled.order.some((o) => o.value.kind === "js");
    const jsDistinct = compiled.distinct && compiled.outputs.some((o) => o.value.kind === "js");
    const core = (extra: readonly string[], distinct: boolean): string => selectSqlText(compiled, [...selectList, ...extra], distinct);

    let sql: string;
    let js: JsPostProcessing | undefined;
    let totalColumn: string | undefined;
    if (jsOrder || jsDistinct) {
      // SQLite cannot order by these values: fetch the (bounded) result and finish in JavaScript.
      const extra: string[] = [];
      const order = compiled.order.map((o, k) => {
        if (o.output !== undefined) return { read: (columns[o.output] as AeColumn).read, descending: o.descending };
        const reader = this.column(`o${k}`, o.value, `o${k}`, extra);
        return { read: reader.read, descending: o.descending };
      });
      sql = `${core(extra, compiled.distinct && !jsDistinct)} LIMIT ${this.limits.maxPostProcessRows + 1}`;
      js = { maxRows: this.limits.maxPostProcessRows, distinct: jsDistinct, order };
    } else {
      const extra: string[] = [];
      const orderTerms = compiled.order.flatMap((o, k) => {
        // Always a raw key column: an output column may be a 64-bit integer cast to TEXT for exact
        // reading, and TEXT sorts "10" before "9". Under DISTINCT the key is an output's own value,
        // so the extra column does not change which rows are distinct.
        const name = `o${k}`;
        extra.push(`${(o.value as SqlExpr).sql} AS ${name}`);
        // ClickHouse puts nan last in both directions; SQLite holds nan as NULL and sorts NULL first.
        const nanLast = o.value.type.kind === "Float64" ? [`(${name} IS NULL)`] : [];
        return [...nanLast, `${name}${o.descending ? " DESC" : ""}`];
      });
      const orderSql = orderTerms.length === 0 ? "" : ` ORDER BY ${orderTerms.join(", ")}`;
      // OFFSET (and LIMIT 0) are applied after the statement, so the window count still arrives
      // on one row when they skip every row.
      const fetch = Math.max(1, (limit ?? this.limits.maxResultRows + 1) + offset);
      // Ordering outside the core SELECT lets it use the output names whatever the core is (DISTINCT, GROUP BY).
      if (limit !== undefined) totalColumn = "__rows_before_limit";
      const total = totalColumn === undefined ? "" : `, count(*) OVER () AS ${totalColumn}`;
      sql = `SELECT *${total} FROM (${core(extra, compiled.distinct)})${orderSql} LIMIT ${fetch}`;
    }
    const statement = this.builder.finish(`${this.builder.withClause()}${sql}`);
    return {
      sql: statement.sql,
      params: statement.params,
      table: compiled.table,
      columns,
      format,
      limit,
      offset,
      maxRows: this.limits.maxResultRows,
      totalColumn,
      js,
    };
  }

  /** Adds the SQL columns a value needs to `selectList` and returns how to read it. */
  private column(name: string, value: RowValue, alias: string, selectList: string[]): AeColumn {
    if (value.kind === "sql") {
      const input = selectSql(value);
      selectList.push(`${input.sql} AS ${alias}`);
      return { name, type: value.type, read: (row) => input.decode(row[alias]) };
    }
    const names = value.inputs.map((input, k) => {
      selectList.push(`${input.sql} AS ${alias}_${k}`);
      return `${alias}_${k}`;
    });
    const inputs: readonly JsInput[] = value.inputs;
    return {
      name,
      type: value.type,
      read: (row) => value.evaluate(inputs.map((input, k) => input.decode(row[names[k] as string]))),
    };
  }

  /** Compiles one SELECT (top level or subquery). */
  private select(query: SelectQuery): CompiledSelect {
    const source = this.source(query);
    const aliases = new Map<string, Expr>();
    const outputs: Array<{ name: string; expr: Expr }> = [];
    for (const item of query.items) {
      if (item.kind === "star") {
        if (!source.hasFrom) throw unsupported("SELECT * needs a FROM clause", item.pos);
        for (const name of source.starNames) outputs.push({ name, expr: { kind: "identifier", name, pos: item.pos } });
        continue;
      }
      if (item.alias !== undefined) {
        if (aliases.has(item.alias)) throw new AeSqlError("type", `Different expressions with the same alias ${item.alias}`, item.pos);
        aliases.set(item.alias, item.expr);
      }
      outputs.push({ name: item.alias ?? (item.expr.kind === "identifier" && item.expr.qualifier === undefined ? item.expr.name : columnName(item.expr)), expr: item.expr });
    }
    const scope: Scope = { source, aliases, outputs: outputs.map((o) => o.expr), groupKeys: new Map(), aggregateQuery: false };
    const base: Omit<Ctx, "clause"> = { scope, grouped: false, inAggregate: false, expanding: new Set() };

    const positional = (expr: Expr, clause: string): Expr => {
      if (expr.kind !== "number" || !expr.isInteger || expr.negative) return expr;
      const n = Number(expr.text);
      const target = scope.outputs[n - 1];
      if (target === undefined) throw new AeSqlError("type", `${clause} position ${n} is not in the select list (1..${scope.outputs.length})`, expr.pos);
      return target;
    };

    scope.aggregateQuery =
      query.groupBy.length > 0 ||
      outputs.some((o) => this.hasAggregate(o.expr, scope, new Set())) ||
      (query.having !== undefined && this.hasAggregate(query.having, scope, new Set()));
    if (query.having !== undefined && !scope.aggregateQuery) throw unsupported("HAVING without GROUP BY or an aggregate function is not supported", query.having.pos);

    const whereSql = query.where === undefined ? undefined : filter(requireSql(this.expr(query.where, { ...base, clause: "WHERE" }), "WHERE"), query.where.pos);
    const groupBy = query.groupBy.map((g) => {
      const expr = positional(g, "GROUP BY");
      const value = requireSql(this.expr(expr, { ...base, clause: "GROUP BY" }), "GROUP BY");
      scope.groupKeys.set(this.canonical(expr, scope, new Set()), value);
      return value.sql;
    });
    const grouped = { ...base, grouped: scope.aggregateQuery };
    const compiledOutputs = outputs.map((o) => ({ name: o.name, expr: o.expr, value: this.row(this.expr(o.expr, { ...grouped, clause: "SELECT" }), "the select list") }));
    const havingSql = query.having === undefined ? undefined : filter(requireSql(this.expr(query.having, { ...grouped, clause: "HAVING" }), "HAVING"), query.having.pos);

    let order: CompiledSelect["order"] = [];
    if (scope.aggregateQuery && query.groupBy.length === 0) {
      // One result row: ORDER BY cannot change it. The docs' `first_value(blob1) ... ORDER BY
      // timestamp` relies on that (ClickHouse itself would refuse); names are still checked.
      for (const o of query.orderBy) this.expr(o.expr, { ...base, clause: "ORDER BY" });
    } else {
      const outputKeys = compiledOutputs.map((o) => this.canonical(o.expr, scope, new Set()));
      order = query.orderBy.map((o) => {
        const expr = positional(o.expr, "ORDER BY");
        const key = this.canonical(expr, scope, new Set());
        const byName = expr.kind === "identifier" && expr.qualifier === undefined ? compiledOutputs.findIndex((c) => c.name === expr.name) : -1;
        const index = byName >= 0 ? byName : outputKeys.indexOf(key);
        if (query.distinct && index < 0) throw unsupported("with SELECT DISTINCT, ORDER BY must use selected columns", expr.pos);
        const value = index >= 0 ? (compiledOutputs[index] as { value: RowValue }).value : this.row(this.expr(expr, { ...grouped, clause: "ORDER BY" }), "ORDER BY");
        return index >= 0 ? { value, descending: o.descending, output: index } : { value, descending: o.descending };
      });
    }
    const conditions = [source.filterSql, whereSql].filter((c): c is string => c !== undefined);
    return {
      outputs: compiledOutputs,
      distinct: query.distinct,
      fromSql: source.fromSql,
      whereSql: conditions.length === 0 ? undefined : conditions.map((c) => `(${c})`).join(" AND "),
      groupBy,
      havingSql,
      order,
      table: source.table,
    };
  }

  private source(query: SelectQuery): Source {
    const from = query.from;
    if (from === undefined) return { columns: new Map(), starNames: [], fromSql: "", filterSql: undefined, table: undefined, rowOrder: undefined, hasFrom: false };
    if (from.kind === "table") {
      const columns = new Map<string, Value>(TABLE_COLUMNS.map((c) => [c.name, { kind: "sql", sql: c.sql, type: c.type, aggregate: false }]));
      return {
        columns,
        starNames: TABLE_COLUMNS.map((c) => c.name),
        // The table name is the dataset; it only ever reaches SQLite as a bound parameter.
        fromSql: " FROM data_points",
        filterSql: `dataset = ${this.builder.param(from.name)}`,
        table: from.name,
        rowOrder: ["timestamp_ms", "rowid"],
        hasFrom: true,
      };
    }
    const inner = this.select(from.query);
    for (const o of inner.order) {
      if (o.value.kind === "js") throw unsupported(`ORDER BY ${o.value.origin}() inside a subquery is not supported by the local emulator`, from.pos);
    }
    const alias = `__s${++this.subqueries}`;
    const selectList: string[] = [];
    const columns = new Map<string, Value>();
    inner.outputs.forEach((output, i) => {
      const value = output.value;
      if (value.kind === "sql") {
        selectList.push(`${value.sql} AS c${i}`);
        if (!columns.has(output.name)) columns.set(output.name, { kind: "sql", sql: `${alias}.c${i}`, type: value.type, aggregate: false });
      } else {
        value.inputs.forEach((input, k) => selectList.push(`${input.sql} AS j${i}_${k}`));
        const inputs = value.inputs.map((input, k) => ({ sql: `${alias}.j${i}_${k}`, decode: input.decode }));
        if (!columns.has(output.name)) columns.set(output.name, { ...value, inputs, aggregate: false });
      }
    });
    const orderTerms = inner.order.flatMap((o) => {
      const sql = (o.value as SqlExpr).sql;
      return [...(o.value.type.kind === "Float64" ? [`(${sql} IS NULL)`] : []), `${sql}${o.descending ? " DESC" : ""}`];
    });
    const limit = typeof from.query.limit === "number" ? ` LIMIT ${from.query.limit}` : from.query.offset !== undefined ? " LIMIT -1" : "";
    const offset = from.query.offset === undefined ? "" : ` OFFSET ${from.query.offset}`;
    const innerSql = `${selectSqlText(inner, selectList, inner.distinct)}${orderTerms.length === 0 ? "" : ` ORDER BY ${orderTerms.join(", ")}`}${limit}${offset}`;
    return {
      columns,
      starNames: [...new Set(inner.outputs.map((o) => o.name))],
      fromSql: ` FROM (${innerSql}) AS ${alias}`,
      filterSql: undefined,
      table: inner.table,
      rowOrder: undefined,
      hasFrom: true,
    };
  }

  private row(value: Value, where: string): RowValue {
    if (value.kind === "interval") throw new AeSqlError("type", `an INTERVAL cannot be used as a value in ${where}`);
    return value;
  }

  private fn(name: string, pos: number, scope: Scope): FunctionContext {
    return { builder: this.builder, now: this.now, name, pos, rowOrder: scope.source.rowOrder };
  }

  /**
   * `a OR b OR c ...` parses left-deep, one level per operand, and workerd's SQLite refuses
   * expressions deeper than 100 levels: the operands of a chain of one operator are combined as
   * a balanced tree instead (AND and OR are associative, NULLs included). A sub-chain that is a
   * GROUP BY key stays whole, so it still resolves to the key.
   */
  private logicalChain(expr: Expr, op: "AND" | "OR", ctx: Ctx, fn: FunctionContext): Value {
    const groupKey = (e: Expr): boolean => ctx.grouped && !ctx.inAggregate && ctx.scope.groupKeys.has(this.canonical(e, ctx.scope, ctx.expanding));
    const operands: Expr[] = [];
    const collect = (e: Expr): void => {
      if (e.kind === "binary" && e.op === op && (e === expr || !groupKey(e))) {
        collect(e.left);
        collect(e.right);
      } else {
        operands.push(e);
      }
    };
    collect(expr);
    const values = operands.map((e) => this.expr(e, ctx));
    const combine = (from: number, to: number): Value => {
      if (to - from === 1) return values[from] as Value;
      const middle = from + Math.ceil((to - from) / 2);
      return logical(fn, op, combine(from, middle), combine(middle, to));
    };
    return combine(0, values.length);
  }

  /** Compiles an expression in a clause. */
  private expr(expr: Expr, ctx: Ctx): Value {
    if (ctx.grouped && !ctx.inAggregate && expr.kind !== "number" && expr.kind !== "string" && expr.kind !== "boolean") {
      const key = ctx.scope.groupKeys.get(this.canonical(expr, ctx.scope, ctx.expanding));
      if (key !== undefined) return key;
    }
    const op = (name: string): FunctionContext => this.fn(name, expr.pos, ctx.scope);
    switch (expr.kind) {
      case "number":
        return this.number(expr);
      case "string":
        return { kind: "sql", sql: this.builder.param(expr.value), type: STRING, aggregate: false, constant: expr.value };
      case "boolean":
        return { kind: "sql", sql: expr.value ? "1" : "0", type: BOOL, aggregate: false, constant: expr.value ? 1 : 0 };
      case "interval":
        return { kind: "interval", amount: expr.amount, unit: expr.unit };
      case "identifier":
        return this.identifier(expr, ctx);
      case "star":
        throw unsupported("* is only allowed as SELECT * or count(*)", expr.pos);
      case "call":
        return this.call(expr, ctx);
      case "unary": {
        const operand = this.expr(expr.operand, ctx);
        return expr.op === "-" ? negate(op("negate"), operand) : not(op("not"), operand);
      }
      case "binary": {
        if (expr.op === "AND" || expr.op === "OR") return this.logicalChain(expr, expr.op, ctx, op(expr.op.toLowerCase()));
        const left = this.expr(expr.left, ctx);
        const right = this.expr(expr.right, ctx);
        switch (expr.op) {
          case "+":
            return plus(op("plus"), left, right);
          case "-":
            return minus(op("minus"), left, right);
          case "*":
            return multiply(op("multiply"), left, right);
          case "/":
            return divide(op("divide"), left, right);
          case "%":
            return modulo(op("modulo"), left, right);
          default:
            return compare(op(expr.op), expr.op as ComparisonOp, left, right);
        }
      }
      case "in":
        return inList(op(expr.negated ? "notIn" : "in"), this.expr(expr.operand, ctx), expr.list.map((e) => this.expr(e, ctx)), expr.negated);
      case "between":
        return between(op("between"), this.expr(expr.operand, ctx), this.expr(expr.low, ctx), this.expr(expr.high, ctx), expr.negated);
      case "like": {
        const name = `${expr.negated ? "NOT " : ""}${expr.caseInsensitive ? "ILIKE" : "LIKE"}`;
        return like(op(name), this.expr(expr.operand, ctx), this.expr(expr.pattern, ctx), expr.caseInsensitive, expr.negated, this.limits.maxLikePatternBytes);
      }
    }
  }

  private number(expr: Extract<Expr, { kind: "number" }>): SqlExpr {
    if (expr.isInteger) {
      const value = expr.negative ? -BigInt(expr.text) : BigInt(expr.text);
      if (value > 0x7fffffffffffffffn || value < -0x8000000000000000n) {
        throw unsupported(`the integer literal ${expr.negative ? "-" : ""}${expr.text} is outside the Int64 range the local emulator supports`, expr.pos);
      }
      const type = integerLiteralType(value);
      return { kind: "sql", sql: sqlInteger(value), type, aggregate: false, constant: is64BitInteger(type) ? value : Number(value) };
    }
    const value = (expr.negative ? -1 : 1) * Number(expr.text);
    return { kind: "sql", sql: this.builder.real(value), type: FLOAT64, aggregate: false, constant: value };
  }

  private identifier(expr: Extract<Expr, { kind: "identifier" }>, ctx: Ctx): Value {
    if (expr.qualifier !== undefined) {
      throw unsupported(`qualified column names (${expr.qualifier}.${expr.name}) are not supported: queries operate on a single table`, expr.pos);
    }
    const scope = ctx.scope;
    const alias = scope.aliases.get(expr.name);
    if (alias !== undefined && !ctx.expanding.has(expr.name)) {
      // ClickHouse substitutes SELECT aliases everywhere (WHERE customer_id = ... works), aliases first.
      return this.expr(alias, { ...ctx, expanding: new Set([...ctx.expanding, expr.name]) });
    }
    const column = scope.source.columns.get(expr.name);
    if (column !== undefined) {
      if (ctx.grouped && !ctx.inAggregate) {
        throw new AeSqlError("type", `Column ${expr.name} is not under an aggregate function and not in GROUP BY (in ${ctx.clause})`, expr.pos);
      }
      return column;
    }
    const hint = scope.source.hasFrom ? "" : " (the query has no FROM clause)";
    throw new AeSqlError("unknown-identifier", `Unknown identifier ${expr.name} in ${ctx.clause}${hint}`, expr.pos);
  }

  private call(expr: Extract<Expr, { kind: "call" }>, ctx: Ctx): Value {
    const definition = FUNCTIONS.get(expr.name.toLowerCase());
    if (definition === undefined) {
      throw new AeSqlError("unknown-function", `Unknown function ${expr.name}: it is not in the Analytics Engine SQL function list`, expr.pos);
    }
    const fctx = this.fn(expr.name, expr.pos, ctx.scope);
    const arity = (count: number, [min, max]: readonly [number, number], what: string): void => {
      if (count < min || count > max) {
        const expected = min === max ? `${min}` : `${min} to ${max}`;
        throw new AeSqlError("type", `Function ${expr.name} takes ${expected} ${what}, ${count} given`, expr.pos);
      }
    };
    const stars = expr.args.filter((a) => a.kind === "star").length;
    if (definition.kind === "scalar") {
      if (expr.params !== undefined) throw new AeSqlError("type", `Function ${expr.name} is not a parametric aggregate function`, expr.pos);
      if (expr.distinct) throw new AeSqlError("type", `DISTINCT is only allowed in aggregate functions, not in ${expr.name}`, expr.pos);
      if (stars > 0) throw unsupported(`* is not an argument of ${expr.name}`, expr.pos);
      arity(expr.args.length, definition.arity, "arguments");
      return definition.compile(
        expr.args.map((a) => this.expr(a, ctx)),
        fctx,
      );
    }
    if (ctx.inAggregate) throw new AeSqlError("type", `Aggregate function ${expr.name} is found inside another aggregate function`, expr.pos);
    if (ctx.clause === "WHERE" || ctx.clause === "GROUP BY") throw new AeSqlError("type", `Aggregate function ${expr.name} is found in ${ctx.clause}`, expr.pos);
    if (expr.params !== undefined && definition.parameters === undefined) throw new AeSqlError("type", `Aggregate function ${expr.name} is not parametric`, expr.pos);
    if (expr.params !== undefined && definition.parameters !== undefined) arity(expr.params.length, definition.parameters, "parameters");
    if (expr.distinct && definition.distinct !== true) throw unsupported(`${expr.name}(DISTINCT ...) is not supported`, expr.pos);
    if (stars > 0 && (canonicalFunctionName(expr.name) !== "count" || expr.args.length !== 1 || expr.distinct)) {
      throw unsupported(`* is only allowed as count(*)`, expr.pos);
    }
    const args = stars > 0 ? [] : expr.args;
    arity(args.length, definition.arity, "arguments");
    const inner: Ctx = { ...ctx, grouped: false, inAggregate: true };
    const compiledArgs = args.map((a) => requireSql(this.expr(a, inner), `${expr.name}()`));
    const params = (expr.params ?? []).map((p) => this.expr(p, { ...inner, inAggregate: false }));
    return definition.compile(compiledArgs, params, expr.distinct, fctx);
  }

  /** Whether an expression (aliases expanded) calls an aggregate function. */
  private hasAggregate(expr: Expr, scope: Scope, expanding: ReadonlySet<string>): boolean {
    if (expr.kind === "call" && FUNCTIONS.get(expr.name.toLowerCase())?.kind === "aggregate") return true;
    if (expr.kind === "identifier" && expr.qualifier === undefined) {
      const alias = scope.aliases.get(expr.name);
      if (alias !== undefined && !expanding.has(expr.name)) return this.hasAggregate(alias, scope, new Set([...expanding, expr.name]));
      return false;
    }
    return children(expr).some((c) => this.hasAggregate(c, scope, expanding));
  }

  /** A structural key for an expression (aliases expanded, function spellings unified), to match GROUP BY keys. */
  private canonical(expr: Expr, scope: Scope, expanding: ReadonlySet<string>): string {
    const c = (e: Expr): string => this.canonical(e, scope, expanding);
    switch (expr.kind) {
      case "number":
        return `n:${expr.negative ? "-" : ""}${expr.isInteger ? BigInt(expr.text).toString() : String(Number(expr.text))}`;
      case "string":
        return `s:${JSON.stringify(expr.value)}`;
      case "boolean":
        return `b:${expr.value}`;
      case "interval":
        return `i:${expr.amount}${expr.unit}`;
      case "identifier": {
        const alias = scope.aliases.get(expr.name);
        if (expr.qualifier === undefined && alias !== undefined && !expanding.has(expr.name)) {
          return this.canonical(alias, scope, new Set([...expanding, expr.name]));
        }
        return `c:${expr.name}`;
      }
      case "star":
        return "*";
      case "call":
        return `f:${canonicalFunctionName(expr.name)}${expr.params === undefined ? "" : `[${expr.params.map(c).join(",")}]`}(${expr.distinct ? "D:" : ""}${expr.args.map(c).join(",")})`;
      case "unary":
        return `u${expr.op}(${c(expr.operand)})`;
      case "binary":
        return `o${expr.op}(${c(expr.left)},${c(expr.right)})`;
      case "in":
        return `in${expr.negated ? "!" : ""}(${c(expr.operand)};${expr.list.map(c).join(",")})`;
      case "between":
        return `bt${expr.negated ? "!" : ""}(${c(expr.operand)},${c(expr.low)},${c(expr.high)})`;
      case "like":
        return `lk${expr.caseInsensitive ? "i" : ""}${expr.negated ? "!" : ""}(${c(expr.operand)},${c(expr.pattern)})`;
    }
  }
}

/** A WHERE/HAVING condition: ClickHouse filters on integers (UInt8 conditions), never on a Float64 or String. */
function filter(value: SqlExpr, pos: number): string {
  if (!isInteger(value.type)) throw new AeSqlError("type", `Illegal type ${typeName(value.type)} of column for filter: it must be a UInt8 condition`, pos);
  return value.sql;
}

/** SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... of a compiled query with the given select list. */
function selectSqlText(q: CompiledSelect, selectList: readonly string[], distinct: boolean): string {
  return (
    `SELECT ${distinct ? "DISTINCT " : ""}${selectList.join(", ")}${q.fromSql}${q.whereSql === undefined ? "" : ` WHERE ${q.whereSql}`}` +
    `${q.groupBy.length === 0 ? "" : ` GROUP BY ${q.groupBy.join(", ")}`}${q.havingSql === undefined ? "" : ` HAVING ${q.havingSql}`}`
  );
}

/** Sorts rows like ClickHouse ORDER BY (stable; nan last in both directions). */
export function sortRows<T>(rows: T[], keys: ReadonlyArray<{ read: (row: T) => JsValue; descending: boolean }>): T[] {
  const decorated = rows.map((row, index) => ({ row, index, values: keys.map((k) => k.read(row)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i] ?? null;
      const y = b.values[i] ?? null;
      const xNan = x === null || (typeof x === "number" && Number.isNaN(x));
      const yNan = y === null || (typeof y === "number" && Number.isNaN(y));
      if (xNan !== yNan) return xNan ? 1 : -1;
      const c = compareJs(x, y);
      if (c !== 0) return (keys[i] as { descending: boolean }).descending ? -c : c;
    }
    return a.index - b.index;
  });
  return decorated.map((d) => d.row);
}
