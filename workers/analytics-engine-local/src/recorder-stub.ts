import { ANALYTICS_ENGINE_DATASET } from "@edge-analytics/event-schema";

/** The recorder of the one dataset (`analytics_events`). */
export function recorder(env: Pick<Env, "AE_RECORDER">) {
  return env.AE_RECORDER.get(env.AE_RECORDER.idFromName(ANALYTICS_ENGINE_DATASET));
}
