import type { IngestResult } from "./ingest-result.ts";
import type { OutgoingEvent } from "./events.ts";

/**
 * How a batch reaches ingestion. One interface, several implementations (HTTP, service-binding
 * `fetch`, service-binding RPC); the client's batching and retries do not know which.
 *
 * A transport sends once: it resolves with the server's result or rejects with a
 * {@link TransportError} saying whether a retry may succeed. Retrying is the client's job.
 */
export interface Transport {
  send(events: OutgoingEvent[]): Promise<IngestResult>;
}

/** What a transport knows about a failed send. */
export interface TransportErrorDetails {
  /** The HTTP status (or the status an RPC error carried); absent for network failures. */
  status?: number;
  /** Whether sending the same batch again may succeed (429, 502, 503, 504, network errors). */
  retryable: boolean;
  /** How long the server asked to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** HTTP statuses after which the same request may succeed later. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Whether a request that answered `status` is worth sending again. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** A failed send, with the status and retry facts the client's retry loop decides on. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: TransportErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}
