// The platform bindings ingestion writes to, as the shapes both sides of each boundary share:
// Cloudflare's bindings in production, and the local stand-in Workers (workers/pipelines-local,
// workers/analytics-engine-local) that implement the same methods behind service bindings
// where Cloudflare has no local simulation.
import type { AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";

/**
 * A Cloudflare Pipelines stream binding (`pipelines` in wrangler config): `send` resolves once the
 * stream has durably accepted the records, which then reach the stream's sink at least once
 * (https://developers.cloudflare.com/pipelines/streams/writing-to-streams/). Records are
 * JSON-serialisable objects; one request carries at most 1 MB.
 */
export interface PipelineStreamBinding {
  send(records: Record<string, unknown>[]): Promise<void>;
}

/** The Analytics Engine dataset binding's write method (fire-and-forget in production). */
export interface AnalyticsEngineDatasetBinding {
  writeDataPoint(point: AnalyticsEngineDataPoint): void;
}

/**
 * The local Analytics Engine stand-in's dataset, reached over a service binding: the binding's
 * `writeDataPoint`, plus the same for a whole invocation's points in one call. Every call through
 * a service binding crosses Workers (~0.4 ms each locally, measured), so the Worker sends an
 * invocation's points together; Cloudflare's binding writes in-process, one point per call.
 */
export interface AnalyticsEngineStandInBinding {
  writeDataPoint(point: AnalyticsEngineDataPoint): Promise<void>;
  writeDataPoints(points: AnalyticsEngineDataPoint[]): Promise<void>;
}
