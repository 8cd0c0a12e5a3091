import { describe, expect, it } from "vitest";
import { AeSqlError } from "../src/index.ts";
import { DataPointsFixture } from "./fixture.ts";

const NOW = Date.parse("2026-03-31T12:00:00Z");

// Rows inserted out of time order, so first_value/last_value cannot pass by insertion order.
const fixture = new DataPointsFixture([
  { timestamp: "2026-03-31 10:00:00", index1: "a", sampleInterval: 1, blobs: ["Paris", "x"], doubles: [4, 1] },
  { timestamp: "2026-03-31 08:00:00", index1: "a", sampleInterval: 1, blobs: ["London", "x"], doubles: [1, 1] },
  { timestamp: "2026-03-31 09:00:00", index1: "b", sampleInterval: 1, blobs: ["London", "y"], doubles: [2, 0] },
  { timestamp: "2026-03-31 11:00:00", index1: "b", sampleInterval: 10, blobs: ["Oslo", "y"], doubles: [3, 0] },
]);

const rows = (sql: string) => fixture.rows(sql, { now: NOW });
const first = (sql: string) => rows(sql)[0] as Record<string, unknown>;

function refusal(sql: string): AeSqlError {
  try {
    fixture.query(sql, { now: NOW });
  } catch (error) {
    if (error instanceof AeSqlError) return error;
    throw error;
  }
  throw new Error(`expected ${sql} to be refused`);
}

describe("aggregates", () => {
  it("count, sum, avg, min, max and their DISTINCT forms", () => {
    expect(
      first(
        "SELECT count() AS n, count(*) AS star, count(DISTINCT blob1) AS cities, sum(_sample_interval) AS weighted, sum(double1) AS s, " +
          "sum(DISTINCT double2) AS sd, avg(double1) AS a, avg(DISTINCT double2) AS ad, min(blob1) AS lo, max(timestamp) AS hi FROM analytics_events",
      ),
    ).toEqual({ n: "4", star: "4", cities: "3", weighted: "13", s: 10, sd: 1, a: 2.5, ad: 0.5, lo: "London", hi: "2026-03-31 11:00:00" });
  });

  it("countIf, sumIf, avgIf", () => {
    expect(first("SELECT countIf(double1 > 1) AS c, sumIf(double1, double2 > 0) AS s, avgIf(double1, blob1 = 'London') AS a FROM analytics_events")).toEqual({
      c: "3",
      s: 5,
      a: 1.5,
    });
  });

  it("gives ClickHouse's values over no rows (0, '', nan as null, [])", () => {
    expect(
      first(
        "SELECT count() AS n, sum(double1) AS s, sum(_sample_interval) AS w, avg(double1) AS a, min(double1) AS lo, max(blob1) AS hi, " +
          "quantileExactWeighted(0.5)(double1, _sample_interval) AS q, argMax(blob1, double1) AS am, topK(blob1) AS t, first_value(blob1) AS fv " +
          "FROM analytics_events WHERE double1 > 100",
      ),
    ).toEqual({ n: "0", s: 0, w: "0", a: null, lo: 0, hi: "", q: null, am: "", t: [], fv: "" });
  });

  it("quantileExactWeighted follows ClickHouse: the first value whose running weight reaches ceil(total * level)", () => {
    expect(first("SELECT quantileExactWeighted(0.5)(double1, 1) AS m FROM analytics_events")).toEqual({ m: 2 });
    // Weights 1, 1, 1, 10 over values 1, 2, 4, 3: total 13, threshold 7 is reached at 3.
    expect(first("SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS m FROM analytics_events")).toEqual({ m: 3 });
    expect(first("SELECT quantileExactWeighted(0)(double1, _sample_interval) AS lo, quantileExactWeighted(1)(double1, _sample_interval) AS hi FROM analytics_events")).toEqual({ lo: 1, hi: 4 });
    expect(first("SELECT quantileWeighted(0.5, double1, _sample_interval) AS a, quantileWeighted(0.5)(double1, _sample_interval) AS b FROM analytics_events")).toEqual({ a: 3, b: 3 });
    expect(first("SELECT quantileExactWeighted(0.5)(_sample_interval, 1) AS m FROM analytics_events")).toEqual({ m: 1 });
    expect(refusal("SELECT quantileExactWeighted(1.5)(double1, 1) FROM analytics_events").message).toContain("between 0 and 1");
    expect(refusal("SELECT quantileExactWeighted(0.5)(double1, double1 - 10) FROM analytics_events").message).toContain("negative weight");
  });

  it("argMax/argMin, first_value/last_value (earliest/latest by timestamp), topK/topKWeighted", () => {
    expect(first("SELECT argMax(blob1, double1) AS amax, argMin(blob1, double1) AS amin, argMax(blob1, timestamp) AS latest FROM analytics_events")).toEqual({
      amax: "Paris",
      amin: "London",
      latest: "Oslo",
    });
    expect(first("SELECT first_value(blob1) AS f, last_value(blob1) AS l FROM analytics_events")).toEqual({ f: "London", l: "Oslo" });
    expect(first("SELECT topK(blob1) AS t, topK(1)(blob1) AS t1, topKWeighted(2)(blob1, _sample_interval) AS w FROM analytics_events")).toEqual({
      t: ["London", "Paris", "Oslo"],
      t1: ["London"],
      w: ["Oslo", "London"],
    });
  });

  it("moves doubles through JavaScript-finished aggregates bit for bit", () => {
    const doubles = [-1.5531843254264468e-105, 0.1, 1e300, 5e-324, 123.456, 2 ** 53 + 2, -0.30000000000000004];
    const f = new DataPointsFixture(doubles.map((d, i) => ({ timestamp: 1000 + i, doubles: [d, i] })));
    const result = f.rows("SELECT topK(10)(double1) AS t, argMax(double1, double2) AS last, first_value(double1) AS first FROM analytics_events")[0];
    expect(result).toEqual({ t: doubles, last: doubles.at(-1), first: doubles[0] });
  });

  it("groups by columns, aliases, positions and expressions, and lets SELECT use functions of the keys", () => {
    expect(rows("SELECT index1, sum(_sample_interval) AS n FROM analytics_events GROUP BY index1 ORDER BY index1")).toEqual([
      { index1: "a", n: "2" },
      { index1: "b", n: "11" },
    ]);
    expect(rows("SELECT blob2 AS kind, count() AS n FROM analytics_events GROUP BY kind ORDER BY kind")).toEqual(rows("SELECT blob2 AS kind, count() AS n FROM analytics_events GROUP BY 1 ORDER BY 1"));
    expect(rows("SELECT toUpper(blob2) AS up, count() AS n FROM analytics_events GROUP BY blob2 ORDER BY n DESC, up")).toEqual([
      { up: "X", n: "2" },
      { up: "Y", n: "2" },
    ]);
    expect(rows("SELECT toStartOfInterval(timestamp, INTERVAL 2 HOUR) AS h, count() AS n FROM analytics_events GROUP BY h ORDER BY h")).toEqual([
      { h: "2026-03-31 08:00:00", n: "2" },
      { h: "2026-03-31 10:00:00", n: "2" },
    ]);
  });

  it("filters groups with HAVING on aliases and aggregate expressions", () => {
    expect(rows("SELECT blob1 AS city, count() AS n FROM analytics_events GROUP BY city HAVING n > 1")).toEqual([{ city: "London", n: "2" }]);
    expect(rows("SELECT blob1, sum(_sample_interval) AS w FROM analytics_events GROUP BY blob1 HAVING SUM(_sample_interval) > 5")).toEqual([{ blob1: "Oslo", w: "10" }]);
  });

  it("resolves SELECT aliases in WHERE (the billing recipe)", () => {
    expect(rows("SELECT index1 AS customer_id, count() AS n FROM analytics_events WHERE customer_id = 'b' GROUP BY customer_id")).toEqual([{ customer_id: "b", n: "2" }]);
  });

  it("ignores ORDER BY on a one-row aggregate (the docs' first_value ... ORDER BY timestamp)", () => {
    expect(rows("SELECT first_value(blob1) FROM analytics_events ORDER BY timestamp DESC")).toEqual([{ "first_value(blob1)": "London" }]);
  });

  it("refuses what ClickHouse refuses", () => {
    expect(refusal("SELECT blob1, count() FROM analytics_events").message).toContain("Column blob1 is not under an aggregate function and not in GROUP BY");
    expect(refusal("SELECT blob2 FROM analytics_events GROUP BY blob1").message).toContain("Column blob2 is not under an aggregate function");
    expect(refusal("SELECT sum(count()) FROM analytics_events").message).toContain("found inside another aggregate function");
    expect(refusal("SELECT blob1 FROM analytics_events WHERE count() > 1").message).toContain("Aggregate function count is found in WHERE");
    expect(refusal("SELECT sum(double1) AS s FROM analytics_events GROUP BY s").message).toContain("found in GROUP BY");
    expect(refusal("SELECT COALESCE(blob1, 'x') FROM analytics_events").message).toBe("Unknown function COALESCE: it is not in the Analytics Engine SQL function list");
    expect(refusal("SELECT uniq(blob1) FROM analytics_events")).toMatchObject({ code: "unknown-function" });
    expect(refusal("SELECT blob21 FROM analytics_events")).toMatchObject({ code: "unknown-identifier", message: "Unknown identifier blob21 in SELECT" });
    expect(refusal("SELECT BLOB1 FROM analytics_events").code).toBe("unknown-identifier");
    expect(refusal("SELECT blob1").message).toContain("the query has no FROM clause");
    expect(refusal("SELECT t.blob1 FROM analytics_events AS t").message).toContain("qualified column names");
    expect(refusal("SELECT count(DISTINCT blob1, blob2) FROM analytics_events").message).toContain("takes 0 to 1 arguments");
    expect(refusal("SELECT sum(*) FROM analytics_events").message).toContain("count(*)");
    expect(refusal("SELECT abs(DISTINCT double1) FROM analytics_events").message).toContain("DISTINCT is only allowed in aggregate functions");
    expect(refusal("SELECT topK(1)(2)(blob1) FROM analytics_events").code).toBe("syntax");
    expect(refusal("SELECT blob1 FROM analytics_events HAVING blob1 = 'x'").message).toContain("HAVING without GROUP BY");
    expect(refusal("SELECT 1 AS a, 2 AS a").message).toContain("same alias");
    expect(refusal("SELECT blob1 FROM analytics_events WHERE double1").message).toContain("Illegal type Float64 of column for filter");
    expect(refusal("SELECT blob1 FROM analytics_events WHERE blob1").code).toBe("type");
  });
});

describe("operator chains", () => {
  it("combines long AND/OR chains as balanced trees with the same answers", () => {
    const cities = ["Paris", "London", ...Array.from({ length: 97 }, (_, i) => `c${i}`)];
    const or = first(`SELECT count() AS n FROM analytics_events WHERE ${cities.map((c) => `blob1 = '${c}'`).join(" OR ")}`);
    expect(or).toEqual({ n: "3" });
    const and = first(`SELECT count() AS n FROM analytics_events WHERE ${Array.from({ length: 99 }, (_, i) => `double1 > ${-i}`).join(" AND ")}`);
    expect(and).toEqual({ n: "4" });
    expect(rows("SELECT blob1 = 'Oslo' OR double1 = 1 OR double2 = 0 AND blob1 = 'London' OR 0 AS k FROM analytics_events ORDER BY timestamp").map((r) => r.k)).toEqual([1, 1, 0, 1]);
  });

  it("keeps a sub-chain that is a GROUP BY key whole", () => {
    expect(rows("SELECT (blob1 = 'London' OR blob1 = 'Oslo') OR 0 AS k, count() AS n FROM analytics_events GROUP BY blob1 = 'London' OR blob1 = 'Oslo' ORDER BY k")).toEqual([
      { k: 0, n: "1" },
      { k: 1, n: "3" },
    ]);
  });

  it("divides along a chain exactly, zero divisors included", () => {
    const repeated = (d: number): number => Array<number>(29).fill(d).reduce((q, x) => q / x, d);
    expect(rows(`SELECT ${Array(30).fill("double1").join(" / ")} AS q FROM analytics_events ORDER BY timestamp`).map((r) => r.q)).toEqual([1, 2, 4, 3].map(repeated));
    const zero = fixture.query("SELECT double1 / 0, -double1 / 0, (double1 - double1) / 0, double1 % 0.75 % 0.5 FROM analytics_events ORDER BY timestamp FORMAT TabSeparated", { now: NOW });
    expect(zero.body).toBe("inf\t-inf\tnan\t0.25\ninf\t-inf\tnan\t0\ninf\t-inf\tnan\t0.25\ninf\t-inf\tnan\t0\n");
  });
});

describe("ORDER BY, LIMIT, DISTINCT, subqueries", () => {
  it("orders with ASC/DESC, by alias and by position, and reports rows before LIMIT", () => {
    const result = fixture.json("SELECT blob1, double1 AS d FROM analytics_events ORDER BY 1, d DESC LIMIT 2 OFFSET 1", { now: NOW });
    expect(result.data).toEqual([
      { blob1: "London", d: 1 },
      { blob1: "Oslo", d: 3 },
    ]);
    expect(result.rows_before_limit_at_least).toBe(4);
    expect(fixture.json("SELECT blob1 FROM analytics_events", { now: NOW }).rows_before_limit_at_least).toBeUndefined();
  });

  it("sorts nan last in both directions, as ClickHouse does", () => {
    const sql = (dir: string) => `SELECT double1 / double2 AS r FROM analytics_events WHERE blob1 != 'Paris' ORDER BY r ${dir}`;
    const asc = fixture.query(`${sql("ASC")} FORMAT TabSeparated`, { now: NOW }).body;
    const desc = fixture.query(`${sql("DESC")} FORMAT TabSeparated`, { now: NOW }).body;
    expect(asc).toBe("1\ninf\ninf\n");
    expect(desc).toBe("inf\ninf\n1\n");
    const withNan = new DataPointsFixture([{ timestamp: 1, doubles: [0, 0] }, { timestamp: 2, doubles: [1, 2] }, { timestamp: 3, doubles: [-1, 2] }]);
    expect(withNan.query("SELECT double1 / double2 AS r FROM analytics_events ORDER BY r FORMAT TabSeparated").body).toBe("-0.5\n0.5\nnan\n");
    expect(withNan.query("SELECT double1 / double2 AS r FROM analytics_events ORDER BY r DESC FORMAT TabSeparated").body).toBe("0.5\n-0.5\nnan\n");
  });

  it("sorts by JavaScript-finished values after the query (and still reports rows before LIMIT)", () => {
    const result = fixture.json("SELECT index1, quantileExactWeighted(0.5)(double1, 1) AS m FROM analytics_events GROUP BY index1 ORDER BY m DESC LIMIT 1", { now: NOW });
    expect(result.data).toEqual([{ index1: "b", m: 2 }]);
    expect(result.rows_before_limit_at_least).toBe(2);
    expect(rows("SELECT lowerUTF8(blob1) AS c FROM analytics_events ORDER BY c DESC LIMIT 2")).toEqual([{ c: "paris" }, { c: "oslo" }]);
  });

  it("de-duplicates DISTINCT rows, also when a column is finished in JavaScript", () => {
    expect(rows("SELECT DISTINCT blob2 FROM analytics_events ORDER BY blob2")).toEqual([{ blob2: "x" }, { blob2: "y" }]);
    const f = new DataPointsFixture([{ timestamp: 1, blobs: ["Ä"] }, { timestamp: 2, blobs: ["ä"] }]);
    expect(f.rows("SELECT DISTINCT lowerUTF8(blob1) AS l FROM analytics_events")).toEqual([{ l: "ä" }]);
    expect(refusal("SELECT DISTINCT blob1 FROM analytics_events ORDER BY double1").message).toContain("ORDER BY must use selected columns");
  });

  it("runs subqueries in FROM, passing JavaScript-finished columns through", () => {
    expect(
      rows("SELECT city, n FROM (SELECT blob1 AS city, count() AS n FROM analytics_events GROUP BY city) WHERE n >= 1 ORDER BY n DESC, city LIMIT 2"),
    ).toEqual([
      { city: "London", n: "2" },
      { city: "Oslo", n: "1" },
    ]);
    expect(rows("SELECT k, q FROM (SELECT index1 AS k, quantileExactWeighted(0.5)(double1, 1) AS q FROM analytics_events GROUP BY k) ORDER BY k")).toEqual([
      { k: "a", q: 1 },
      { k: "b", q: 2 },
    ]);
    expect(rows("SELECT * FROM (SELECT blob1, double1 FROM analytics_events ORDER BY double1 DESC LIMIT 1)")).toEqual([{ blob1: "Paris", double1: 4 }]);
    expect(refusal("SELECT q FROM (SELECT quantileExactWeighted(0.5)(double1, 1) AS q FROM analytics_events) WHERE q > 1").message).toContain("cannot be used in WHERE");
  });

  it("selects * in the documented column order", () => {
    const result = fixture.json("SELECT * FROM analytics_events LIMIT 1");
    expect(result.meta.slice(0, 6)).toEqual([
      { name: "dataset", type: "String" },
      { name: "timestamp", type: "DateTime" },
      { name: "_sample_interval", type: "UInt32" },
      { name: "index1", type: "String" },
      { name: "blob1", type: "String" },
      { name: "blob2", type: "String" },
    ]);
    expect(result.meta.map((m) => m.name).slice(-1)).toEqual(["double20"]);
    expect(result.meta).toHaveLength(44);
  });

  it("names unaliased columns as ClickHouse does", () => {
    const names = (sql: string) => fixture.json(sql).meta.map((m) => m.name);
    expect(names("SELECT SUM(_sample_interval), count(*), count(DISTINCT blob1), quantileExactWeighted(0.50)(double1, 1), sum(double1) / 2 FROM analytics_events")).toEqual([
      "SUM(_sample_interval)",
      "count()",
      "countDistinct(blob1)",
      "quantileExactWeighted(0.5)(double1, 1)",
      "divide(sum(double1), 2)",
    ]);
    expect(names("SELECT 1 + 2, -42, 1.0, 'x', blob1 = 'a', a AND b OR c, NOT a, double1 BETWEEN 1 AND 2, blob1 IN ('a', 'b') FROM (SELECT 1 AS a, 0 AS b, 1 AS c, blob1, double1 FROM analytics_events)")).toEqual([
      "plus(1, 2)",
      "-42",
      "1.",
      "'x'",
      "equals(blob1, 'a')",
      "or(and(a, b), c)",
      "not(a)",
      "and(greaterOrEquals(double1, 1), lessOrEquals(double1, 2))",
      "in(blob1, ('a', 'b'))",
    ]);
  });
});

describe("ordering 64-bit results", () => {
  it("orders UInt64 counts numerically (they are read as text, but sorted as numbers)", () => {
    const f = new DataPointsFixture([
      ...Array.from({ length: 10 }, (_, i) => ({ timestamp: i, blobs: ["many"] })),
      ...Array.from({ length: 9 }, (_, i) => ({ timestamp: 100 + i, blobs: ["fewer"] })),
      { timestamp: 200, blobs: ["one"], sampleInterval: 2 },
    ]);
    expect(f.rows("SELECT blob1, count() AS n FROM analytics_events GROUP BY blob1 ORDER BY n DESC")).toEqual([
      { blob1: "many", n: "10" },
      { blob1: "fewer", n: "9" },
      { blob1: "one", n: "1" },
    ]);
    expect(f.rows("SELECT b, n FROM (SELECT blob1 AS b, sum(_sample_interval) AS n FROM analytics_events GROUP BY b) ORDER BY n LIMIT 2")).toEqual([
      { b: "one", n: "2" },
      { b: "fewer", n: "9" },
    ]);
    expect(f.rows("SELECT DISTINCT count() AS n FROM analytics_events GROUP BY blob1 ORDER BY n")).toEqual([{ n: "1" }, { n: "9" }, { n: "10" }]);
  });
});
