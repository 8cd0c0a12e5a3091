/**
 * Splitting queued events into request bodies the server takes: at most `maxEvents` events and
 * `maxBytes` bytes of `{"events":[...]}` each (the ingestion limits are 500 events and 1 MiB,
 * README "Limits").
 */

/** The most events ingestion takes in one request (`MAX_BATCH_EVENTS`). */
export const SERVER_MAX_BATCH_EVENTS = 500;
/** The largest body ingestion takes (`MAX_BODY_BYTES`). */
export const SERVER_MAX_BODY_BYTES = 1024 * 1024;

/** `{"events":[` and `]}` around the events. */
const ENVELOPE_BYTES = '{"events":[]}'.length;

/** How big one batch may get. */
export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

/** A queued item with the size of its JSON, measured once when queued. */
export interface Sized<T> {
  item: T;
  bytes: number;
}

const encoder = new TextEncoder();

/** The UTF-8 size of `value` as JSON: what it adds to a request body. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** The body size of a batch holding `count` items of `itemBytes` bytes in all (commas included). */
export function batchBodyBytes(count: number, itemBytes: number): number {
  return ENVELOPE_BYTES + itemBytes + Math.max(0, count - 1);
}

/**
 * How many items from the front of `queue` make the next batch within `limits`. Always at least
 * one when the queue is not empty: an item too big for any batch goes alone, and the server
 * rejects it on its own (`MAX_EVENT_BYTES`) rather than it blocking the queue.
 */
export function nextBatchSize<T>(queue: readonly Sized<T>[], limits: BatchLimits): number {
  let bytes = 0;
  let count = 0;
  for (const { bytes: itemBytes } of queue) {
    if (count === limits.maxEvents) break;
    if (count > 0 && batchBodyBytes(count + 1, bytes + itemBytes) > limits.maxBytes) break;
    bytes += itemBytes;
    count++;
  }
  return count;
}

/** Whether `queue` already holds at least one full batch, so waiting for more gains nothing. */
export function hasFullBatch<T>(queue: readonly Sized<T>[], queuedBytes: number, limits: BatchLimits): boolean {
  return queue.length >= limits.maxEvents || batchBodyBytes(queue.length, queuedBytes) >= limits.maxBytes;
}
