/**
 * What ingestion answers for a batch, on every door: the 202 body of `POST /events`, the
 * service-binding `fetch` answer and the RPC `ingestBatch` result. Declared here, in the contract
 * package, so the server (packages/ingest) and the client (packages/client) share one definition.
 */

/** One problem with one field of one event: `path` is dotted (`properties.plan`), `message` says why. */
export interface FieldError {
  path: string;
  message: string;
}

/** One event that was not accepted, by its index in the batch sent, and why. */
export interface RejectedEvent {
  index: number;
  event_id?: string;
  errors: FieldError[];
}

/** The answer to every ingestion call. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}
