import { TransportError } from "./transport.ts";

/** How often and how long the client retries a batch that failed with a retryable error. */
export interface RetryPolicy {
  /** Attempts in all, the first one included (1 = never retry). */
  maxAttempts: number;
  /** The backoff's first ceiling: attempt n waits a random time in [0, base · 2^(n-1)). */
  baseDelayMs: number;
  /**
   * Longest wait before one retry. A `Retry-After` beyond it ends the retries (the batch is
   * reported through `onError`) rather than being shortened, which would only hit the limit again.
   */
  maxDelayMs: number;
}

/** What the retry loop needs from the outside world; injectable so tests need not wait. */
export interface RetryClock {
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), as `Math.random`. */
  random(): number;
}

/** A batch that failed for good: the last error, and how many attempts were made. */
export class RetriesExhaustedError extends Error {
  override readonly name = "RetriesExhaustedError";
  constructor(
    readonly lastError: TransportError,
    readonly attempts: number,
    reason: string,
  ) {
    super(`${lastError.message} (${reason} after ${attempts} attempt${attempts === 1 ? "" : "s"})`, { cause: lastError });
  }
}

/**
 * The wait before attempt `attempt + 1`: the server's `Retry-After` when it sent one, otherwise
 * exponential backoff with full jitter (a uniform draw below the doubling ceiling), which spreads
 * clients that failed together (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function retryDelayMs(error: TransportError, attempt: number, policy: RetryPolicy, random: () => number): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `send` until it succeeds, fails with an error that is not retryable, runs out of attempts,
 * or the server asks for a wait longer than the policy allows. Failures of `send` that are not
 * {@link TransportError}s are bugs, not transport trouble: they are rethrown at once.
 *
 * @example
 * const result = await sendWithRetry(() => transport.send(batch), { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 }, clock);
 */
export async function sendWithRetry<T>(send: () => Promise<T>, policy: RetryPolicy, clock: RetryClock): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      if (!error.retryable) throw new RetriesExhaustedError(error, attempt, "not retryable");
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(error, attempt, "no attempts left");
      const wait = retryDelayMs(error, attempt, policy, clock.random);
      if (wait > policy.maxDelayMs) {
        throw new RetriesExhaustedError(error, attempt, `Retry-After of ${wait} ms exceeds maxDelayMs ${policy.maxDelayMs}`);
      }
      await clock.sleep(wait);
    }
  }
}
