import { IngestError } from "./errors.ts";
import type { IngestLimits } from "./limits.ts";

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/**
 * `navigator.sendBeacon` sends a string body as `text/plain;charset=UTF-8`, and a `fetch` with a
 * CORS-safelisted type needs no preflight: the body is still JSON.
 */
const TEXT_PLAIN_CONTENT_TYPE = /^text\/plain\s*(?:;|$)/i;

/** How a body may arrive: browsers' beacons send JSON as text/plain. */
export interface BodyOptions {
  /** Accept `text/plain` bodies (the browser tracker, publishable keys only). */
  acceptTextPlain?: boolean;
}

/**
 * Reads a request body as JSON within `maxBytes`: 415 for another content type, `tooLargeStatus`
 * (413 by default; Segment's API answers 400) past the limit, 400 for bytes that are not UTF-8
 * JSON. Never buffers more than `maxBytes`.
 */
export async function readJsonBody(request: Request, maxBytes: number, options: BodyOptions & { tooLargeStatus?: 400 | 413 } = {}): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType) && !(options.acceptTextPlain && TEXT_PLAIN_CONTENT_TYPE.test(contentType))) {
    const accepted = options.acceptTextPlain ? "application/json (or text/plain, as navigator.sendBeacon sends)" : "application/json";
    throw new IngestError(415, `Content-Type must be ${accepted}, got "${contentType || "(none)"}"`);
  }
  const tooLarge = options.tooLargeStatus ?? 413;
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new IngestError(tooLarge, `request body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  return parseJson(await readTextWithin(request, maxBytes, tooLarge));
}

/**
 * Reads a request body as JSON within the size limit and returns the events it carries: one
 * event object, or the array under `events`. Never buffers more than `maxBodyBytes`.
 */
export async function readEventsFromRequest(request: Request, limits: IngestLimits, options: BodyOptions = {}): Promise<unknown[]> {
  return eventsFromBody(await readJsonBody(request, limits.maxBodyBytes, options), limits);
}

async function readTextWithin(request: Request, maxBytes: number, tooLargeStatus: 400 | 413): Promise<string> {
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
      throw new IngestError(tooLargeStatus, `request body exceeds the limit of ${maxBytes} bytes`);
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestError(400, `request body is not valid JSON: ${reason}`);
  }
}

/** Parses JSON text into the list of events it carries (one event, or `{ "events": [...] }`). */
export function eventsFromJsonText(text: string, limits: IngestLimits): unknown[] {
  return eventsFromBody(parseJson(text), limits);
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
