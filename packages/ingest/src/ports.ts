import type { AnalyticsEngineDataPoint, EventRecord, TableName } from "@edge-analytics/event-schema";
import type { FieldError } from "./errors.ts";

/** Events accepted for one lake table in one UTC hour of receipt (`hour`: `2026-11-25T09`). */
export interface AcceptedTally {
  table: TableName;
  hour: string;
  accepted: number;
}

/**
 * The lake's entry point: each table's Cloudflare Pipelines stream (`PipelinesLakeSink`).
 * `send` resolves only once every record was accepted by its stream, and then the records reach
 * the lake at least once; when it throws, some of them may still have been accepted (a retry
 * can then land those twice, which the read side removes by event_id).
 */
export interface LakeSink {
  send(records: EventRecord[]): Promise<void>;
}

/**
 * Counts accepted events per project, lake table and hour of receipt, for the catalog's parity
 * (accepted vs landed). Cheap on the request path by contract: an implementation keeps at most
 * one small write per request, never a row per event.
 */
export interface AcceptedCountSink {
  record(projectId: string, tallies: AcceptedTally[]): void | Promise<void>;
}

/** The hot store. Production: Workers Analytics Engine; locally: the stand-in Worker's recorder. */
export interface HotEventWriter {
  write(points: AnalyticsEngineDataPoint[]): Promise<void>;
}

/** Where data points beyond the per-invocation cap wait for a later invocation. */
export interface DeferredPointQueue {
  defer(points: AnalyticsEngineDataPoint[]): Promise<void>;
}

/** A rejected event as kept for operators. */
export interface DeadLetter {
  projectId: string | null;
  receivedAt: string;
  index: number;
  eventId?: string;
  errors: FieldError[];
  /** The event's JSON text, cut to a bounded size. */
  raw: string;
}

/** Keeps rejected events where an operator can read them. */
export interface DeadLetterSink {
  record(letters: DeadLetter[]): Promise<void>;
}
