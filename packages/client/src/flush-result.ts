import type { DeliveryError } from "./delivery-error.ts";
import type { OutgoingEvent } from "./events.ts";
import type { FieldError } from "./ingest-result.ts";

/** An event the server refused (a 202 answer's `rejected` entry), with the event itself. */
export interface EventRejection {
  event: OutgoingEvent;
  errors: FieldError[];
}

/** What a `flush()` delivered, summed over the batches it sent or waited for. */
export interface FlushResult {
  /** Events the server stored. */
  accepted: number;
  /** Events the server had already stored (same `event_id`): a retry that had in fact arrived. */
  duplicates: number;
  /** Events the server refused, and why (also passed to `onRejected`). */
  rejected: EventRejection[];
  /** Batches that were not delivered (also passed to `onError`). */
  errors: DeliveryError[];
}

/** The result of a flush that had nothing to send. */
export function emptyFlushResult(): FlushResult {
  return { accepted: 0, duplicates: 0, rejected: [], errors: [] };
}

/** Sums the results of several batches. */
export function mergeFlushResults(results: readonly FlushResult[]): FlushResult {
  const merged = emptyFlushResult();
  for (const result of results) {
    merged.accepted += result.accepted;
    merged.duplicates += result.duplicates;
    merged.rejected.push(...result.rejected);
    merged.errors.push(...result.errors);
  }
  return merged;
}
