/**
 * Data points of many concurrent invocations, recorded in one call: Analytics Engine's writes are
 * fire-and-forget (`writeDataPoint` returns before anything is stored), so a write here only
 * queues its points, and one recorder call per window stores everything queued. Readers
 * (the SQL API) first wait for what is queued, so a query sees every write that returned before it.
 * Locally every Worker and Durable Object shares one thread, where a Durable Object call per
 * request costs more than the rows it inserts.
 */
/**
 * How long queued points wait for more: writes return at once (Analytics Engine's are
 * fire-and-forget), so a longer window costs a writer nothing and lets the points of many
 * concurrent requests share one recorder call; a query waits at most this long for them.
 */
export const RECORD_WINDOW_MS = 10;

export class PointCoalescer {
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;

  /** `record` takes the JSON text of an array of points. */
  constructor(
    private readonly record: (pointsJson: string) => Promise<void>,
    private readonly windowMs: number = RECORD_WINDOW_MS,
  ) {}

  /** Queues points (the JSON text of an array); answers the flush to keep alive when this call started one. */
  add(pointsJson: string): Promise<void> | undefined {
    this.pending.push(pointsJson.slice(1, -1));
    if (this.flushing) return undefined;
    const flush = new Promise<void>((resolve) => setTimeout(resolve, this.windowMs)).then(async () => {
      const taken = this.pending.filter((part) => part.length > 0);
      this.pending = [];
      this.flushing = undefined;
      if (taken.length > 0) await this.record(`[${taken.join(",")}]`);
    });
    this.flushing = flush;
    return flush;
  }

  /**
   * Resolves once everything queued before the call is recorded. The timer keeps the waiting
   * request alive: one whose only pending work is a promise another request will resolve is
   * canceled by the runtime as hung.
   */
  async settled(): Promise<void> {
    while (this.flushing) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.flushing, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]).finally(() => {
        if (timer !== undefined) clearTimeout(timer);
      });
    }
  }
}
