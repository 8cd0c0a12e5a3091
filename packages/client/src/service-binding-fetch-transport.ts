import type { OutgoingEvent } from "./events.ts";
import { readIngestResponse } from "./ingest-response.ts";
import { type Transport, TransportError } from "./transport.ts";

/** A service binding to the ingestion Worker, as far as its `fetch` goes (a Workers `Fetcher`). */
export interface IngestFetchBinding {
  fetch(input: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Response>;
}

/**
 * Host of requests made through the binding: a binding ignores it and ingestion routes on the
 * path, and ingestion trusts `internal` without a key only on binding calls (README "From
 * another Worker").
 */
const INTERNAL_EVENTS_URL = "https://internal/events";

/**
 * Sends batches through a service binding's `fetch` to ingestion's `/events`: same body and answer
 * as the public endpoint, no key, so every event must name its `project_id` (set the client's
 * `projectId`).
 *
 * @example
 * const client = createClient({ transport: serviceBindingFetchTransport(env.ANALYTICS), projectId: "my-project" });
 */
export function serviceBindingFetchTransport(binding: IngestFetchBinding): Transport {
  return {
    async send(events: OutgoingEvent[]) {
      let response: Response;
      try {
        response = await binding.fetch(INTERNAL_EVENTS_URL, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ events }),
        });
      } catch (cause) {
        throw new TransportError(`the service binding's fetch failed: ${cause instanceof Error ? cause.message : String(cause)}`, { retryable: true, cause });
      }
      return readIngestResponse(response);
    },
  };
}
