import type { OutgoingEvent } from "./events.ts";
import { readIngestResponse } from "./ingest-response.ts";
import { type Transport, TransportError } from "./transport.ts";

/** The part of `fetch` the HTTP transports use; injectable for tests. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** The platform's origin, e.g. `https://analytics.example.com`; events go to `{baseUrl}/events`. */
  baseUrl: string;
  /** A project key; it decides the project, so events need no `project_id`. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/**
 * Sends batches to the public `POST {baseUrl}/events` with the key in `X-API-Key`.
 *
 * @example
 * const transport = httpTransport({ baseUrl: "https://analytics.example.com", apiKey: process.env.ANALYTICS_KEY! });
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/events`;
  // Looked up per call, not captured: tests and polyfills may replace the global after import.
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    async send(events: OutgoingEvent[]) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": options.apiKey },
          body: JSON.stringify({ events }),
        });
      } catch (cause) {
        throw new TransportError(`could not reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { retryable: true, cause });
      }
      return readIngestResponse(response);
    },
  };
}
