/** Test doubles shared by the client's tests. */
import type { IngestResult, OutgoingEvent, Transport } from "../src/index.ts";

/** A transport that keeps every batch and accepts it, unless `answer` says otherwise. */
export class RecordingTransport implements Transport {
  readonly batches: OutgoingEvent[][] = [];
  constructor(private readonly answer: (events: OutgoingEvent[]) => IngestResult | Promise<IngestResult> = acceptAll) {}

  async send(events: OutgoingEvent[]): Promise<IngestResult> {
    this.batches.push(events);
    return this.answer(events);
  }

  /** Every event sent, in order. */
  get events(): OutgoingEvent[] {
    return this.batches.flat();
  }
}

/** The answer of a server that stores every event. */
export function acceptAll(events: OutgoingEvent[]): IngestResult {
  return { accepted: events.length, duplicates: 0, rejected: [] };
}

/** Options that keep a client quiet and timer-free unless a test turns them on. */
export const quiet = {
  flushIntervalMs: 0,
  onError: () => {},
  onRejected: () => {},
} as const;

/** A promise and its resolver, for holding a send open. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
