import { type BatchLimits, hasFullBatch, jsonBytes, nextBatchSize, type Sized } from "./batches.ts";
import { DeliveryError } from "./delivery-error.ts";
import type { OutgoingEvent } from "./events.ts";
import { emptyFlushResult, type EventRejection, type FlushResult, mergeFlushResults } from "./flush-result.ts";
import { RetriesExhaustedError, type RetryClock, type RetryPolicy, sendWithRetry } from "./retry.ts";
import type { Transport } from "./transport.ts";

/** Everything the queue needs, resolved (defaults applied) by the client. */
export interface DeliveryQueueOptions {
  transport: Transport;
  limits: BatchLimits;
  /** 0: no timer; batches leave when full or on `flush()`. */
  flushIntervalMs: number;
  retry: RetryPolicy;
  clock: RetryClock;
  onError: (error: DeliveryError) => void;
  onRejected: (rejections: EventRejection[]) => void;
}

/** Calls a user's callback without letting its failure reach the send path. */
function notify<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value);
  } catch (error) {
    console.error("@edge-analytics/client: an onError/onRejected callback threw", error);
  }
}

/**
 * The events waiting to be sent, and the sends under way. Batches leave when one is full (by
 * count or bytes), when the flush timer fires, or on `flush()`. Nothing here rejects: every
 * failure ends in `onError`, every refused event in `onRejected`.
 */
export class DeliveryQueue {
  readonly #options: DeliveryQueueOptions;
  #queue: Sized<OutgoingEvent>[] = [];
  #queuedBytes = 0;
  readonly #inFlight = new Set<Promise<FlushResult>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: DeliveryQueueOptions) {
    this.#options = options;
  }

  /** Queues an event; sends at once when that fills a batch. */
  enqueue(event: OutgoingEvent): void {
    if (this.#closed) {
      notify(this.#options.onError, new DeliveryError("the analytics client is closed; the event was not sent", [event], { attempts: 0 }));
      return;
    }
    const bytes = jsonBytes(event);
    this.#queue.push({ item: event, bytes });
    this.#queuedBytes += bytes;
    while (hasFullBatch(this.#queue, this.#queuedBytes, this.#options.limits)) this.#track(this.#deliver(this.#takeBatch()));
    if (this.#queue.length > 0) this.#arm();
  }

  /** Sends everything queued and waits for every send under way, including earlier ones. */
  async flush(): Promise<FlushResult> {
    this.#disarm();
    const batches: OutgoingEvent[][] = [];
    while (this.#queue.length > 0) batches.push(this.#takeBatch());
    const waiting = [...this.#inFlight];
    if (batches.length > 0) waiting.push(this.#track(this.#deliverInOrder(batches)));
    return mergeFlushResults(await Promise.all(waiting));
  }

  /** Flushes, then refuses further events (they go to `onError`). */
  close(): Promise<FlushResult> {
    this.#closed = true;
    return this.flush();
  }

  #takeBatch(): OutgoingEvent[] {
    const taken = this.#queue.splice(0, nextBatchSize(this.#queue, this.#options.limits));
    for (const { bytes } of taken) this.#queuedBytes -= bytes;
    return taken.map(({ item }) => item);
  }

  #track(send: Promise<FlushResult>): Promise<FlushResult> {
    this.#inFlight.add(send);
    void send.finally(() => this.#inFlight.delete(send));
    return send;
  }

  /** One after the other, so a large flush does not open hundreds of requests at once. */
  async #deliverInOrder(batches: OutgoingEvent[][]): Promise<FlushResult> {
    const results: FlushResult[] = [];
    for (const batch of batches) results.push(await this.#deliver(batch));
    return mergeFlushResults(results);
  }

  async #deliver(batch: OutgoingEvent[]): Promise<FlushResult> {
    const { transport, retry, clock, onError, onRejected } = this.#options;
    try {
      const result = await sendWithRetry(() => transport.send(batch), retry, clock);
      const rejected: EventRejection[] = [];
      for (const { index, errors } of result.rejected) {
        const event = batch[index];
        if (event) rejected.push({ event, errors });
      }
      if (rejected.length > 0) notify(onRejected, rejected);
      return { accepted: result.accepted, duplicates: result.duplicates, rejected, errors: [] };
    } catch (cause) {
      const error =
        cause instanceof RetriesExhaustedError
          ? new DeliveryError(cause.message, batch, { status: cause.lastError.status, attempts: cause.attempts, cause })
          : new DeliveryError(`sending events failed: ${cause instanceof Error ? cause.message : String(cause)}`, batch, { attempts: 1, cause });
      notify(onError, error);
      return { ...emptyFlushResult(), errors: [error] };
    }
  }

  #arm(): void {
    const { flushIntervalMs } = this.#options;
    if (flushIntervalMs <= 0 || this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, flushIntervalMs);
    // In Node, a pending flush must not keep the process alive (call close() before exiting);
    // Node's handle has unref(), the Workers' number does not.
    const handle: unknown = timer;
    if (typeof handle === "object" && handle !== null && "unref" in handle && typeof handle.unref === "function") handle.unref();
    this.#timer = timer;
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
