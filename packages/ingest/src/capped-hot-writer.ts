import { ANALYTICS_ENGINE_LIMITS, type AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import type { DeferredPointQueue, HotEventWriter } from "./ports.ts";

/**
 * Enforces Analytics Engine's per-invocation cap: create one per invocation. The first `budget`
 * points go to the hot store; the rest are deferred to a queue whose consumer writes them in
 * later invocations, so a large batch is never silently truncated.
 */
export class CappedHotWriter implements HotEventWriter {
  private remaining: number;

  constructor(
    private readonly target: HotEventWriter,
    private readonly overflow: DeferredPointQueue,
    budget: number = ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation,
  ) {
    this.remaining = budget;
  }

  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    const now = points.slice(0, this.remaining);
    const later = points.slice(now.length);
    this.remaining -= now.length;
    await Promise.all([now.length > 0 ? this.target.write(now) : undefined, later.length > 0 ? this.overflow.defer(later) : undefined]);
  }
}

/** Splits points into queue messages of at most `maxPoints` points and `maxBytes` of JSON each. */
export function chunkPointsForQueue(points: AnalyticsEngineDataPoint[], maxPoints = 50, maxBytes = 100 * 1024): AnalyticsEngineDataPoint[][] {
  const chunks: AnalyticsEngineDataPoint[][] = [];
  let current: AnalyticsEngineDataPoint[] = [];
  let bytes = 0;
  for (const point of points) {
    const size = JSON.stringify(point).length * 3;
    if (current.length > 0 && (current.length >= maxPoints || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(point);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
