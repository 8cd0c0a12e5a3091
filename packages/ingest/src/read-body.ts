import { IngestError } from "./errors.ts";
import type { IngestLimits } from "./limits.ts";

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a request body as JSON within the size limit and returns the events it carries: one
 * event object, or the array under `events`. Never buffers more than `maxBodyBytes`.
 */
export async function readEventsFromRequest(request: Request, limits: IngestLimits): Promise<unknown[]> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw new IngestError(415, `Content-Type must be application/json, got "${contentType || "(none)"}"`);
  }
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    throw new IngestError(413, `request body is ${declared} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  const text = await readTextWithin(request, limits.maxBodyBytes);
  return eventsFromJsonText(text, limits);
}

async function readTextWithin(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new IngestError(413, `request body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new IngestError(400, "request body is not valid UTF-8");
  }
}

/** Parses JSON text into the list of events it carries (one event, or `{ "events": [...] }`). */
export function eventsFromJsonText(text: string, limits: IngestLimits): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestError(400, `request body is not valid JSON: ${reason}`);
  }
  return eventsFromBody(body, limits);
}

/** Accepts one event object or `{ "events": [...] }` and enforces the batch length. */
export function eventsFromBody(body: unknown, limits: IngestLimits): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new IngestError(400, 'body must be one event object or { "events": [ ... ] }');
  }
  if (!Object.hasOwn(body, "events")) return [body];
  const events = (body as { events: unknown }).events;
  if (!Array.isArray(events)) throw new IngestError(400, '"events" must be an array of event objects');
  if (events.length === 0) throw new IngestError(400, '"events" is empty');
  if (events.length > limits.maxBatchEvents) {
    throw new IngestError(413, `batch has ${events.length} events; the limit is ${limits.maxBatchEvents}`);
  }
  return events;
}
