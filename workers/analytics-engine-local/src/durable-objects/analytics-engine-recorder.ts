import { DurableObject } from "cloudflare:workers";
import { AeSqlError, DATA_POINTS_DDL, runAeSql, type SqlParam } from "@edge-analytics/ae-sql";
import { ANALYTICS_ENGINE_LIMITS } from "@edge-analytics/event-schema";

const BLOB_COLUMNS = Array.from({ length: ANALYTICS_ENGINE_LIMITS.maxBlobs }, (_, i) => `blob${i + 1}`);
const DOUBLE_COLUMNS = Array.from({ length: ANALYTICS_ENGINE_LIMITS.maxDoubles }, (_, i) => `double${i + 1}`);

/**
 * Local stand-in for Workers Analytics Engine's storage (miniflare's writeDataPoint is a no-op):
 * every data point lands in SQLite in AE's table model (timestamp, index1, blob1..20,
 * double1..20, _sample_interval). AE's limits are enforced before, by the dataset entrypoint
 * (`AnalyticsEngineDataset` in index.ts), as the real binding enforces them on write.
 */
export class AnalyticsEngineRecorder extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(DATA_POINTS_DDL);
  }

  /**
   * Stores data points given as the JSON text of an array (one SQL statement for the whole call:
   * the dataset entrypoint has already enforced Analytics Engine's limits).
   */
  async recordDataPoints(dataset: string, pointsJson: string): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO data_points (dataset, timestamp_ms, index1, point)
       SELECT ?, ?, value ->> '$.indexes[0]', value FROM json_each(?)`,
      dataset,
      Date.now(),
      pointsJson,
    );
  }

  /**
   * Answers one query of the Analytics Engine SQL API (its ClickHouse-like dialect, compiled by
   * `@edge-analytics/ae-sql` to one SQLite statement with bound parameters over `data_points`),
   * in the API's wire format. Refusals come back as a status and message, never as a wrong answer.
   */
  async query(sqlText: string): Promise<{ status: number; contentType: string; body: string }> {
    try {
      const result = runAeSql(sqlText, {
        exec: (sql: string, params: readonly SqlParam[]) => this.ctx.storage.sql.exec(sql, ...params).toArray(),
      });
      return { status: 200, contentType: result.contentType, body: result.body };
    } catch (error) {
      if (error instanceof AeSqlError) return { status: error.status, contentType: "text/plain; charset=utf-8", body: error.message };
      throw error;
    }
  }

  /** The stored data points of a dataset in AE's table model, newest first (for tests). */
  async readDataPoints(dataset: string, limit: number): Promise<Record<string, string | number>[]> {
    return this.ctx.storage.sql
      .exec<Record<string, string | number>>(
        `SELECT dataset, timestamp_ms, _sample_interval, index1, ${[...BLOB_COLUMNS, ...DOUBLE_COLUMNS].join(", ")}
         FROM data_points WHERE dataset = ? ORDER BY rowid DESC LIMIT ?`,
        dataset,
        limit,
      )
      .toArray();
  }
}
