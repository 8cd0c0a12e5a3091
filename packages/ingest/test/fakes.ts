/**
 * In-memory implementations of the ingestion ports (ports.ts) for unit tests. They keep every call
 * so tests can assert what each stage received, and each can be told to fail.
 */
import type { AnalyticsEngineDataPoint, EventRecord } from "@edge-analytics/event-schema";
import type { AcceptedCountSink, AcceptedTally, DeadLetter, DeadLetterSink, DeferredPointQueue, HotEventWriter, LakeSink } from "../src/ports.ts";

/** A lake sink that keeps every batch; `failures` queued errors are thrown by the next sends. */
export class RecordingLakeSink implements LakeSink {
  readonly batches: EventRecord[][] = [];
  readonly failures: Error[] = [];

  async send(records: EventRecord[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push([...records]);
  }

  /** Every record that was made durable, in order. */
  get records(): EventRecord[] {
    return this.batches.flat();
  }
}

/** An accepted-count sink that keeps every call; fails every call while `error` is set. */
export class RecordingCountSink implements AcceptedCountSink {
  readonly calls: { projectId: string; tallies: AcceptedTally[] }[] = [];
  error: Error | undefined;

  record(projectId: string, tallies: AcceptedTally[]): void {
    if (this.error) throw this.error;
    this.calls.push({ projectId, tallies: tallies.map((t) => ({ ...t })) });
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
