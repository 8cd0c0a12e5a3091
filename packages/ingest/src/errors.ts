import type { FieldError } from "@edge-analytics/event-schema";

export type { FieldError };

/**
 * A request-level failure with the HTTP status it maps to. Thrown deep inside, converted to the
 * one JSON error shape (`{ error: { status, message, ... } }`) at the Worker's edge.
 */
export class IngestError extends Error {
  override readonly name = "IngestError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503,
    message: string,
    readonly details: { retryAfterSeconds?: number; errors?: FieldError[] } = {},
  ) {
    super(message);
  }
}
