import { type IngestResult, isIngestResult } from "./ingest-result.ts";
import { parseRetryAfter } from "./retry-after.ts";
import { isRetryableStatus, TransportError } from "./transport.ts";

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    // The platform's one error shape: { "error": { "status", "message" } }.
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "error" in body) {
      const { error } = body;
      if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") return error.message;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the text itself is the best message there is.
  }
  return text.slice(0, 500) || response.statusText || "no message";
}

/**
 * Turns ingestion's HTTP answer (public `POST /events` or a service binding's `fetch`) into its
 * result, or a {@link TransportError} carrying the status, the server's message and `Retry-After`.
 */
export async function readIngestResponse(response: Response, nowMs: number = Date.now()): Promise<IngestResult> {
  if (response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    if (isIngestResult(body)) return body;
    throw new TransportError(`ingestion answered ${response.status} without an ingest result`, { status: response.status, retryable: false });
  }
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), nowMs);
  const message = `ingestion answered ${response.status}: ${await errorMessage(response)}`;
  throw new TransportError(message, { status: response.status, retryable: isRetryableStatus(response.status), retryAfterMs });
}
