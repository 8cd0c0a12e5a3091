import { DurableObject } from "cloudflare:workers";
import { ANALYTICS_ENGINE_LIMITS, type AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";

const BLOB_COLUMNS = Array.from({ length: ANALYTICS_ENGINE_LIMITS.maxBlobs }, (_, i) => `blob${i + 1}`);
const DOUBLE_COLUMNS = Array.from({ length: ANALYTICS_ENGINE_LIMITS.maxDoubles }, (_, i) => `double${i + 1}`);
const encoder = new TextEncoder();

/** Raised when a data point breaks a limit Analytics Engine enforces. */
export class AnalyticsEngineLimitError extends Error {
  override readonly name = "AnalyticsEngineLimitError";
}

/** Checks one data point against Analytics Engine's documented limits. */
export function assertWithinAnalyticsEngineLimits(point: AnalyticsEngineDataPoint): void {
  const { maxBlobs, maxBlobBytes, maxDoubles, maxIndexes, maxIndexBytes } = ANALYTICS_ENGINE_LIMITS;
  if (point.indexes.length > maxIndexes) throw new AnalyticsEngineLimitError(`${point.indexes.length} indexes; the limit is ${maxIndexes}`);
  const indexBytes = encoder.encode(point.indexes[0] ?? "").byteLength;
  if (indexBytes > maxIndexBytes) throw new AnalyticsEngineLimitError(`index is ${indexBytes} bytes; the limit is ${maxIndexBytes}`);
  if (point.blobs.length > maxBlobs) throw new AnalyticsEngineLimitError(`${point.blobs.length} blobs; the limit is ${maxBlobs}`);
  const blobBytes = point.blobs.reduce((sum, blob) => sum + encoder.encode(blob).byteLength, 0);
  if (blobBytes > maxBlobBytes) throw new AnalyticsEngineLimitError(`blobs total ${blobBytes} bytes; the limit is ${maxBlobBytes}`);
  if (point.doubles.length > maxDoubles) throw new AnalyticsEngineLimitError(`${point.doubles.length} doubles; the limit is ${maxDoubles}`);
}

/**
 * Local stand-in for Workers Analytics Engine's storage (miniflare's writeDataPoint is a no-op):
 * every data point lands in SQLite in AE's table model (timestamp, index1, blob1..20,
 * double1..20, _sample_interval), with AE's limits enforced, so a violation shows up locally
 * first. The SQL API over it is a separate issue.
 */
export class AnalyticsEngineRecorder extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS data_points (
         dataset TEXT NOT NULL,
         timestamp_ms INTEGER NOT NULL,
         _sample_interval INTEGER NOT NULL DEFAULT 1,
         index1 TEXT NOT NULL,
         ${BLOB_COLUMNS.map((c) => `${c} TEXT NOT NULL DEFAULT ''`).join(", ")},
         ${DOUBLE_COLUMNS.map((c) => `${c} REAL NOT NULL DEFAULT 0`).join(", ")}
       )`,
    );
  }

  /**
   * Stores the data points of one invocation; refuses the whole call if any breaks a limit. The
   * refusal is returned, not thrown: an exception thrown inside a Durable Object is also logged
   * as uncaught by the runtime, and the caller re-throws it where it belongs.
   */
  async writeDataPoints(dataset: string, points: AnalyticsEngineDataPoint[]): Promise<{ written: number } | { refused: string }> {
    try {
      if (points.length > ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation) {
        throw new AnalyticsEngineLimitError(
          `${points.length} data points in one invocation; the limit is ${ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation}`,
        );
      }
      points.forEach(assertWithinAnalyticsEngineLimits);
    } catch (error) {
      if (error instanceof AnalyticsEngineLimitError) return { refused: error.message };
      throw error;
    }
    const rows = points.map((point) => [
      point.indexes[0] ?? "",
      ...BLOB_COLUMNS.map((_, i) => point.blobs[i] ?? ""),
      ...DOUBLE_COLUMNS.map((_, i) => point.doubles[i] ?? 0),
    ]);
    const now = Date.now();
    this.ctx.storage.sql.exec(
      `INSERT INTO data_points (dataset, timestamp_ms, index1, ${BLOB_COLUMNS.join(", ")}, ${DOUBLE_COLUMNS.join(", ")})
       SELECT ?, ?, value ->> 0, ${BLOB_COLUMNS.map((_, i) => `value ->> ${i + 1}`).join(", ")},
              ${DOUBLE_COLUMNS.map((_, i) => `value ->> ${i + 1 + BLOB_COLUMNS.length}`).join(", ")}
       FROM json_each(?)`,
      dataset,
      now,
      JSON.stringify(rows),
    );
    return { written: points.length };
  }

  /** The stored data points of a dataset, newest first (for tests until the SQL API lands). */
  async readDataPoints(dataset: string, limit: number): Promise<Record<string, string | number>[]> {
    return this.ctx.storage.sql
      .exec<Record<string, string | number>>(
        "SELECT * FROM data_points WHERE dataset = ? ORDER BY rowid DESC LIMIT ?",
        dataset,
        limit,
      )
      .toArray();
  }
}
