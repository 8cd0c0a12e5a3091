import { IngestError } from "../errors.ts";
import { type IngestDependencies, type IngestResult, ingestEvents, rawText, type RejectedEvent } from "../ingest-events.ts";
import type { RequestContext } from "../enrich-event.ts";
import type { DeadLetter } from "../ports.ts";
import { mapSegmentMessage, SEGMENT_CALLS, SEGMENT_MAX_MESSAGE_BYTES, type SegmentCall, type SegmentDeviceContext } from "./map-message.ts";

/** The endpoints of Segment's HTTP API: `/v1/batch` and one per call. */
export type SegmentEndpoint = SegmentCall | "batch";

/** Whether `value` names a Segment endpoint (`batch`, `track`, ...). */
export function isSegmentEndpoint(value: string): value is SegmentEndpoint {
  return value === "batch" || (SEGMENT_CALLS as readonly string[]).includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A rejected message as kept for operators: its `writeKey` is a credential, never stored (as for accepted ones). */
function withoutWriteKey(message: unknown): unknown {
  if (!isObject(message) || !("writeKey" in message)) return message;
  const { writeKey: _credential, ...rest } = message;
  return rest;
}

/** The write key a browser put in the body (`writeKey`), where it cannot set Authorization. */
export function segmentWriteKeyFromBody(body: unknown): string | undefined {
  return isObject(body) && typeof body.writeKey === "string" && body.writeKey.length > 0 ? body.writeKey : undefined;
}

/**
 * The messages of a Segment request with their calls: `/v1/batch` carries `{ batch: [...] }`
 * (each message names its call in `type`; the batch's own `context` is merged under each
 * message's), the other endpoints one message of their own call.
 */
export function segmentMessages(endpoint: SegmentEndpoint, body: unknown, maxMessages: number): { call: unknown; message: unknown }[] {
  if (!isObject(body)) throw new IngestError(400, "body must be a JSON object (a Segment message, or { \"batch\": [ ... ] } on /v1/batch)");
  if (endpoint !== "batch") return [{ call: endpoint, message: body }];
  const batch = body.batch;
  if (!Array.isArray(batch)) throw new IngestError(400, '"batch" must be an array of messages');
  if (batch.length === 0) throw new IngestError(400, '"batch" is empty');
  if (batch.length > maxMessages) throw new IngestError(400, `batch has ${batch.length} messages; the limit is ${maxMessages}`);
  const shared = isObject(body.context) ? body.context : undefined;
  return batch.map((message) => {
    if (!isObject(message)) return { call: undefined, message };
    const merged = shared ? { ...message, context: { ...shared, ...(isObject(message.context) ? message.context : {}) } } : message;
    return { call: message.type, message: merged };
  });
}

function byteLength(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value) ?? "").byteLength;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Ingests the messages of one Segment request through the one ingestion path: each message is
 * mapped onto our event types, then validated, enriched and made durable like any event. The
 * result's indexes are the messages' own; a message that cannot be mapped is rejected (and kept
 * as a dead letter) with its Segment path, the others are accepted.
 */
export async function ingestSegmentMessages(
  messages: { call: unknown; message: unknown }[],
  context: RequestContext,
  deps: IngestDependencies,
): Promise<IngestResult> {
  const receivedAt = context.receivedAt;
  const mappingRejections: RejectedEvent[] = [];
  const events: unknown[] = [];
  const perEvent: (SegmentDeviceContext | undefined)[] = [];
  const originalIndex: number[] = [];

  const mapped = await Promise.all(
    messages.map(async ({ call, message }, index) => {
      if (typeof call !== "string" || !(SEGMENT_CALLS as readonly string[]).includes(call)) {
        return { index, result: { ok: false as const, errors: [{ path: "type", message: `must be one of ${SEGMENT_CALLS.join(", ")}` }] } };
      }
      const size = byteLength(message);
      if (size > SEGMENT_MAX_MESSAGE_BYTES) {
        return { index, result: { ok: false as const, errors: [{ path: "", message: `message is ${size} bytes; Segment's limit is ${SEGMENT_MAX_MESSAGE_BYTES}` }] } };
      }
      return { index, result: await mapSegmentMessage(call as SegmentCall, message, receivedAt) };
    }),
  );
  for (const { index, result } of mapped) {
    if (result.ok) {
      originalIndex.push(index);
      events.push(result.event);
      perEvent.push(result.device);
    } else {
      const messageId = "messageId" in result ? result.messageId : undefined;
      mappingRejections.push(messageId ? { index, event_id: messageId, errors: result.errors } : { index, errors: result.errors });
    }
  }

  if (mappingRejections.length > 0) {
    const letters: DeadLetter[] = mappingRejections.map((rejection) => {
      const letter: DeadLetter = {
        projectId: context.keyProjectId ?? null,
        receivedAt: receivedAt.toISOString(),
        index: rejection.index,
        errors: rejection.errors,
        raw: rawText(withoutWriteKey(messages[rejection.index]?.message ?? null)),
      };
      if (rejection.event_id) letter.eventId = rejection.event_id;
      return letter;
    });
    await deps.deadLetters.record(letters).catch((error: unknown) => deps.onBackgroundError?.("dead-letters", error));
  }

  const result =
    events.length > 0 ? await ingestEvents(events, { ...context, perEvent }, deps) : { accepted: 0, duplicates: 0, rejected: [] };
  const rejected = [
    ...mappingRejections,
    ...result.rejected.map((rejection) => ({ ...rejection, index: originalIndex[rejection.index] ?? rejection.index })),
  ].sort((a, b) => a.index - b.index);
  return { accepted: result.accepted, duplicates: result.duplicates, rejected };
}
