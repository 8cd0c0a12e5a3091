import type { AnalyticsEngineDataPoint, EventRecord, TableName } from "@edge-analytics/event-schema";
import type { FieldError } from "./errors.ts";

/** Events accepted for one lake table in one UTC hour of receipt (`hour`: `2026-11-25T09`). */
export interface AcceptedTally {
  table: TableName;
  hour: string;
  accepted: number;
}

/** The ledger's verdict on a set of event ids. */
export interface ClaimResult {
  /** New ids, now held (pending) for this request. */
  claimed: string[];
  /** Ids already ingested within the dedup window. */
  duplicates: string[];
  /** Ids another request is ingesting right now (not yet committed): retry later. */
  inFlight: string[];
  /** Names this claim (its `claimed` ids) for `commit` or `release`; null when nothing was claimed. */
  claimId: number | null;
}

/**
 * Idempotency: remembers which event ids were ingested. Two-phase so that an event is never lost
 * (a claim that is not committed expires) and never written twice (a committed id is a duplicate).
 * Commit and release act on one claim as a whole: committing is one small write whatever the
 * number of ids, and ids another request took over after this claim's lease expired follow that
 * request's claim, never this one's.
 */
export interface EventIdLedger {
  claim(projectId: string, eventIds: string[]): Promise<ClaimResult>;
  /**
   * Marks the claim's ids as ingested and adds `tallies` (the same events, counted per lake table
   * and hour of receipt) to the project's accepted counts, in one step: the counts the catalog
   * compares with the rows that land (parity).
   */
  commit(projectId: string, claim: ClaimResult, tallies: AcceptedTally[]): Promise<void>;
  /** Gives up the claim's ids (still pending) so a retry can claim them at once. */
  release(projectId: string, claim: ClaimResult): Promise<void>;
}

/** What a journal did with one project's records, by event id. */
export interface JournalResult {
  /** Now durable: these records will reach the lake exactly once. */
  accepted: string[];
  /** Already accepted within the dedup window: written nowhere again. */
  duplicates: string[];
  /** Another request holds these ids right now (production's two-phase ledger only): retry. */
  inFlight: string[];
}

/**
 * Where accepted events become durable, deduplicated by event_id per project, in one step.
 * Production: the two-phase ledger in front of Pipelines (`LedgeredJournal`). Locally: one
 * Durable Object per project that checks and appends in a single SQLite transaction.
 * Throws `IngestError` 503 when nothing could be made durable.
 */
export interface EventJournal {
  append(projectId: string, records: EventRecord[]): Promise<JournalResult>;
}

/**
 * The lake's entry point. Production: Cloudflare Pipelines streams; locally: a durable sink.
 * `send` resolves only once the records are durable.
 */
export interface LakeSink {
  send(records: EventRecord[]): Promise<void>;
}

/** The hot store. Production: Workers Analytics Engine; locally: the recording stand-in. */
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
