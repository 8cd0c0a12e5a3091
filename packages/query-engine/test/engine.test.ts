// The SqlEngine over DuckDB-WASM's blocking browser build, in Node (the same build, fixes and
// engine code as in workerd, where workers/api/test/engine.test.ts runs the same kind of checks):
// result types, bound parameters, errors by kind, table replacement, memory.
import { lakeColumns } from "@edge-analytics/event-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateDuckDBInNode } from "../scripts/node-duckdb.ts";
import { arrowSchemaOf, columnData, ipcStreamOf, recordBatchOf } from "../src/arrow-vectors.ts";
import { type ConfigurableSqlEngine, createSqlEngine, DEFAULT_MEMORY_LIMIT } from "../src/engine.ts";
import { EngineError } from "../src/engine-error.ts";

let engine: ConfigurableSqlEngine;
let broken = 0;

beforeAll(async () => {
  engine = createSqlEngine(await instantiateDuckDBInNode(), {}, () => broken++);
}, 60_000);

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** An api_request table (it has int64, float64, boolean, timestamp and text columns). */
function apiRequestsIpc(rows: { path: string; status: number | bigint | null; ms: number }[]): Uint8Array {
  const columns = lakeColumns("api_request").filter((c) => ["timestamp", "path", "status_code", "duration_ms", "is_bot"].includes(c.name));
  const values: Record<string, unknown[]> = {
    timestamp: rows.map((_, i) => BigInt(Date.parse("2026-01-01T00:00:00Z") + i * 1000)),
    path: rows.map((r) => r.path),
    status_code: rows.map((r) => r.status),
    duration_ms: rows.map((r) => r.ms),
    is_bot: rows.map((_, i) => i % 2 === 0),
  };
  const schema = arrowSchemaOf(columns);
  return ipcStreamOf(schema, [recordBatchOf(schema, columns.map((c) => columnData(c.kind, values[c.name]!)), rows.length)]);
}

describe("settings", () => {
  it("runs one thread, without extension autoloading, within the default memory limit", async () => {
    const settings = await engine.query<{ name: string; value: string }>(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'autoload_known_extensions', 'autoinstall_known_extensions', 'memory_limit') ORDER BY name",
    );
    expect(Object.fromEntries(settings.map((s) => [s.name, s.value]))).toEqual({
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      // DuckDB shows 64MB as 61.0 MiB.
      memory_limit: "61.0 MiB",
      threads: "1",
    });
    expect(DEFAULT_MEMORY_LIMIT).toBe("64MB");
  });
});

describe("result values", () => {
  it("maps DuckDB types to plain values", async () => {
    const [row] = await engine.query(`SELECT
      42 AS int, 9007199254740993::BIGINT AS big, -5::BIGINT AS small_big, 1.5::DOUBLE AS dbl, 2.25::DECIMAL(10, 2) AS dec,
      sum(x) AS hugeint_sum, 'naïve 🎉' AS text, true AS yes, NULL AS nothing,
      TIMESTAMP '2026-01-01 10:00:00.123456' AS ts, '2026-01-01 10:00:00.5'::TIMESTAMP_MS AS ts_ms, DATE '2026-03-29' AS day,
      [1, 2, NULL] AS list, {'a': 1, 'b': 'x'} AS struct, 'ab'::BLOB AS blob
      FROM (SELECT 7::BIGINT AS x)`);
    expect(row).toEqual({
      int: 42,
      big: 9007199254740993n,
      small_big: -5,
      dbl: 1.5,
      dec: 2.25,
      hugeint_sum: 7,
      text: "naïve 🎉",
      yes: true,
      nothing: null,
      ts: "2026-01-01T10:00:00.123Z",
      ts_ms: "2026-01-01T10:00:00.500Z",
      day: "2026-03-29",
      list: [1, 2, null],
      struct: { a: 1, b: "x" },
      blob: new Uint8Array([97, 98]),
    });
  });

  it("refuses a column without a plain value, saying how to cast it", async () => {
    const error = await failure(engine.query("SELECT INTERVAL 3 HOUR AS gap"));
    expect(error.kind).toBe("sql");
    expect(error.message).toMatch(/column "gap" has type .*cast it in SQL/);
    expect((await engine.query("SELECT epoch_ms(TIMESTAMP '2026-01-01 03:00') - epoch_ms(TIMESTAMP '2026-01-01') AS gap_ms"))[0]).toEqual({ gap_ms: 10_800_000 });
  });
});

describe("bound parameters", () => {
  beforeAll(async () => {
    await engine.insertArrow(
      "requests",
      apiRequestsIpc([
        { path: "/a", status: 200, ms: 1.5 },
        { path: "/b", status: 404, ms: 3 },
        { path: "'; DROP TABLE requests; --", status: null, ms: 7 },
      ]),
    );
  });

  it("binds text, numbers, booleans and null as values", async () => {
    expect(await engine.query("SELECT path FROM requests WHERE status_code = ? AND duration_ms > ? AND is_bot = ? ORDER BY path", [404, 2, false])).toEqual([
      { path: "/b" },
    ]);
    expect(await engine.query("SELECT ? AS a, ? AS b, ? AS c, ? AS d", ["x", 1.25, true, null])).toEqual([{ a: "x", b: 1.25, c: true, d: null }]);
  });

  it("treats text that looks like SQL as a value", async () => {
    const injection = "'; DROP TABLE requests; --";
    expect(await engine.query("SELECT count(*) AS n FROM requests WHERE path = ?", [injection])).toEqual([{ n: 1 }]);
    expect(await engine.query("SELECT count(*) AS n FROM requests WHERE path = ?", ["/a' OR '1'='1"])).toEqual([{ n: 0 }]);
    expect(await engine.query("SELECT ? AS v", [injection])).toEqual([{ v: injection }]);
    expect(await engine.query("SELECT count(*) AS n FROM requests")).toEqual([{ n: 3 }]);
  });

  it("binds bigints beyond 2^53 exactly", async () => {
    const big = 2n ** 62n + 1n;
    expect(await engine.query("SELECT CAST(? AS BIGINT) AS b, CAST(? AS BIGINT) + 1 AS c", [big, 41n])).toEqual([{ b: big, c: 42 }]);
  });

  it("runs exactly one statement per call", async () => {
    const error = await failure(engine.query("SELECT 1; DROP TABLE requests"));
    expect(error.kind).toBe("sql");
    expect(await engine.query("SELECT count(*) AS n FROM requests")).toEqual([{ n: 3 }]);
  });

  it("refuses values JSON cannot carry", async () => {
    expect((await failure(engine.query("SELECT ? AS v", [Number.NaN]))).message).toMatch(/parameter 1 is NaN/);
    expect((await failure(engine.query("SELECT ? AS v", [Number.POSITIVE_INFINITY]))).kind).toBe("sql");
  });

  it("reports a wrong number of parameters as a SQL error", async () => {
    expect((await failure(engine.query("SELECT ? AS a, ? AS b", [1]))).kind).toBe("sql");
  });
});

describe("tables", () => {
  it("replaces a table on insert and drops it", async () => {
    await engine.insertArrow("replaced", apiRequestsIpc([{ path: "/x", status: 1, ms: 1 }]));
    await engine.insertArrow("replaced", apiRequestsIpc([{ path: "/y", status: 2, ms: 2 }, { path: "/z", status: 3, ms: 3 }]));
    expect(await engine.query("SELECT path FROM replaced ORDER BY path")).toEqual([{ path: "/y" }, { path: "/z" }]);
    await engine.dropTable("replaced");
    await engine.dropTable("replaced");
    const error = await failure(engine.query("SELECT * FROM replaced"));
    expect(error.kind).toBe("sql");
    expect(error.message).toMatch(/Catalog Error/);
    expect(error.statement).toBe("SELECT * FROM replaced");
  });

  it("accepts an empty stream (no record batches) as an empty table", async () => {
    const columns = lakeColumns("page_view");
    await engine.insertArrow("empty_views", ipcStreamOf(arrowSchemaOf(columns), []));
    expect(await engine.query("SELECT count(*) AS n FROM empty_views")).toEqual([{ n: 0 }]);
    const types = await engine.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'empty_views' AND column_name IN ('timestamp', 'is_bot', 'time_on_page', 'properties') ORDER BY column_name",
    );
    expect(types).toEqual([
      { column_name: "is_bot", data_type: "BOOLEAN" },
      { column_name: "properties", data_type: "VARCHAR" },
      { column_name: "time_on_page", data_type: "DOUBLE" },
      { column_name: "timestamp", data_type: "TIMESTAMP_MS" },
    ]);
  });

  it("refuses bytes that are not an Arrow IPC stream, and stays usable", async () => {
    const error = await failure(engine.insertArrow("garbage", new TextEncoder().encode("hello world, not arrow at all")));
    expect(error.kind).toBe("sql");
    expect(error.message).toMatch(/^insertArrow\(garbage\): not an Arrow IPC stream/);
    await engine.insertArrow("after_garbage", apiRequestsIpc([{ path: "/ok", status: 200, ms: 1 }]));
    expect(await engine.query("SELECT path FROM after_garbage")).toEqual([{ path: "/ok" }]);
  });

  it("refuses table names that are not plain identifiers", async () => {
    for (const name of ['x"; DROP TABLE requests; --', "a b", "", "1abc"]) {
      const error = await failure(engine.insertArrow(name, apiRequestsIpc([])));
      expect(error.kind).toBe("sql");
      expect((await failure(engine.dropTable(name))).kind).toBe("sql");
    }
  });
});

describe("failures", () => {
  it("reports SQL errors as kind sql and stays usable", async () => {
    for (const sql of ["SELEC 1", "SELECT * FROM nowhere", "SELECT 'x'::INTEGER", "SELECT json_extract('{}', '$.a')"]) {
      expect((await failure(engine.query(sql))).kind).toBe("sql");
    }
    expect(await engine.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("reports a query over memory_limit as out_of_memory, and later queries still work", async () => {
    engine.configure({ memoryLimit: "16MB" });
    try {
      const error = await failure(engine.query("SELECT i % 500000 AS g, list(i) AS l FROM range(5000000) t(i) GROUP BY g ORDER BY g"));
      expect(error.kind).toBe("out_of_memory");
      expect(error.message).toMatch(/^Out of Memory Error/);
    } finally {
      engine.configure({});
    }
    expect(await engine.query("SELECT count(*) AS n FROM range(1000)")).toEqual([{ n: 1000 }]);
    expect(broken).toBe(0);
  });

  it("refuses a memory limit that is not a size", () => {
    expect(() => engine.configure({ memoryLimit: "64MB'; DROP TABLE x; --" })).toThrow(EngineError);
  });

  it("reports the wasm heap, which only grows", async () => {
    const before = engine.memoryBytes();
    expect(before).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    await engine.query("SELECT count(*) FROM range(10)");
    expect(engine.memoryBytes()).toBeGreaterThanOrEqual(before);
  });
});

describe("without ICU", () => {
  it("refuses TIMESTAMPTZ functions with a SQL error instead of loading the extension", async () => {
    const error = await failure(engine.query("SELECT date_trunc('day', TIMESTAMPTZ '2026-01-01 10:00:00+00') AS d"));
    expect(error.kind).toBe("sql");
    expect(error.message).toMatch(/^Extension Autoloading Error: .*'icu'/);
    expect((await failure(engine.query("SET TimeZone = 'Europe/Berlin'"))).kind).toBe("sql");
    expect(await engine.query("SELECT 1 AS still_usable")).toEqual([{ still_usable: 1 }]);
    expect(broken).toBe(0);
  });

  it("has no file access from SQL", async () => {
    const error = await failure(engine.query("SELECT * FROM read_csv('/etc/passwd')"));
    expect(error.message).toMatch(/^Permission Error/);
  });
});

describe("an internal failure", () => {
  /** An instantiated DuckDB whose calls fail with `failure` once `failing` is set. */
  function fakeDuckDB(failure: () => Error) {
    let failing = false;
    const bindings = {
      connect: () => ({ _conn: 1 }),
      runQuery: () => {
        if (failing) throw failure();
        return new Uint8Array();
      },
      createPrepared: () => {
        throw failure();
      },
      runPrepared: () => new Uint8Array(),
      closePrepared: () => {},
      insertArrowFromIPCStream: () => {},
      instantiate: async () => undefined,
      open: () => {},
      mod: { HEAPU8: new Uint8Array(16) },
    };
    return { duckdb: { bindings, version: "test", guard: <T>(call: () => T) => call() }, fail: () => (failing = true) };
  }

  for (const [what, error, kind] of [
    ["a trap", () => new WebAssembly.RuntimeError("null function or function signature mismatch"), "internal"],
    ["a JS exception from the glue", () => new TypeError("h.homedir is not a function"), "internal"],
    ["a FATAL error", () => new Error("FATAL Error: Failed: database has been invalidated"), "internal"],
    ["an open transaction", () => new Error("TransactionContext Error: cannot start a transaction within a transaction"), "internal"],
    ["a DuckDB error", () => new Error("Binder Error: Referenced column x not found"), "sql"],
    ["running out of memory", () => new Error("Out of Memory Error: could not allocate block of size 256.0 KiB (15.2 MiB/15.2 MiB used)"), "out_of_memory"],
  ] as const) {
    it(`${what} is ${kind}${kind === "internal" ? " and discards the engine" : ""}`, async () => {
      const { duckdb, fail } = fakeDuckDB(error);
      const discarded: EngineError[] = [];
      const fake = createSqlEngine(duckdb, {}, (e) => discarded.push(e));
      fail();
      const thrown = await failure(fake.query("SELECT 1"));
      expect(thrown.kind).toBe(kind);
      expect(thrown.statement).toBe("SELECT 1");
      if (kind === "internal") {
        expect(discarded).toEqual([thrown]);
        const after = await failure(fake.dropTable("t"));
        expect(after.kind).toBe("internal");
        expect(after.message).toMatch(/discarded after an earlier failure: call openDuckDB\(\) again/);
      } else {
        expect(discarded).toEqual([]);
      }
    });
  }
});
