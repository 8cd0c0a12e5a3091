import { ANALYTICS_ENGINE_DATASET } from "@edge-analytics/event-schema";
import { PointCoalescer } from "./point-coalescer.ts";
import { recorder } from "./recorder-stub.ts";

/** One per isolate: the writes of concurrent invocations share one recorder call. */
let queue: PointCoalescer | undefined;

export function pointsQueue(env: Pick<Env, "AE_RECORDER">): PointCoalescer {
  queue ??= new PointCoalescer((pointsJson) => recorder(env).recordDataPoints(ANALYTICS_ENGINE_DATASET, pointsJson));
  return queue;
}
