// The implementations behind packages/ingest's interfaces that need this Worker's bindings.
// Which one runs is decided once, in `dependencies.ts`.
import type { AnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import {
  type AcceptedCountBatcher,
  type AcceptedCountSink,
  type AcceptedTally,
  chunkPointsForQueue,
  type DeadLetter,
  type DeadLetterSink,
  type DeferredPointQueue,
} from "@edge-analytics/ingest";
import type { AcceptedCounter } from "./durable-objects/accepted-counter.ts";
import type { DeadLetterBox } from "./durable-objects/dead-letter-box.ts";

/** A queue message of deferred data points. */
export interface DeferredPointsMessage {
  points: AnalyticsEngineDataPoint[];
}

/** Defers data points over the per-invocation cap to a Queue (consumed by this same Worker). */
export class QueueDeferredPoints implements DeferredPointQueue {
  constructor(private readonly queue: Queue<DeferredPointsMessage>) {}
  async defer(points: AnalyticsEngineDataPoint[]): Promise<void> {
    const messages = chunkPointsForQueue(points).map((chunk) => ({ body: { points: chunk } }));
    // sendBatch takes at most 100 messages per call.
    for (let i = 0; i < messages.length; i += 100) await this.queue.sendBatch(messages.slice(i, i + 100));
  }
}

/** Dead letters in one Durable Object. */
export class DurableObjectDeadLetters implements DeadLetterSink {
  constructor(private readonly namespace: DurableObjectNamespace<DeadLetterBox>) {}
  stub() {
    return this.namespace.get(this.namespace.idFromName("dead-letters"));
  }
  async record(letters: DeadLetter[]): Promise<void> {
    await this.stub().record(letters);
  }
}

/** The counter object of one project. */
export function acceptedCounter(namespace: DurableObjectNamespace<AcceptedCounter>, projectId: string) {
  return namespace.get(namespace.idFromName(projectId));
}

/**
 * Accepted counts through the isolate's batcher to each project's `AcceptedCounter`: the request
 * only adds to memory; the batcher's flush (at most one per second per isolate) runs after the
 * response, kept alive by `waitUntil`.
 */
export class BatchedAcceptedCounts implements AcceptedCountSink {
  constructor(
    private readonly batcher: AcceptedCountBatcher,
    private readonly counters: DurableObjectNamespace<AcceptedCounter>,
    private readonly ctx: Pick<ExecutionContext, "waitUntil">,
    private readonly log: (stage: string, error: unknown) => void,
  ) {}

  record(projectId: string, tallies: AcceptedTally[]): void {
    this.batcher.add(projectId, tallies);
    const counters = this.counters;
    const work = this.batcher.flush(
      (project, projectTallies) => acceptedCounter(counters, project).add(project, projectTallies),
      (project, error) => this.log(`accepted-counts ${project}`, error),
    );
    if (work) this.ctx.waitUntil(work);
  }
}
