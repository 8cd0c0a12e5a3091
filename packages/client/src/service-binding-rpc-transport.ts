import type { OutgoingEvent } from "./events.ts";
import { type IngestResult, isIngestResult } from "./ingest-result.ts";
import { isRetryableStatus, type Transport, TransportError } from "./transport.ts";

/** A service binding to the ingestion Worker's `WorkerEntrypoint`, as far as its RPC goes. */
export interface IngestRpcBinding {
  ingestBatch(events: OutgoingEvent[]): Promise<IngestResult>;
}

/** The status an error thrown across RPC still carries, if any. */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  return typeof error.status === "number" ? error.status : undefined;
}

/**
 * Sends batches with the ingestion Worker's RPC method `ingestBatch(events)`, which answers the
 * same result object as `POST /events`. No key travels, so every event must name its
 * `project_id` (set the client's `projectId`).
 *
 * Workers RPC rethrows the callee's error in the caller with its message but not its
 * own properties (https://developers.cloudflare.com/workers/runtime-apis/rpc/error-handling/),
 * so ingestion's retryable 503 arrives as a plain `Error`. An error without a status is therefore
 * treated like a network failure: retried, within the client's bounded attempts.
 *
 * @example
 * const client = createClient({ transport: serviceBindingRpcTransport(env.ANALYTICS), projectId: "my-project" });
 */
export function serviceBindingRpcTransport(binding: IngestRpcBinding): Transport {
  return {
    async send(events: OutgoingEvent[]) {
      let result: unknown;
      try {
        result = await binding.ingestBatch(events);
      } catch (cause) {
        const status = statusOf(cause);
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new TransportError(`ingestBatch over RPC failed: ${message}`, {
          status,
          retryable: status === undefined || isRetryableStatus(status),
          cause,
        });
      }
      if (!isIngestResult(result)) throw new TransportError("ingestBatch over RPC answered something other than an ingest result", { retryable: false });
      return result;
    },
  };
}
