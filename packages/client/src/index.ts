/**
 * @edge-analytics/client: typed events, batching and retries, over HTTP or a Cloudflare service
 * binding. The Hono middleware is a separate entry point, `@edge-analytics/client/hono`.
 */
export { AnalyticsClient, type ClientDefaults, type ClientOptions, createClient } from "./client.ts";
export { DeliveryError, type DeliveryErrorDetails } from "./delivery-error.ts";
export type { ApiRequestMethod, Channel, ClientEvent, EventFields, EventOf, EventProperties, EventType, OutgoingEvent, OutgoingEventOf } from "./events.ts";
export type { EventRejection, FlushResult } from "./flush-result.ts";
export { type FetchLike, type HttpTransportOptions, httpTransport } from "./http-transport.ts";
export { type FieldError, type IngestResult, isIngestResult, type RejectedEvent } from "./ingest-result.ts";
export { parseRetryAfter } from "./retry-after.ts";
export { RetriesExhaustedError, type RetryClock, type RetryPolicy, retryDelayMs, sendWithRetry } from "./retry.ts";
export { type IngestFetchBinding, serviceBindingFetchTransport } from "./service-binding-fetch-transport.ts";
export { type IngestRpcBinding, serviceBindingRpcTransport } from "./service-binding-rpc-transport.ts";
export { isRetryableStatus, type Transport, TransportError, type TransportErrorDetails } from "./transport.ts";
