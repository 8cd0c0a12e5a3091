/**
 * analytics-engine-local: the local stand-in for Workers Analytics Engine (README.md beside this
 * file): the dataset binding ingestion writes to (`AnalyticsEngineDataset`, reached over a
 * service binding) and the SQL API the API Worker reads from. Local development only.
 */
import { ANALYTICS_ENGINE_DATASET, type AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import type { AnalyticsEngineStandInBinding } from "@edge-analytics/ingest";
import { WorkerEntrypoint } from "cloudflare:workers";
import { createHttpApp } from "./http-app.ts";
import { assertWithinAnalyticsEngineLimits, assertWithinInvocationLimits } from "./limits.ts";
import { pointsQueue } from "./points-queue.ts";
import { recorder } from "./recorder-stub.ts";

export { AnalyticsEngineRecorder } from "./durable-objects/analytics-engine-recorder.ts";

/**
 * The `analytics_events` dataset as a binding: refuses what Analytics Engine refuses (per point,
 * and more points than one invocation may write), then queues the points for the recorder and
 * returns, as the binding's fire-and-forget write does.
 */
export class AnalyticsEngineDataset extends WorkerEntrypoint<Env> implements AnalyticsEngineStandInBinding {
  async writeDataPoint(point: AnalyticsEngineDataPoint): Promise<void> {
    assertWithinAnalyticsEngineLimits(point);
    this.enqueue(JSON.stringify([point]));
  }

  async writeDataPoints(points: AnalyticsEngineDataPoint[]): Promise<void> {
    assertWithinInvocationLimits(points);
    if (points.length > 0) this.enqueue(JSON.stringify(points));
  }

  private enqueue(pointsJson: string): void {
    const flush = pointsQueue(this.env).add(pointsJson);
    if (flush) this.ctx.waitUntil(flush);
  }
}

const app = createHttpApp();

/** HTTP for the local origin (the SQL API), and RPC for tests of the Workers that write to it. */
export default class AnalyticsEngineStandIn extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  /** RPC: the stored data points in AE's table model, newest first (after every queued write). */
  async readDataPoints(limit = 100_000): Promise<Record<string, string | number>[]> {
    await pointsQueue(this.env).settled();
    return recorder(this.env).readDataPoints(ANALYTICS_ENGINE_DATASET, limit);
  }
}
