import type { IngestResult } from "@edge-analytics/event-schema";

export type { FieldError, IngestResult, RejectedEvent } from "@edge-analytics/event-schema";

/** Whether `value` has the shape of an `IngestResult` (what a server answer is checked with). */
export function isIngestResult(value: unknown): value is IngestResult {
  if (typeof value !== "object" || value === null) return false;
  const { accepted, duplicates, rejected } = value as Record<string, unknown>;
  return typeof accepted === "number" && typeof duplicates === "number" && Array.isArray(rejected);
}
