import type { OutgoingEvent } from "./events.ts";

/** What the client knows about a batch it could not deliver. */
export interface DeliveryErrorDetails {
  /** The HTTP status of the last attempt (401, 413, 429, ...); absent for network failures. */
  status?: number;
  /** How many times the batch was sent. */
  attempts: number;
  cause?: unknown;
}

/**
 * A batch that did not reach ingestion: a status that retrying cannot fix (400, 401, 403, 413),
 * retries that ran out (429, 5xx, network), or the client being closed. Handed to the client's
 * `onError` with the events, so a caller can keep them elsewhere; the client never throws it
 * into the caller's code.
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(
    message: string,
    readonly events: OutgoingEvent[],
    details: DeliveryErrorDetails,
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.attempts = details.attempts;
  }
}
