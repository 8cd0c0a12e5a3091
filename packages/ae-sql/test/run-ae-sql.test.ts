import { describe, expect, it } from "vitest";
import { AE_SQL_LIMITS, AeSqlError, compile, executePlan, runAeSql, translateSqliteError } from "../src/index.ts";
import { DataPointsFixture } from "./fixture.ts";

function refusal(run: () => unknown): AeSqlError {
  try {
    run();
  } catch (error) {
    if (error instanceof AeSqlError) return error;
    throw error;
  }
  throw new Error("expected an AeSqlError");
}

const points = (n: number, dataset = "analytics_events") => Array.from({ length: n }, (_, i) => ({ dataset, timestamp: 1_700_000_000_000 + i * 1000, blobs: [`b${i}`], doubles: [i] }));

describe("runAeSql", () => {
  it("runs one statement after checking the dataset exists, and formats its rows", () => {
    const f = new DataPointsFixture(points(3));
    expect(JSON.parse(f.query("SELECT count() AS n FROM analytics_events").body)).toMatchObject({ data: [{ n: "3" }], rows: 1 });
    expect(f.statements.map((s) => s.sql)).toEqual([
      "SELECT 1 AS present FROM data_points WHERE dataset = ?1 LIMIT 1",
      "SELECT * FROM (SELECT CAST(count(*) AS TEXT) AS c0 FROM data_points WHERE (dataset = ?1)) LIMIT 10001",
    ]);
    expect(f.statements.map((s) => s.params)).toEqual([["analytics_events"], ["analytics_events"]]);
  });

  it("answers a dataset that never received a data point with an error saying it does not exist", () => {
    const f = new DataPointsFixture(points(1));
    const error = refusal(() => f.query("SELECT count() FROM never_written"));
    expect(error).toMatchObject({ code: "unknown-table", status: 422 });
    expect(error.message).toContain("Table never_written does not exist");
    // A dataset with data but none matching is simply empty.
    expect(f.rows("SELECT blob1 FROM analytics_events WHERE double1 > 10")).toEqual([]);
  });

  it("lists datasets (SHOW TABLES) and time zones (SHOW TIMEZONE[S]) without touching data for the zones", () => {
    const f = new DataPointsFixture([...points(1), ...points(1, "link-clicks")]);
    expect(f.rows("SHOW TABLES")).toEqual([{ dataset: "analytics_events" }, { dataset: "link-clicks" }]);
    expect(f.query("SHOW TABLES FORMAT TabSeparated").body).toBe("analytics_events\nlink-clicks\n");
    expect(f.rows("SHOW TIMEZONE")).toEqual([{ tz: "Etc/UTC" }]);
    const zones = f.rows("SHOW TIMEZONES").map((r) => r.tz);
    expect(zones).toEqual(expect.arrayContaining(["Etc/UTC", "UTC", "America/New_York", "Europe/Berlin"]));
    expect(new DataPointsFixture().rows("SHOW TABLES")).toEqual([]);
  });

  it("uses the injected clock for now() and today()", () => {
    const f = new DataPointsFixture();
    expect(f.rows("SELECT now() AS n, today() AS d", { now: new Date("2030-01-02T03:04:05.678Z") })).toEqual([{ n: "2030-01-02 03:04:05", d: "2030-01-02" }]);
    expect(f.rows("SELECT now() AS n", { now: 0 })).toEqual([{ n: "1970-01-01 00:00:00" }]);
  });

  it("reports errors raised inside SQLite as the AeSqlError they stand for, and leaves other errors alone", () => {
    const f = new DataPointsFixture(points(2));
    expect(refusal(() => f.query("SELECT intDiv(1, toUInt8(double1)) FROM analytics_events"))).toMatchObject({ code: "runtime", message: "Division by zero" });
    const other = new Error("disk I/O error");
    expect(translateSqliteError(other)).toBe(other);
  });

  it("refuses a query that reaches a limit of the SQLite build (workerd's expression depth is 100) or overflows 64-bit integers", () => {
    // The messages workerd's Durable Object SQLite gives (node:sqlite's limits are higher).
    expect(translateSqliteError(new Error("Expression tree is too large (maximum depth 100): SQLITE_ERROR"))).toMatchObject({
      code: "limit",
      status: 422,
      message: "the query is too complex for the local emulator's SQLite (Expression tree is too large (maximum depth 100)): simplify it",
    });
    expect(translateSqliteError(new Error("LIKE or GLOB pattern too complex: SQLITE_ERROR"))).toMatchObject({ code: "limit", status: 422 });
    expect(translateSqliteError(new Error("integer overflow"))).toMatchObject({ code: "runtime", status: 422 });
    // SQLite turns an overflowing integer product into a double: ClickHouse would wrap, we refuse.
    const f = new DataPointsFixture(points(2));
    const chain = Array(6).fill("toUInt32(4000000000)").join(" * ");
    expect(refusal(() => f.query(`SELECT ${chain} AS p FROM analytics_events`))).toMatchObject({ code: "runtime", status: 422, message: expect.stringContaining("integer overflow") });
  });
});

describe("guard rails", () => {
  it("refuses an explicit LIMIT above the maximum (10^12 included), and accepts the maximum", () => {
    const f = new DataPointsFixture(points(2));
    for (const limit of ["1000000000000", String(AE_SQL_LIMITS.maxResultRows + 1)]) {
      const error = refusal(() => f.query(`SELECT blob1 FROM analytics_events LIMIT ${limit}`));
      expect(error).toMatchObject({ code: "limit", status: 422 });
      expect(error.message).toContain(`is above the maximum of ${AE_SQL_LIMITS.maxResultRows} rows`);
    }
    expect(f.rows(`SELECT blob1 FROM analytics_events LIMIT ${AE_SQL_LIMITS.maxResultRows}`)).toHaveLength(2);
  });

  it("refuses, never truncates, a result above the maximum when LIMIT is absent or ALL", () => {
    const f = new DataPointsFixture(points(5));
    const limits = { maxResultRows: 4 };
    for (const sql of ["SELECT blob1 FROM analytics_events", "SELECT blob1 FROM analytics_events LIMIT ALL", "SELECT lowerUTF8(blob1) AS b FROM analytics_events ORDER BY b"]) {
      expect(refusal(() => f.query(sql, { limits }))).toMatchObject({ code: "limit", message: expect.stringContaining("more than 4 rows: add a LIMIT") });
    }
    expect(f.rows("SELECT blob1 FROM analytics_events LIMIT 4", { limits })).toHaveLength(4);
    expect(f.rows("SELECT blob1 FROM analytics_events OFFSET 1", { limits })).toHaveLength(4);
  });

  it("refuses queries that would need too many bound values or too large a statement", () => {
    const f = new DataPointsFixture(points(1));
    const strings = (n: number) => Array.from({ length: n }, (_, i) => `'s${i}'`).join(", ");
    expect(refusal(() => f.query(`SELECT ${strings(100)} FROM analytics_events`))).toMatchObject({ code: "limit", message: expect.stringContaining("binds at most 100") });
    expect(f.rows(`SELECT ${strings(99)} FROM analytics_events`)).toHaveLength(1);
    // A long IN list is one JSON parameter.
    const longIn = Array.from({ length: 500 }, (_, i) => `'s${i}'`).join(", ");
    expect(f.rows(`SELECT count() AS n FROM analytics_events WHERE blob1 IN (${longIn}, 'b0')`)).toEqual([{ n: "1" }]);
    expect(refusal(() => f.query("SELECT toStartOfDay(timestamp, 'Europe/Paris') FROM analytics_events", { limits: { maxCompiledSqlBytes: 200 } })).message).toContain("compiles to");
  });

  it("never lets user text into the SQL: identifiers and literals are bound parameters", () => {
    const f = new DataPointsFixture(points(1));
    const hostile = `x'); DROP TABLE data_points; --`;
    expect(refusal(() => f.query(`SELECT * FROM "${hostile.replace(/"/g, '""')}"`)).code).toBe("unknown-table");
    expect(f.rows(`SELECT count() AS n FROM analytics_events WHERE blob1 = '${hostile.replace(/'/g, "''")}' OR blob1 LIKE '%${"'); --".replace(/'/g, "''")}%'`)).toEqual([{ n: "0" }]);
    for (const { sql, params } of f.statements) {
      expect(sql).not.toContain("DROP");
      expect(params.length).toBeLessThanOrEqual(100);
    }
    expect(f.rows("SELECT count() AS n FROM analytics_events")).toEqual([{ n: "1" }]);
    // Other tables are unreachable: a table name only ever filters data_points.dataset.
    expect(refusal(() => f.query("SELECT * FROM sqlite_master")).code).toBe("unknown-table");
    expect(refusal(() => f.query("SELECT * FROM main.data_points")).code).toBe("unsupported");
  });
});

describe("compile + executePlan (the Durable Object's two steps)", () => {
  it("lets the caller run plan.sql itself and hand the rows back", () => {
    const f = new DataPointsFixture(points(3));
    const plan = compile("SELECT blob1, double1 * 2 AS d FROM analytics_events ORDER BY d DESC LIMIT 2", { now: 0 });
    const rows = f.runner.exec(plan.sql as string, plan.params);
    const result = executePlan(plan, rows);
    expect(result).toMatchObject({
      meta: [
        { name: "blob1", type: "String" },
        { name: "d", type: "Float64" },
      ],
      data: [
        ["b2", 4],
        ["b1", 2],
      ],
      rows: 2,
      rowsBeforeLimitAtLeast: 3,
    });
    expect(plan.table).toBe("analytics_events");
    expect(runAeSql("SHOW TIMEZONE", f.runner).body).toContain("Etc\\/UTC");
  });
});
