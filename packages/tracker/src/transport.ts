import type { SendBatch } from "./event-queue.ts";
import type { TrackerEvent } from "./tracker-event.ts";

/** The browser functions the transport uses (passed in, so tests can fake them). */
export interface TransportEnvironment {
  /** `navigator.sendBeacon`, bound; absent in browsers without it. */
  sendBeacon?: ((url: string, body: string) => boolean) | undefined;
  fetch: (url: string, init: RequestInit) => Promise<Pick<Response, "status">>;
}

/**
 * Sends batches as `POST {endpoint}` with the body `{"events":[...]}` as a plain string, so the
 * browser labels it `text/plain;charset=UTF-8`: a CORS-safelisted request, no preflight.
 *
 * When the page is going away, `navigator.sendBeacon` hands the request to the browser, which
 * sends it after the page is gone; it cannot set headers, which is why the key travels in the
 * endpoint's query string. Otherwise (or when the beacon is refused, e.g. over its quota) a
 * `keepalive` fetch without cookies: its status says whether to retry (network errors, 429, 5xx).
 */
export function createTransport(endpoint: string, environment: TransportEnvironment): SendBatch<TrackerEvent> {
  return function sendEvents(events, leaving) {
    const body = JSON.stringify({ events });
    if (leaving && environment.sendBeacon?.(endpoint, body)) return Promise.resolve(true);
    return environment.fetch(endpoint, { method: "POST", body, keepalive: true, credentials: "omit" }).then(
      (response) => response.status !== 429 && response.status < 500,
      () => false,
    );
  };
}
