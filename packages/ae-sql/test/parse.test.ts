import { describe, expect, it } from "vitest";
import type { Expr, SelectQuery, Statement } from "../src/ast.ts";
import { AE_SQL_LIMITS, AeSqlError, parse } from "../src/index.ts";

function select(sql: string): SelectQuery {
  const statement = parse(sql);
  if (statement.kind !== "select") throw new Error("expected a SELECT");
  return statement.query;
}

function expr(sql: string): Expr {
  const item = select(`SELECT ${sql}`).items[0];
  if (item?.kind !== "expr") throw new Error("expected an expression");
  return item.expr;
}

/** A compact rendering of an expression tree. */
function show(e: Expr): string {
  switch (e.kind) {
    case "number":
      return `${e.negative ? "-" : ""}${e.text}`;
    case "string":
      return `'${e.value}'`;
    case "boolean":
      return String(e.value);
    case "interval":
      return `INTERVAL(${e.amount} ${e.unit})`;
    case "identifier":
      return e.qualifier === undefined ? e.name : `${e.qualifier}.${e.name}`;
    case "star":
      return "*";
    case "call":
      return `${e.name}${e.params ? `[${e.params.map(show).join(", ")}]` : ""}(${e.distinct ? "DISTINCT " : ""}${e.args.map(show).join(", ")})`;
    case "unary":
      return `(${e.op} ${show(e.operand)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "in":
      return `(${show(e.operand)} ${e.negated ? "NOT IN" : "IN"} [${e.list.map(show).join(", ")}])`;
    case "between":
      return `(${show(e.operand)} ${e.negated ? "NOT BETWEEN" : "BETWEEN"} ${show(e.low)} AND ${show(e.high)})`;
    case "like":
      return `(${show(e.operand)} ${e.negated ? "NOT " : ""}${e.caseInsensitive ? "ILIKE" : "LIKE"} ${show(e.pattern)})`;
  }
}

function refused(sql: string): AeSqlError {
  try {
    parse(sql);
  } catch (error) {
    if (error instanceof AeSqlError) return error;
    throw error;
  }
  throw new Error(`expected ${sql} to be refused`);
}

describe("parse: clauses", () => {
  it("reads every clause of a SELECT", () => {
    const q = select(
      "SELECT DISTINCT blob1 AS city, count() c FROM analytics_events WHERE double1 > 0 GROUP BY city HAVING c > 1 ORDER BY c DESC, city LIMIT 10 OFFSET 5",
    );
    expect(q.distinct).toBe(true);
    expect(q.items.map((i) => (i.kind === "expr" ? [show(i.expr), i.alias] : "*"))).toEqual([["blob1", "city"], ["count()", "c"]]);
    expect(q.from).toMatchObject({ kind: "table", name: "analytics_events" });
    expect(show(q.where as Expr)).toBe("(double1 > 0)");
    expect(q.groupBy.map(show)).toEqual(["city"]);
    expect(show(q.having as Expr)).toBe("(c > 1)");
    expect(q.orderBy.map((o) => [show(o.expr), o.descending])).toEqual([["c", true], ["city", false]]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
  });

  it("reads LIMIT ALL, a subquery in FROM, a quoted table name, FORMAT and one trailing ;", () => {
    expect(select("SELECT blob1 FROM t LIMIT ALL").limit).toBe("ALL");
    const outer = select("SELECT a FROM (SELECT blob1 AS a FROM t) AS sub ORDER BY a");
    expect(outer.from?.kind).toBe("subquery");
    expect(select('SELECT 1 FROM "link-clicks"').from).toMatchObject({ kind: "table", name: "link-clicks" });
    expect(parse("SELECT 1 FORMAT JSONEachRow;")).toMatchObject({ kind: "select", format: "JSONEachRow", explicitFormat: true });
    expect(parse("SELECT 1")).toMatchObject({ format: "JSON", explicitFormat: false });
  });

  it.each<[string, Statement]>([
    ["SHOW TABLES", { kind: "show", what: "TABLES", format: "JSON" }],
    ["show timezones FORMAT TabSeparated", { kind: "show", what: "TIMEZONES", format: "TabSeparated" }],
    ["SHOW TIMEZONE;", { kind: "show", what: "TIMEZONE", format: "JSON" }],
  ])("%s", (sql, statement) => {
    expect(parse(sql)).toEqual(statement);
  });

  it("accepts aliases named like functions and units (count, date, hour, day)", () => {
    const q = select("SELECT SUM(_sample_interval) as count, toStartOfInterval(timestamp, INTERVAL '1' DAY) AS day, blob1 hour FROM t");
    expect(q.items.map((i) => (i.kind === "expr" ? i.alias : ""))).toEqual(["count", "day", "hour"]);
  });
});

describe("parse: expressions", () => {
  it.each([
    ["a OR b AND c", "(a OR (b AND c))"],
    ["NOT a = 1 AND b", "((NOT (a = 1)) AND b)"],
    ["1 + 2 * 3 - 4 / 5 % 6", "((1 + (2 * 3)) - ((4 / 5) % 6))"],
    ["double3*1.8+32", "((double3 * 1.8) + 32)"],
    ["-42", "-42"],
    ["- 4.2", "-4.2"],
    ["-double1", "(- double1)"],
    ["- -5", "(- -5)"],
    ["a <> b", "(a != b)"],
    ["a == b", "(a = b)"],
    ["x IN ('a', 'b')", "(x IN ['a', 'b'])"],
    ["x NOT IN (1)", "(x NOT IN [1])"],
    ["x BETWEEN 1 AND 2 AND y", "((x BETWEEN 1 AND 2) AND y)"],
    ["x NOT BETWEEN 0 AND 1", "(x NOT BETWEEN 0 AND 1)"],
    ["x LIKE 'a%'", "(x LIKE 'a%')"],
    ["x NOT ILIKE '%b'", "(x NOT ILIKE '%b')"],
    ["true", "true"],
    ["FALSE", "false"],
    ["INTERVAL '1' DAY", "INTERVAL(1 DAY)"],
    ["INTERVAL 15 minute", "INTERVAL(15 MINUTE)"],
    ["INTERVAL '2 HOUR'", "INTERVAL(2 HOUR)"],
    ["INTERVAL -1 YEAR", "INTERVAL(-1 YEAR)"],
    ["count()", "count()"],
    ["COUNT(*)", "COUNT(*)"],
    ["count(DISTINCT blob1)", "count(DISTINCT blob1)"],
    ["quantileExactWeighted(0.5)(double1, _sample_interval)", "quantileExactWeighted[0.5](double1, _sample_interval)"],
    ["topK(10)(blob1)", "topK[10](blob1)"],
    ["extract(SECOND from ts)", "toSecond(ts)"],
    ["position(':' IN 'a:b')", "position('a:b', ':')"],
    ["position(blob1, 'x')", "position(blob1, 'x')"],
    ["if(double3 <= 0, 'F', 'NF')", "if((double3 <= 0), 'F', 'NF')"],
    ["a.blob1", "a.blob1"],
  ])("%s", (sql, tree) => {
    expect(show(expr(sql))).toBe(tree);
  });

  it("binds AND tighter than OR without parentheses (repo-fraud-exclude-test)", () => {
    const where = select("SELECT * FROM t WHERE a NOT LIKE 'u%' AND b != 'none' OR c >= 0.6").where as Expr;
    expect(show(where)).toBe("(((a NOT LIKE 'u%') AND (b != 'none')) OR (c >= 0.6))");
  });
});

describe("parse: refusals name what is unsupported", () => {
  it.each([
    ["SELECT SUM(CASE WHEN blob3 LIKE '5%' THEN 1 ELSE 0 END) FROM t", "unsupported expression type: CASE WHEN"],
    ["SELECT a.blob1 FROM t AS a JOIN u AS b ON a.index1 = b.index1", "JOIN is not supported"],
    ["SELECT blob1 FROM t LEFT JOIN u USING (index1)", "JOIN is not supported"],
    ["SELECT blob1 FROM t, u", "JOIN is not supported"],
    ["SELECT blob1 FROM t ARRAY JOIN arr", "ARRAY JOIN is not supported"],
    ["SELECT blob1 FROM t UNION ALL SELECT blob1 FROM t", "UNION is not supported"],
    ["WITH x AS (SELECT 1) SELECT * FROM x", "WITH clauses"],
    ["SELECT 1; SELECT 2", "multiple statements"],
    ["INSERT INTO t VALUES (1)", "INSERT statements are not supported"],
    ["DROP TABLE data_points", "DROP statements are not supported"],
    ["SHOW DATABASES", "SHOW DATABASES is not supported"],
    ["SELECT NULL", "NULL is not supported"],
    ["SELECT 1 FROM t WHERE blob1 IS NULL", "IS [NOT] NULL"],
    ["SELECT (SELECT 1)", "subqueries are only supported in FROM"],
    ["SELECT 1 FROM t WHERE x IN (SELECT 1)", "IN (SELECT ...)"],
    ["SELECT 'a' || 'b'", "the || operator"],
    ["SELECT x::UInt8", "the :: cast operator"],
    ["SELECT CAST(x AS UInt8)", "CAST is not supported"],
    ["SELECT (1, 2)", "tuples are not supported"],
    ["SELECT [1, 2]", "array literals"],
    ["SELECT x ? 1 : 2", "?: conditional"],
    ["SELECT 1 FROM t LIMIT 5, 10", "LIMIT <offset>, <count>"],
    ["SELECT 1 FROM t LIMIT 1 BY blob1", "LIMIT ... BY"],
    ["SELECT 1 FROM t SETTINGS max_threads = 1", "SETTINGS is not supported"],
    ["SELECT 1 FORMAT CSV", "unknown format CSV"],
    ["SELECT 1 FORMAT json", "unknown format json"],
    ["SELECT 1 FROM system.tables", "database-qualified table names"],
    ["SELECT 1 FROM numbers(10)", "table functions"],
    ["SELECT sum(x) OVER () FROM t", "window functions"],
    ["SELECT 1 FROM t FINAL", "FINAL is not supported"],
    ["SELECT 1 FROM t WHERE x = 1 ORDER BY x NULLS FIRST", "ORDER BY ... NULLS"],
    ["SELECT INTERVAL '1' WEEK", "INTERVAL unit WEEK"],
    ["SELECT extract(WEEK FROM timestamp)", "extract(WEEK FROM ...)"],
  ])("%s", (sql, message) => {
    const error = refused(sql);
    expect(error.status).toBe(422);
    expect(error.code).toBe("unsupported");
    expect(error.message).toContain(message);
  });

  it.each([
    ["", "the query is empty"],
    ["SELECT", "expected an expression"],
    ["SELECT 1 FROM", "expected a table name"],
    ["SELECT 1 FROM t WHERE", "expected an expression"],
    ["SELECT 1 2", "expected end of query"],
    ["SELECT 1 FROM t LIMIT -1", "LIMIT takes a non-negative integer literal"],
    ["SELECT 1 FROM t LIMIT 1.5", "LIMIT takes a non-negative integer literal"],
    ["SELECT INTERVAL 'abc' DAY", "INTERVAL takes an integer count"],
    ["SELECT f(1", "expected ')'"],
  ])("syntax error: %s", (sql, message) => {
    const error = refused(sql);
    expect(error.code).toBe("syntax");
    expect(error.status).toBe(422);
    expect(error.message).toContain(message);
  });
});

describe("parse: limits", () => {
  it("refuses a query longer than the maximum statement length (bytes, not characters)", () => {
    const long = `SELECT '${"é".repeat(AE_SQL_LIMITS.maxQueryBytes / 2)}'`;
    expect(refused(long)).toMatchObject({ code: "limit", message: expect.stringContaining(`maximum SQL statement length is ${AE_SQL_LIMITS.maxQueryBytes} bytes`) });
  });

  it("allows brackets 10 deep and refuses 11", () => {
    const nested = (n: number) => `SELECT ${"(".repeat(n)}1${")".repeat(n)}`;
    expect(() => parse(nested(10))).not.toThrow();
    expect(refused(nested(11))).toMatchObject({ code: "limit", message: expect.stringContaining("nests brackets more than 10 deep") });
    const calls = (n: number) => `SELECT ${"abs(".repeat(n)}1${")".repeat(n)}`;
    expect(refused(calls(11)).code).toBe("limit");
  });

  it("refuses an operator chain deeper than the expression depth limit, without overflowing the stack", () => {
    const chain = `SELECT ${Array.from({ length: 200 }, () => "1").join(" + ")}`;
    expect(refused(chain)).toMatchObject({ code: "limit", message: expect.stringContaining("nested more than 100 levels") });
    const ok = `SELECT ${Array.from({ length: 50 }, () => "1").join(" + ")}`;
    expect(() => parse(ok)).not.toThrow();
  });
});
