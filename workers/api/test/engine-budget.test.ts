// DuckDB out of memory reaches the caller as the narrowing error, in workerd: with a real engine
// at a tiny memory limit, and other engine errors untouched.
import { QueryError } from "@edge-analytics/query";
import { EngineError, openDuckDB } from "@edge-analytics/query-engine";
import { describe, expect, it } from "vitest";
import { narrowingOnOutOfMemory } from "../src/engine-budget.ts";

describe("narrowingOnOutOfMemory", () => {
  it("turns an out-of-memory engine error into OVER_BUDGET, saying how to narrow the question", async () => {
    const engine = await openDuckDB();
    await engine.query("SET memory_limit = '8MB'");
    try {
      const error = await narrowingOnOutOfMemory(() => engine.query("SELECT count(DISTINCT i::VARCHAR || 'padding-padding-padding') AS n FROM range(3000000) t(i)")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).code).toBe("OVER_BUDGET");
      expect((error as QueryError).message).toContain("narrow it with a shorter timeRange");
    } finally {
      await engine.query("SET memory_limit = '64MB'");
    }
    expect(await engine.query<{ n: number }>("SELECT 41 + 1 AS n")).toEqual([{ n: 42 }]);
  });

  it("leaves other errors as they are", async () => {
    const sql = new EngineError("sql", "Parser Error");
    await expect(narrowingOnOutOfMemory(() => Promise.reject(sql))).rejects.toBe(sql);
  });
});
