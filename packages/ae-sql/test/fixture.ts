import { DatabaseSync } from "node:sqlite";
import { type AeSqlRunner, type CompileOptions, type FormattedResult, runAeSql, type SqlRow } from "../src/index.ts";
import { type FixturePoint, type JsonResult, ms } from "./points.ts";

export { type FixturePoint, type JsonResult, ms } from "./points.ts";

const BLOBS = Array.from({ length: 20 }, (_, i) => `blob${i + 1}`);
const DOUBLES = Array.from({ length: 20 }, (_, i) => `double${i + 1}`);

// The columns of the recorder's table (src/data-points-table.ts) as plain columns: node:sqlite here
// checks the compiled SQL; test-workerd runs it on the recorder's own table in workerd.
const SCHEMA = `CREATE TABLE data_points (
  dataset TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  _sample_interval INTEGER NOT NULL DEFAULT 1,
  index1 TEXT NOT NULL,
  ${BLOBS.map((c) => `${c} TEXT NOT NULL DEFAULT ''`).join(", ")},
  ${DOUBLES.map((c) => `${c} REAL NOT NULL DEFAULT 0`).join(", ")}
)`;

// Durable Object SQLite limits (https://developers.cloudflare.com/durable-objects/platform/limits/),
// checked here because node:sqlite allows far more.
const DO_MAX_BOUND_PARAMETERS = 100;
const DO_MAX_SQL_BYTES = 100_000;

/** An in-memory SQLite database with the recorder's `data_points` table. */
export class DataPointsFixture {
  readonly db = new DatabaseSync(":memory:");
  /** Every statement run, for assertions on the generated SQL. */
  readonly statements: Array<{ sql: string; params: readonly unknown[] }> = [];

  constructor(points: readonly FixturePoint[] = []) {
    this.db.exec(SCHEMA);
    this.insert(points);
  }

  insert(points: readonly FixturePoint[]): this {
    const statement = this.db.prepare(
      `INSERT INTO data_points (dataset, timestamp_ms, _sample_interval, index1, ${BLOBS.join(", ")}, ${DOUBLES.join(", ")}) VALUES (${Array(44).fill("?").join(", ")})`,
    );
    for (const p of points) {
      statement.run(
        p.dataset ?? "analytics_events",
        ms(p.timestamp),
        p.sampleInterval ?? 1,
        p.index1 ?? "",
        ...BLOBS.map((_, i) => p.blobs?.[i] ?? ""),
        ...DOUBLES.map((_, i) => p.doubles?.[i] ?? 0),
      );
    }
    return this;
  }

  /** Runs statements the way the Durable Object does (`ctx.storage.sql.exec(sql, ...params).toArray()`). */
  readonly runner: AeSqlRunner = {
    exec: (sql, params) => {
      this.statements.push({ sql, params });
      if (params.length > DO_MAX_BOUND_PARAMETERS) throw new Error(`${params.length} bound parameters; Durable Object SQLite allows ${DO_MAX_BOUND_PARAMETERS}`);
      if (new TextEncoder().encode(sql).byteLength > DO_MAX_SQL_BYTES) throw new Error("SQL statement too long for Durable Object SQLite");
      return this.db.prepare(sql).all(...params) as SqlRow[];
    },
  };

  /** The SQL API's answer to `sql`. */
  query(sql: string, options: CompileOptions = {}): FormattedResult {
    return runAeSql(sql, this.runner, options);
  }

  /** FORMAT JSON answer, parsed. */
  json(sql: string, options: CompileOptions = {}): JsonResult {
    return JSON.parse(this.query(sql, options).body) as JsonResult;
  }

  /** The rows of the FORMAT JSON answer. */
  rows(sql: string, options: CompileOptions = {}): Array<Record<string, unknown>> {
    return this.json(sql, options).data;
  }
}
