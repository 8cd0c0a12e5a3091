import { ANALYTICS_ENGINE_LIMITS, type AnalyticsEngineDataPoint, utf8ByteLength } from "@edge-analytics/event-schema";

/** Raised when a data point breaks a limit Analytics Engine enforces. */
export class AnalyticsEngineLimitError extends Error {
  override readonly name = "AnalyticsEngineLimitError";
}

/**
 * Checks one data point against Analytics Engine's documented limits
 * (https://developers.cloudflare.com/analytics/analytics-engine/limits/), as the binding does.
 */
export function assertWithinAnalyticsEngineLimits(point: AnalyticsEngineDataPoint): void {
  const { maxBlobs, maxBlobBytes, maxDoubles, maxIndexes, maxIndexBytes } = ANALYTICS_ENGINE_LIMITS;
  if (!point || typeof point !== "object" || !Array.isArray(point.indexes) || !Array.isArray(point.blobs) || !Array.isArray(point.doubles)) {
    throw new AnalyticsEngineLimitError("a data point has indexes, blobs and doubles arrays");
  }
  if (point.indexes.length > maxIndexes) throw new AnalyticsEngineLimitError(`${point.indexes.length} indexes; the limit is ${maxIndexes}`);
  const indexBytes = utf8ByteLength(point.indexes[0] ?? "");
  if (indexBytes > maxIndexBytes) throw new AnalyticsEngineLimitError(`index is ${indexBytes} bytes; the limit is ${maxIndexBytes}`);
  if (point.blobs.length > maxBlobs) throw new AnalyticsEngineLimitError(`${point.blobs.length} blobs; the limit is ${maxBlobs}`);
  const blobBytes = point.blobs.reduce((sum, blob) => sum + utf8ByteLength(blob), 0);
  if (blobBytes > maxBlobBytes) throw new AnalyticsEngineLimitError(`blobs total ${blobBytes} bytes; the limit is ${maxBlobBytes}`);
  if (point.doubles.length > maxDoubles) throw new AnalyticsEngineLimitError(`${point.doubles.length} doubles; the limit is ${maxDoubles}`);
}

/**
 * Checks one invocation's points: each within the per-point limits, and no more than AE takes
 * from one Worker invocation (the sender's `CappedHotWriter` defers the rest to a queue).
 */
export function assertWithinInvocationLimits(points: readonly AnalyticsEngineDataPoint[]): void {
  const cap = ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation;
  if (points.length > cap) throw new AnalyticsEngineLimitError(`${points.length} data points in one invocation; the limit is ${cap}`);
  points.forEach(assertWithinAnalyticsEngineLimits);
}
