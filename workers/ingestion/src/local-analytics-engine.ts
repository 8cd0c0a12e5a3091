import { ANALYTICS_ENGINE_DATASET, ANALYTICS_ENGINE_LIMITS, type AnalyticsEngineDataPoint, utf8ByteLength } from "@edge-analytics/event-schema";
import type { HotEventWriter } from "@edge-analytics/ingest";
import type { AnalyticsEngineRecorder } from "./durable-objects/analytics-engine-recorder.ts";

/** Raised when a data point breaks a limit Analytics Engine enforces. */
export class AnalyticsEngineLimitError extends Error {
  override readonly name = "AnalyticsEngineLimitError";
}

/** Checks one data point against Analytics Engine's documented limits. */
export function assertWithinAnalyticsEngineLimits(point: AnalyticsEngineDataPoint): void {
  const { maxBlobs, maxBlobBytes, maxDoubles, maxIndexes, maxIndexBytes } = ANALYTICS_ENGINE_LIMITS;
  if (point.indexes.length > maxIndexes) throw new AnalyticsEngineLimitError(`${point.indexes.length} indexes; the limit is ${maxIndexes}`);
  const indexBytes = utf8ByteLength(point.indexes[0] ?? "");
  if (indexBytes > maxIndexBytes) throw new AnalyticsEngineLimitError(`index is ${indexBytes} bytes; the limit is ${maxIndexBytes}`);
  if (point.blobs.length > maxBlobs) throw new AnalyticsEngineLimitError(`${point.blobs.length} blobs; the limit is ${maxBlobs}`);
  const blobBytes = point.blobs.reduce((sum, blob) => sum + utf8ByteLength(blob), 0);
  if (blobBytes > maxBlobBytes) throw new AnalyticsEngineLimitError(`blobs total ${blobBytes} bytes; the limit is ${maxBlobBytes}`);
  if (point.doubles.length > maxDoubles) throw new AnalyticsEngineLimitError(`${point.doubles.length} doubles; the limit is ${maxDoubles}`);
}

/**
 * Local hot store: checks every data point the way the Analytics Engine binding does inside the
 * Worker (limits per point and per invocation; one writer per invocation, see dependencies.ts),
 * then hands the points to the recorder Durable Object that stands in for AE's storage.
 */
export class RecordingHotWriter implements HotEventWriter {
  private written = 0;

  constructor(private readonly namespace: DurableObjectNamespace<AnalyticsEngineRecorder>) {}

  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    const cap = ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation;
    if (this.written + points.length > cap) {
      throw new AnalyticsEngineLimitError(`${this.written + points.length} data points in one invocation; the limit is ${cap}`);
    }
    points.forEach(assertWithinAnalyticsEngineLimits);
    this.written += points.length;
    await this.namespace.get(this.namespace.idFromName(ANALYTICS_ENGINE_DATASET)).recordDataPoints(ANALYTICS_ENGINE_DATASET, JSON.stringify(points));
  }
}
