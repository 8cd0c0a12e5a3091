import type { AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import type { AnalyticsEngineDatasetBinding, AnalyticsEngineStandInBinding } from "./bindings.ts";
import type { HotEventWriter } from "./ports.ts";

/** Cloudflare's Analytics Engine binding: one in-process, fire-and-forget `writeDataPoint` per point. */
export class AnalyticsEngineBindingWriter implements HotEventWriter {
  constructor(private readonly dataset: AnalyticsEngineDatasetBinding) {}
  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    for (const point of points) this.dataset.writeDataPoint(point);
  }
}

/**
 * The local stand-in's dataset behind a service binding: the invocation's points in one call,
 * because each call crosses Workers. It refuses what Analytics Engine refuses, as the binding does.
 */
export class AnalyticsEngineStandInWriter implements HotEventWriter {
  constructor(private readonly dataset: AnalyticsEngineStandInBinding) {}
  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    if (points.length > 0) await this.dataset.writeDataPoints(points);
  }
}
