import { describe, expect, it } from "vitest";
import { compile } from "../src/index.ts";

const NOW = Date.parse("2025-10-28T00:00:00Z");

describe("compile: the generated SQLite statement (SQL as data)", () => {
  it("filters the dataset by parameter, folds now() - INTERVAL into a constant, groups, orders by a raw key, counts rows before LIMIT", () => {
    const plan = compile(
      "SELECT blob1 AS city, SUM(_sample_interval) AS n FROM analytics_events WHERE timestamp > NOW() - INTERVAL '1' DAY AND blob2 IN ('a', 'b') GROUP BY city ORDER BY n DESC LIMIT 10",
      { now: NOW },
    );
    expect(plan.sql).toBe(
      "SELECT *, count(*) OVER () AS __rows_before_limit FROM (SELECT blob1 AS c0, CAST(COALESCE(sum(_sample_interval), 0) AS TEXT) AS c1, COALESCE(sum(_sample_interval), 0) AS o0 " +
        "FROM data_points WHERE (dataset = ?1) AND (((timestamp_ms >= 1761523201000) AND (blob2 IN (SELECT value FROM json_each(?2))))) GROUP BY blob1) ORDER BY o0 DESC LIMIT 10",
    );
    expect(plan.params).toEqual(["analytics_events", '["a","b"]']);
    expect(plan).toMatchObject({ table: "analytics_events", limit: 10, offset: 0, totalColumn: "__rows_before_limit", format: "JSON" });
    expect(plan.columns.map((c) => [c.name, c.type])).toEqual([
      ["city", { kind: "String" }],
      ["n", { kind: "UInt", bits: 64 }],
    ]);
  });

  it("binds every user string, the table name and fractional doubles; only compiler-made text is SQL", () => {
    const plan = compile(`SELECT 'it''s' AS s, 4.2 AS d, 3 AS i FROM "x'; DROP TABLE data_points; --"`, { now: NOW });
    expect(plan.sql).toBe("SELECT * FROM (SELECT ?1 AS c0, ?2 AS c1, 3 AS c2 FROM data_points WHERE (dataset = ?3)) LIMIT 10001");
    expect(plan.params).toEqual(["it's", 4.2, "x'; DROP TABLE data_points; --"]);
  });

  it("compiles LIKE to case-sensitive GLOB or substr/instr, and ILIKE to lower()", () => {
    const plan = compile("SELECT blob1 FROM \"link-clicks\" WHERE blob1 LIKE 'error%' AND blob2 ILIKE '%.jpg' AND blob3 LIKE 'log__' AND blob4 NOT LIKE '%test%'", { now: NOW });
    expect(plan.sql).toBe(
      // Four conditions combine as a balanced tree (a AND b) AND (c AND d): see "operator chains" in queries.test.ts.
      "SELECT * FROM (SELECT blob1 AS c0 FROM data_points WHERE (dataset = ?1) AND ((((substr(blob1, 1, 5) = ?2) AND (length(blob2) >= 4 AND substr(lower(blob2), -4) = ?3)) " +
        "AND ((blob3 GLOB ?4) AND (NOT (instr(blob4, ?5) > 0)))))) LIMIT 10001",
    );
    expect(plan.params).toEqual(["link-clicks", "error", ".jpg", "log??", "test"]);
  });

  it("compiles a subquery in FROM under a compiler-made alias", () => {
    const plan = compile("SELECT probe_name, num_readings FROM (SELECT blob1 AS probe_name, count() as num_readings FROM analytics_events GROUP BY probe_name) ORDER BY num_readings DESC", { now: NOW });
    expect(plan.sql).toBe(
      "SELECT * FROM (SELECT __s1.c0 AS c0, CAST(__s1.c1 AS TEXT) AS c1, __s1.c1 AS o0 FROM (SELECT blob1 AS c0, count(*) AS c1 FROM data_points WHERE (dataset = ?1) GROUP BY blob1) AS __s1) ORDER BY o0 DESC LIMIT 10001",
    );
  });

  it("sorts nan (NULL in SQLite) last, as ClickHouse does", () => {
    expect(compile("SELECT double1 / double2 AS r FROM analytics_events ORDER BY r", { now: NOW }).sql).toContain("ORDER BY (o0 IS NULL), o0 LIMIT");
  });

  it("binds a zone's offset table once, as a materialised CTE, and only parameters the SQL uses", () => {
    const plan = compile("SELECT toStartOfInterval(timestamp, INTERVAL '1' DAY, 'Europe/Berlin') AS d, toDateTime(d, 'Etc/UTC') AS u FROM analytics_events GROUP BY d", { now: NOW });
    expect(plan.sql?.startsWith("WITH __tz0(s, o) AS MATERIALIZED (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)) SELECT ")).toBe(true);
    expect(plan.sql?.match(/__tz\d/g)?.every((name) => name === "__tz0")).toBe(true);
    // The zone names were literals, but never reach SQLite: only the table and the dataset are bound.
    expect(plan.params).toHaveLength(2);
    const table = JSON.parse(plan.params[0] as string) as Array<[number, number]>;
    expect(table[0]).toEqual([-1e15, 3600]);
    expect(table).toContainEqual([1711846800, 7200]); // 2024-03-31 01:00 UTC: CEST starts
    expect(Math.max(...(plan.sql?.match(/\?(\d+)/g) ?? []).map((p) => Number(p.slice(1))))).toBe(plan.params.length);
  });

  it("finishes quantiles in JavaScript from json_group_array, moving doubles as IEEE-754 bits", () => {
    const plan = compile("SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS p50 FROM analytics_events", { now: NOW });
    expect(plan.sql).toMatch(/^SELECT \* FROM \(SELECT json_group_array\(json_array\(CAST\(\(CASE WHEN double1 IS NULL THEN NULL /);
    expect(plan.columns.map((c) => [c.name, c.type])).toEqual([["p50", { kind: "Float64" }]]);
  });

  it("applies OFFSET after the statement (so the window count arrives even when every row is skipped)", () => {
    const plan = compile("SELECT blob1 FROM analytics_events ORDER BY blob1 LIMIT 5 OFFSET 20", { now: NOW });
    expect(plan.sql).toMatch(/LIMIT 25$/);
    expect(plan).toMatchObject({ limit: 5, offset: 20 });
  });

  it("needs no SQL for SHOW TIMEZONE and one statement for SHOW TABLES", () => {
    expect(compile("SHOW TIMEZONE")).toMatchObject({ sql: undefined, staticRows: [["Etc/UTC"]] });
    expect(compile("SHOW TABLES").sql).toBe("SELECT DISTINCT dataset AS c0 FROM data_points ORDER BY dataset");
  });
  // workerd's SQLite refuses expressions deeper than 100 levels (node:sqlite allows 1000, so the
  // limit itself is exercised in ../test-workerd/); bracket depth bounds the expression depth here.
  it("keeps bit counts and operator chains shallow (workerd's SQLite allows expression depth 100)", () => {
    const depth = (sql: string): number => {
      let level = 0;
      let max = 0;
      for (const c of sql) {
        if (c === "(") max = Math.max(max, ++level);
        else if (c === ")") level--;
      }
      return max;
    };
    // 64 bits summed pairwise: six levels of additions, not 64.
    const bits = compile("SELECT bitHammingDistance(double1, double2) AS h FROM analytics_events", { now: NOW }).sql as string;
    expect(bits).toContain("((((((((__v1 >> 0) & 1) + ((__v1 >> 1) & 1)) + (((__v1 >> 2) & 1) + ((__v1 >> 3) & 1)))");
    expect(depth(bits)).toBeLessThan(20);
    const or = compile(`SELECT count() FROM analytics_events WHERE ${Array.from({ length: 99 }, (_, i) => `blob1 = 'v${i}'`).join(" OR ")}`, { now: NOW });
    expect(depth(or.sql as string)).toBeLessThan(20);
    // A dividend is not copied: a chain of 30 divisions stays linear in size.
    const division = compile(`SELECT ${Array(30).fill("double1").join(" / ")} AS q FROM analytics_events`, { now: NOW }).sql as string;
    expect(division.length).toBeLessThan(5_000);
  });
});
