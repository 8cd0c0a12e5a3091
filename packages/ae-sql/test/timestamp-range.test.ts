import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { compile, runAeSql } from "../src/index.ts";

const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

/** The recorder's table, with only the real columns these queries read. */
function database(points: number[]): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(`CREATE TABLE data_points (dataset TEXT NOT NULL, timestamp_ms INTEGER NOT NULL, _sample_interval INTEGER NOT NULL DEFAULT 1, index1 TEXT NOT NULL,
    ${Array.from({ length: 20 }, (_, i) => `blob${i + 1} TEXT NOT NULL DEFAULT ''`).join(", ")},
    ${Array.from({ length: 20 }, (_, i) => `double${i + 1} REAL NOT NULL DEFAULT 0`).join(", ")});
    CREATE INDEX data_points_by_time ON data_points (dataset, timestamp_ms);`);
  const insert = db.prepare("INSERT INTO data_points (dataset, timestamp_ms, index1) VALUES ('analytics_events', ?, 'p')");
  for (const ms of points) insert.run(ms);
  return db;
}

function count(db: DatabaseSync, where: string): number {
  const { body } = runAeSql(`SELECT count() AS n FROM analytics_events WHERE ${where}`, { exec: (sql, params) => db.prepare(sql).all(...(params as never[])) as never }, { now: NOW_MS });
  return Number((JSON.parse(body) as { data: { n: string }[] }).data[0]?.n);
}

describe("comparisons of timestamp with a constant compile to an index range on timestamp_ms", () => {
  it("uses timestamp_ms directly, so SQLite can search the index", () => {
    const plan = compile("SELECT count() FROM analytics_events WHERE timestamp > NOW() - INTERVAL '1' HOUR", { now: NOW_MS });
    expect(plan.sql).toContain(`timestamp_ms >= ${NOW_MS - 3_600_000 + 1000}`);
    expect(plan.sql).not.toContain("(timestamp_ms / 1000) >");
  });

  it("keeps second-precision semantics at every boundary, both operand orders", () => {
    const t = NOW_MS - 60_000; // a whole second
    const points = [t - 1001, t - 1000, t - 1, t, t + 1, t + 999, t + 1000, t + 1999, t + 2000];
    const db = database(points);
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const n = seconds(t);
    const expected = (pred: (s: number) => boolean) => points.filter((ms) => pred(seconds(ms))).length;
    const literal = `toDateTime(${n})`;
    expect(count(db, `timestamp > ${literal}`)).toBe(expected((s) => s > n));
    expect(count(db, `timestamp >= ${literal}`)).toBe(expected((s) => s >= n));
    expect(count(db, `timestamp < ${literal}`)).toBe(expected((s) => s < n));
    expect(count(db, `timestamp <= ${literal}`)).toBe(expected((s) => s <= n));
    expect(count(db, `timestamp = ${literal}`)).toBe(expected((s) => s === n));
    expect(count(db, `timestamp != ${literal}`)).toBe(expected((s) => s !== n));
    expect(count(db, `${literal} < timestamp`)).toBe(expected((s) => s > n));
    expect(count(db, `${literal} >= timestamp`)).toBe(expected((s) => s <= n));
  });
});
