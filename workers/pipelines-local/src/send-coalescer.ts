/**
 * How long a send waits for the write that holds its records: Workers' own limit for a request.
 * The timer also keeps the waiting call alive: a call whose only pending work is a promise another
 * request will resolve is canceled by the runtime as hung ("would never generate a response").
 */
export const SEND_DEADLINE_MS = 30_000;

/** `promise`, or a rejection after `ms`; the timer is cleared once the promise settles. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/**
 * Sends of many concurrent requests, written to the buffer in one call: every `send()` of every
 * stream that arrives while a write is pending joins the next one (group commit). Each `send()`
 * still resolves only once its own records are durable (the shared write committed), and fails
 * if that write fails. Locally every Worker and Durable Object shares one thread, and a Durable
 * Object call costs far more than the rows it inserts: six streams per request, one call each,
 * cost more than the rest of the request (docs/benchmarks.md "ingestion-throughput").
 */
export class SendCoalescer {
  private pending: { stream: string; recordsJson: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  /** `write` takes the JSON text of `[{ "stream", "records": [...] }, ...]` and resolves once it is durable. */
  constructor(private readonly write: (batchJson: string) => Promise<void>) {}

  /** Queues one send's records (their JSON text); answers the flush to keep alive when this call started one. */
  add(stream: string, recordsJson: string): { done: Promise<void>; flush: Promise<void> | undefined } {
    const done = new Promise<void>((resolve, reject) => this.pending.push({ stream, recordsJson, resolve, reject }));
    if (this.scheduled) return { done, flush: undefined };
    this.scheduled = true;
    // A macrotask, not a microtask: the other sends arrive as calls of their own. (A 2 ms window
    // instead of 0 gathered no measurably more: ingestion-throughput, docs/benchmarks.md.)
    const flush = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => this.flush());
    return { done, flush };
  }

  private async flush(): Promise<void> {
    const taken = this.pending;
    this.pending = [];
    this.scheduled = false;
    const batchJson = `[${taken.map((send) => `{"stream":${JSON.stringify(send.stream)},"records":${send.recordsJson}}`).join(",")}]`;
    try {
      await this.write(batchJson);
      for (const send of taken) send.resolve();
    } catch (error) {
      for (const send of taken) send.reject(error);
    }
  }
}
