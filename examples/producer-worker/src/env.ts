import type { IngestFetchBinding, IngestResult, IngestRpcBinding } from "@edge-analytics/client";

/**
 * The part of the ingestion Worker's interface this Worker uses. Declared rather than generated:
 * `wrangler types` types a service binding as a plain `Fetcher`, which knows no RPC methods.
 */
export interface AnalyticsService extends IngestFetchBinding, IngestRpcBinding {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  ingestEvent(event: unknown): Promise<IngestResult>;
  ingestBatch(events: unknown[]): Promise<IngestResult>;
}

/** This Worker's bindings (wrangler.jsonc). */
export interface ProducerEnv {
  /** Service binding to `analytics-ingestion`: `fetch` to https://internal/events, or RPC. */
  ANALYTICS: AnalyticsService;
}
