import { AeSqlError } from "../errors.ts";
import { type AeType, FLOAT64, INT64, is64BitInteger, isNumeric, isTime, UINT64 } from "../types.ts";
import { type JsExpr, type JsValue, jsonElement, type RowValue, type SqlExpr, type Value } from "../values.ts";
import { type AggregateFunction, constantInteger, constantNumber, type FunctionContext, illegalType, toNumber } from "./function-kit.ts";
import { compareJs } from "./operators.ts";

/** ClickHouse's value of `type` for an aggregate over no rows (0, '', 1970-01-01 00:00:00, []). */
function defaultValue(type: AeType): JsValue {
  if (type.kind === "String") return "";
  if (type.kind === "Array") return [];
  return is64BitInteger(type) ? 0n : 0;
}

function defaultSql(type: AeType): string {
  if (type.kind === "String") return "''";
  return type.kind === "Float64" ? "0.0" : "0";
}

function requireNumericArg(ctx: FunctionContext, value: SqlExpr, index: number): SqlExpr {
  if (!isNumeric(value.type)) throw illegalType(ctx, value.type, index);
  return value;
}

function requireOrdered(ctx: FunctionContext, value: SqlExpr, index: number): SqlExpr {
  if (!isNumeric(value.type) && !isTime(value.type) && value.type.kind !== "String") throw illegalType(ctx, value.type, index);
  return value;
}

/** sum's result type: Float64, Int64 or UInt64 by the argument's kind. */
function sumType(type: AeType): AeType {
  if (type.kind === "Float64") return FLOAT64;
  return type.kind === "Int" ? INT64 : UINT64;
}

function sql(sqlText: string, type: AeType): SqlExpr {
  return { kind: "sql", sql: sqlText, type, aggregate: true };
}

/**
 * A JavaScript-finished aggregate: SQLite gathers each group's values with json_group_array and
 * `finish` computes the result from the decoded array.
 */
function gathered(ctx: FunctionContext, elementSql: string, decode: (element: unknown) => JsValue, type: AeType, finish: (elements: JsValue[]) => JsValue): JsExpr {
  return {
    kind: "js",
    type,
    aggregate: true,
    origin: ctx.name,
    inputs: [
      {
        sql: `json_group_array(${elementSql})`,
        decode: (raw) => (JSON.parse(typeof raw === "string" ? raw : "[]") as unknown[]).map(decode),
      },
    ],
    evaluate: ([elements]) => finish(Array.isArray(elements) ? [...(elements as JsValue[])] : []),
  };
}

/** A pair element `[value, weight]` for weighted aggregates; negative weights fail the query. */
function weighted(ctx: FunctionContext, value: SqlExpr, weight: SqlExpr): { sql: string; decode: (element: unknown) => JsValue } {
  requireNumericArg(ctx, weight, 1);
  const element = jsonElement(value, ctx.builder);
  const negative = ctx.builder.raise(`${ctx.name}: negative weight`);
  const weightSql = `(CASE WHEN ${weight.sql} < 0 THEN ${negative} ELSE CAST(${weight.sql} AS INTEGER) END)`;
  return {
    sql: `json_array(${element.sql}, ${weightSql})`,
    decode: (pair) => {
      const [v, w] = pair as [unknown, unknown];
      return [element.decode(v), toNumber(w as number)];
    },
  };
}

function quantileLevel(ctx: FunctionContext, value: Value | undefined, index: number): number {
  const level = constantNumber(ctx, value, index, "number (the quantile level)");
  if (!(level >= 0 && level <= 1)) throw new AeSqlError("type", `the quantile level of ${ctx.name} must be between 0 and 1`, ctx.pos);
  return level;
}

/** ClickHouse QuantileExactWeighted::get: sort distinct values, stop where the running weight reaches ceil(total * level). */
function quantileExactWeighted(level: number, type: AeType) {
  return (elements: JsValue[]): JsValue => {
    const weights = new Map<string, { value: JsValue; weight: number }>();
    for (const element of elements) {
      const [value, weight] = element as [JsValue, number];
      if (weight === 0 || (typeof value === "number" && Number.isNaN(value))) continue;
      const key = typeof value === "bigint" ? `b${value}` : `${typeof value}:${String(value)}`;
      const entry = weights.get(key);
      if (entry === undefined) weights.set(key, { value, weight });
      else entry.weight += weight;
    }
    const sorted = [...weights.values()].sort((a, b) => compareJs(a.value, b.value));
    if (sorted.length === 0) return type.kind === "Float64" ? Number.NaN : defaultValue(type);
    const total = sorted.reduce((sum, e) => sum + e.weight, 0);
    const threshold = Math.ceil(total * level);
    let accumulated = 0;
    for (const entry of sorted) {
      accumulated += entry.weight;
      if (accumulated >= threshold) return entry.value;
    }
    return (sorted.at(-1) as { value: JsValue }).value;
  };
}

function quantile(ctx: FunctionContext, level: number, value: SqlExpr, weight: SqlExpr): JsExpr {
  if (!isNumeric(value.type) && !isTime(value.type)) throw illegalType(ctx, value.type, 0);
  const pair = weighted(ctx, value, weight);
  const type = value.type.kind === "Bool" ? { kind: "UInt" as const, bits: 8 as const } : value.type;
  return gathered(ctx, pair.sql, pair.decode, type, quantileExactWeighted(level, type));
}

/** Most frequent values (exact counts; ties in the order first seen), `weights` summed per value. */
function topValues(n: number) {
  return (elements: JsValue[]): JsValue => {
    const counts = new Map<string, { value: JsValue; count: number; first: number }>();
    elements.forEach((element, index) => {
      const [value, weight] = element as [JsValue, number];
      const key = typeof value === "bigint" ? `b${value}` : `${typeof value}:${String(value)}`;
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { value, count: weight, first: index });
      else entry.count += weight;
    });
    return [...counts.values()]
      .sort((a, b) => b.count - a.count || a.first - b.first)
      .slice(0, n)
      .map((e) => e.value);
  };
}

function topCount(ctx: FunctionContext, parameters: readonly Value[]): number {
  if (parameters.length === 0) return 10;
  const n = constantInteger(ctx, parameters[0], 0, "integer (the number of values)");
  if (n < 1 || n > 10_000) throw new AeSqlError("type", `${ctx.name}: the number of values must be between 1 and 10000`, ctx.pos);
  return n;
}

/** argMax / argMin: the first row's arg among those with the extreme val (ClickHouse: "any" on ties). */
function argExtreme(direction: 1 | -1): AggregateFunction {
  return {
    kind: "aggregate",
    arity: [2, 2],
    compile([arg, val], _params, _distinct, ctx) {
      const a = arg as SqlExpr;
      const v = requireOrdered(ctx, val as SqlExpr, 1);
      const ea = jsonElement(a, ctx.builder);
      const ev = jsonElement(v, ctx.builder);
      return gathered(
        ctx,
        `json_array(${ea.sql}, ${ev.sql})`,
        (pair) => {
          const [x, y] = pair as [unknown, unknown];
          return [ea.decode(x), ev.decode(y)];
        },
        a.type,
        (elements) => {
          let best: [JsValue, JsValue] | undefined;
          for (const element of elements) {
            const pair = element as [JsValue, JsValue];
            if (best === undefined || compareJs(pair[1], best[1]) * direction > 0) best = pair;
          }
          return best === undefined ? defaultValue(a.type) : best[0];
        },
      );
    },
  };
}

/**
 * first_value / last_value: ClickHouse returns the first/last value it reads, which for an
 * Analytics Engine table is in time order. Over the base table we make that deterministic:
 * earliest/latest by (timestamp, insertion order); over a subquery, the subquery's row order.
 */
function edgeValue(last: boolean): AggregateFunction {
  return {
    kind: "aggregate",
    arity: [1, 1],
    compile([x], _params, _distinct, ctx) {
      const value = x as SqlExpr;
      const element = jsonElement(value, ctx.builder);
      const order = ctx.rowOrder ?? [];
      return gathered(
        ctx,
        `json_array(${[element.sql, ...order].join(", ")})`,
        (item) => {
          const [v, ...keys] = item as unknown[];
          return [element.decode(v), ...keys.map((k) => toNumber(k as number))];
        },
        value.type,
        (elements) => {
          if (elements.length === 0) return defaultValue(value.type);
          const rows = elements as Array<readonly JsValue[]>;
          const byOrder = (a: readonly JsValue[], b: readonly JsValue[]): number => {
            for (let i = 1; i < a.length; i++) {
              const d = toNumber(a[i] ?? null) - toNumber(b[i] ?? null);
              if (d !== 0) return d;
            }
            return 0;
          };
          const sorted = order.length === 0 ? rows : [...rows].sort(byOrder);
          return ((last ? sorted.at(-1) : sorted[0]) as readonly JsValue[])[0] ?? null;
        },
      );
    },
  };
}

function valueOf(arg: RowValue | undefined): SqlExpr {
  return arg as SqlExpr;
}

/** Aggregate functions of the reference page. */
export const AGGREGATE_FUNCTIONS: Readonly<Record<string, AggregateFunction>> = {
  count: {
    kind: "aggregate",
    arity: [0, 1],
    distinct: true,
    compile(args, _params, distinct) {
      const x = args[0];
      if (x === undefined) return sql("count(*)", UINT64);
      return sql(`count(${distinct ? "DISTINCT " : ""}${x.sql})`, UINT64);
    },
  },
  sum: {
    kind: "aggregate",
    arity: [1, 1],
    distinct: true,
    compile(args, _params, distinct, ctx) {
      const x = requireNumericArg(ctx, valueOf(args[0]), 0);
      const type = sumType(x.type);
      // ClickHouse's sum over no rows is 0; SQLite's is NULL.
      return sql(`COALESCE(sum(${distinct ? "DISTINCT " : ""}${x.sql}), ${defaultSql(type)})`, type);
    },
  },
  avg: {
    kind: "aggregate",
    arity: [1, 1],
    distinct: true,
    compile(args, _params, distinct, ctx) {
      const x = requireNumericArg(ctx, valueOf(args[0]), 0);
      // Over no rows: SQLite NULL, read back as nan (ClickHouse's avg of nothing).
      return sql(`avg(${distinct ? "DISTINCT " : ""}${x.sql})`, FLOAT64);
    },
  },
  min: {
    kind: "aggregate",
    arity: [1, 1],
    compile(args, _params, _distinct, ctx) {
      const x = requireOrdered(ctx, valueOf(args[0]), 0);
      return sql(`COALESCE(min(${x.sql}), ${defaultSql(x.type)})`, x.type);
    },
  },
  max: {
    kind: "aggregate",
    arity: [1, 1],
    compile(args, _params, _distinct, ctx) {
      const x = requireOrdered(ctx, valueOf(args[0]), 0);
      return sql(`COALESCE(max(${x.sql}), ${defaultSql(x.type)})`, x.type);
    },
  },
  countif: {
    kind: "aggregate",
    arity: [1, 1],
    compile(args, _params, _distinct, ctx) {
      const c = requireNumericArg(ctx, valueOf(args[0]), 0);
      return sql(`count(CASE WHEN ${c.sql} THEN 1 END)`, UINT64);
    },
  },
  sumif: {
    kind: "aggregate",
    arity: [2, 2],
    compile(args, _params, _distinct, ctx) {
      const x = requireNumericArg(ctx, valueOf(args[0]), 0);
      const c = requireNumericArg(ctx, valueOf(args[1]), 1);
      const type = sumType(x.type);
      return sql(`COALESCE(sum(CASE WHEN ${c.sql} THEN ${x.sql} END), ${defaultSql(type)})`, type);
    },
  },
  avgif: {
    kind: "aggregate",
    arity: [2, 2],
    compile(args, _params, _distinct, ctx) {
      const x = requireNumericArg(ctx, valueOf(args[0]), 0);
      const c = requireNumericArg(ctx, valueOf(args[1]), 1);
      return sql(`avg(CASE WHEN ${c.sql} THEN ${x.sql} END)`, FLOAT64);
    },
  },
  quantileexactweighted: {
    kind: "aggregate",
    arity: [2, 2],
    parameters: [1, 1],
    compile(args, params, _distinct, ctx) {
      return quantile(ctx, quantileLevel(ctx, params[0], 0), valueOf(args[0]), valueOf(args[1]));
    },
  },
  // The docs' backwards-compatible quantileWeighted(q, x, w); the parametric form quantileWeighted(q)(x, w) is accepted too.
  quantileweighted: {
    kind: "aggregate",
    arity: [2, 3],
    parameters: [0, 1],
    compile(args, params, _distinct, ctx) {
      if (params.length === 1) {
        if (args.length !== 2) throw new AeSqlError("type", `${ctx.name}(q)(x, weight) takes 2 arguments`, ctx.pos);
        return quantile(ctx, quantileLevel(ctx, params[0], 0), valueOf(args[0]), valueOf(args[1]));
      }
      if (args.length !== 3) throw new AeSqlError("type", `${ctx.name}(q, x, weight) takes 3 arguments`, ctx.pos);
      return quantile(ctx, quantileLevel(ctx, args[0], 0), valueOf(args[1]), valueOf(args[2]));
    },
  },
  argmax: argExtreme(1),
  argmin: argExtreme(-1),
  first_value: edgeValue(false),
  last_value: edgeValue(true),
  topk: {
    kind: "aggregate",
    arity: [1, 1],
    parameters: [0, 1],
    compile(args, params, _distinct, ctx) {
      const n = topCount(ctx, params);
      const x = valueOf(args[0]);
      const element = jsonElement(x, ctx.builder);
      return gathered(ctx, `json_array(${element.sql}, 1)`, (pair) => [element.decode((pair as unknown[])[0]), 1], { kind: "Array", element: x.type }, topValues(n));
    },
  },
  topkweighted: {
    kind: "aggregate",
    arity: [2, 2],
    parameters: [0, 1],
    compile(args, params, _distinct, ctx) {
      const n = topCount(ctx, params);
      const x = valueOf(args[0]);
      const pair = weighted(ctx, x, valueOf(args[1]));
      return gathered(ctx, pair.sql, pair.decode, { kind: "Array", element: x.type }, topValues(n));
    },
  },
};
