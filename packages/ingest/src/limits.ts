/** Request limits, configured per deployment (wrangler vars) and documented in README "Limits". */
export interface IngestLimits {
  /** Largest accepted request body, in bytes (Pipelines takes 1 MB per request). */
  maxBodyBytes: number;
  /** Most events in one `{ "events": [...] }` batch. */
  maxBatchEvents: number;
  /** Largest single event, in bytes of its JSON text. */
  maxEventBytes: number;
}

/** The defaults: also what `wrangler.jsonc` sets. */
export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: 1024 * 1024,
  maxBatchEvents: 500,
  maxEventBytes: 32 * 1024,
};

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return parsed;
}

/** Reads limits from Worker vars, falling back to the defaults. */
export function limitsFromVars(vars: { MAX_BODY_BYTES?: string; MAX_BATCH_EVENTS?: string; MAX_EVENT_BYTES?: string }): IngestLimits {
  return {
    maxBodyBytes: positiveInt(vars.MAX_BODY_BYTES, DEFAULT_LIMITS.maxBodyBytes, "MAX_BODY_BYTES"),
    maxBatchEvents: positiveInt(vars.MAX_BATCH_EVENTS, DEFAULT_LIMITS.maxBatchEvents, "MAX_BATCH_EVENTS"),
    maxEventBytes: positiveInt(vars.MAX_EVENT_BYTES, DEFAULT_LIMITS.maxEventBytes, "MAX_EVENT_BYTES"),
  };
}
