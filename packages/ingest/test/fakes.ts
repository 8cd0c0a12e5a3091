/**
 * In-memory implementations of the ingestion ports (ports.ts) for unit tests. They keep every call
 * so tests can assert what each stage received, and each can be told to fail.
 */
import type { AnalyticsEngineDataPoint, EventRecord } from "@edge-analytics/event-schema";
import type {
  AcceptedTally,
  ClaimResult,
  DeadLetter,
  DeadLetterSink,
  DeferredPointQueue,
  EventIdLedger,
  HotEventWriter,
  LakeSink,
} from "../src/ports.ts";

type LedgerState = "pending" | "committed";

/**
 * The two-phase ledger contract, faithfully: `claim` holds new ids as pending under a new claim,
 * reports committed ids as duplicates and other requests' pending ids as in flight; `commit` turns
 * the ids still held by that claim into duplicates-forever; `release` forgets the claim's pending
 * ids so a retry can claim them. Ids are scoped per project.
 */
export class InMemoryEventIdLedger implements EventIdLedger {
  private readonly entries = new Map<string, { state: LedgerState; claimId: number }>();
  private lastClaimId = 0;
  readonly calls: { op: "claim" | "commit" | "release"; projectId: string; eventIds: string[]; tallies?: AcceptedTally[] }[] = [];
  /** When set, `commit` rejects with this error (to test that a failed commit is only reported). */
  commitError: Error | undefined;

  private static key(projectId: string, eventId: string): string {
    return `${projectId}/${eventId}`;
  }

  async claim(projectId: string, eventIds: string[]): Promise<ClaimResult> {
    this.calls.push({ op: "claim", projectId, eventIds: [...eventIds] });
    const claimId = ++this.lastClaimId;
    const result: ClaimResult = { claimed: [], duplicates: [], inFlight: [], claimId: null };
    for (const id of eventIds) {
      const key = InMemoryEventIdLedger.key(projectId, id);
      const state = this.entries.get(key)?.state;
      if (state === "committed") result.duplicates.push(id);
      else if (state === "pending") result.inFlight.push(id);
      else {
        this.entries.set(key, { state: "pending", claimId });
        result.claimed.push(id);
      }
    }
    if (result.claimed.length > 0) result.claimId = claimId;
    return result;
  }

  async commit(projectId: string, claim: ClaimResult, tallies: AcceptedTally[]): Promise<void> {
    this.calls.push({ op: "commit", projectId, eventIds: [...claim.claimed], tallies: tallies.map((t) => ({ ...t })) });
    if (this.commitError) throw this.commitError;
    for (const id of claim.claimed) {
      const key = InMemoryEventIdLedger.key(projectId, id);
      const entry = this.entries.get(key);
      if (entry?.claimId !== claim.claimId || entry.state !== "pending") throw new Error(`commit of ${key}, which this claim does not hold`);
      entry.state = "committed";
    }
  }

  async release(projectId: string, claim: ClaimResult): Promise<void> {
    this.calls.push({ op: "release", projectId, eventIds: [...claim.claimed] });
    for (const id of claim.claimed) {
      const key = InMemoryEventIdLedger.key(projectId, id);
      const entry = this.entries.get(key);
      // Releasing never forgets a committed id: that would let a duplicate through.
      if (entry?.claimId === claim.claimId && entry.state === "pending") this.entries.delete(key);
    }
  }

  /** The state of one id: pending, committed, or undefined when the ledger does not hold it. */
  stateOf(projectId: string, eventId: string): LedgerState | undefined {
    return this.entries.get(InMemoryEventIdLedger.key(projectId, eventId))?.state;
  }

  /** How many ids are in each state. */
  counts(): Record<LedgerState, number> {
    const counts: Record<LedgerState, number> = { pending: 0, committed: 0 };
    for (const { state } of this.entries.values()) counts[state]++;
    return counts;
  }
}

/** A lake sink that keeps every batch; `failures` queued errors are thrown by the next sends. */
export class RecordingLakeSink implements LakeSink {
  readonly batches: EventRecord[][] = [];
  readonly failures: Error[] = [];
  /** When set, `send` waits for it before resolving (to hold claims open across calls). */
  gate: Promise<void> | undefined;

  async send(records: EventRecord[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.gate) await this.gate;
    this.batches.push([...records]);
  }

  /** Every record that was made durable, in order. */
  get records(): EventRecord[] {
    return this.batches.flat();
  }
}

/** A hot store that keeps every write; fails every write while `error` is set. */
export class RecordingHotWriter implements HotEventWriter {
  readonly writes: AnalyticsEngineDataPoint[][] = [];
  error: Error | undefined;

  async write(points: AnalyticsEngineDataPoint[]): Promise<void> {
    if (this.error) throw this.error;
    this.writes.push([...points]);
  }

  get points(): AnalyticsEngineDataPoint[] {
    return this.writes.flat();
  }
}

/** A dead-letter sink that keeps every letter; fails every call while `error` is set. */
export class RecordingDeadLetterSink implements DeadLetterSink {
  readonly calls: DeadLetter[][] = [];
  error: Error | undefined;

  async record(letters: DeadLetter[]): Promise<void> {
    if (this.error) throw this.error;
    this.calls.push([...letters]);
  }

  get letters(): DeadLetter[] {
    return this.calls.flat();
  }
}

/** A deferred-point queue that keeps every deferral. */
export class RecordingDeferredQueue implements DeferredPointQueue {
  readonly calls: AnalyticsEngineDataPoint[][] = [];

  async defer(points: AnalyticsEngineDataPoint[]): Promise<void> {
    this.calls.push([...points]);
  }

  get points(): AnalyticsEngineDataPoint[] {
    return this.calls.flat();
  }
}

/** A promise and the function that resolves it, to hold a stage open until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
