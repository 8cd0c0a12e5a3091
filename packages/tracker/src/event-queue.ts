/**
 * Sends one batch. Resolves `true` when the batch needs no retry (accepted, or refused for good),
 * `false` when a later attempt may succeed (network error, 429, 5xx).
 */
export type SendBatch<E> = (events: E[], leaving: boolean) => Promise<boolean>;

/** Queues events and sends them in batches. */
export interface EventQueue<E> {
  /** Adds an event; sends at once when a batch is full, else within the delay. */
  push(event: E): void;
  /** Sends everything queued now; `leaving` when the page is being hidden or unloaded. */
  flush(leaving: boolean): void;
}

/** How {@link createEventQueue} batches. */
export interface EventQueueOptions<E> {
  send: SendBatch<E>;
  /** Events per request; also the count that triggers a send without waiting. */
  maxBatch: number;
  /** How long a queued event may wait for others before it is sent. */
  delayMs: number;
}

/**
 * A batching queue: one request for several events, at most `maxBatch` per request (a page-hide
 * request must fit the browser's 64 KiB keepalive budget), each event retried once. A retry is
 * safe because every event carries its own `event_id`: the server counts a second copy as a
 * duplicate.
 */
export function createEventQueue<E extends object>({ send, maxBatch, delayMs }: EventQueueOptions<E>): EventQueue<E> {
  let pending: E[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const retried = new WeakSet<E>();

  function schedule(): void {
    timer ??= setTimeout(function flushAfterDelay() {
      timer = undefined;
      flush(false);
    }, delayMs);
  }

  function retry(batch: E[]): void {
    const again = batch.filter((event) => !retried.has(event));
    for (const event of again) retried.add(event);
    if (again.length === 0) return;
    pending = again.concat(pending);
    schedule();
  }

  function flush(leaving: boolean): void {
    clearTimeout(timer);
    timer = undefined;
    while (pending.length > 0) {
      const batch = pending.splice(0, maxBatch);
      send(batch, leaving).then(
        (done) => done || retry(batch),
        () => retry(batch),
      );
    }
  }

  return {
    push(event) {
      pending.push(event);
      if (pending.length >= maxBatch) flush(false);
      else schedule();
    },
    flush,
  };
}
