import { type EventRecord } from "@edge-analytics/event-schema";
import { CappedHotWriter, eventsFromBody, type IngestResult, ingestEvents } from "@edge-analytics/ingest";
import { WorkerEntrypoint } from "cloudflare:workers";
import { type DeferredPointsMessage, QueueDeferredPoints } from "./adapters.ts";
import { hotStoreFor, type IngestionEnv, ingestDependencies } from "./dependencies.ts";
import { createHttpApp } from "./http-app.ts";

export { AcceptedCounter } from "./durable-objects/accepted-counter.ts";
export { DeadLetterBox } from "./durable-objects/dead-letter-box.ts";
export type { EventRecord, IngestResult };

const app = createHttpApp();

function logError(stage: string, error: unknown): void {
  console.error(JSON.stringify({ level: "error", stage, message: error instanceof Error ? error.message : String(error) }));
}

/**
 * The ingestion Worker. HTTP (`fetch`), service-binding fetch (host `internal`, no key) and RPC
 * (`ingestEvent`, `ingestBatch`) all run `ingestEvents` and answer the same result shape.
 */
export default class IngestionWorker extends WorkerEntrypoint<IngestionEnv> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  /** RPC: ingest one event. Through a binding there is no key: the event names its project_id. */
  async ingestEvent(event: unknown): Promise<IngestResult> {
    return this.ingestBatch([event]);
  }

  /** RPC: ingest a batch, with the same limits and per-event results as `POST /events`. */
  async ingestBatch(events: unknown[]): Promise<IngestResult> {
    const deps = ingestDependencies(this.env, this.ctx, logError);
    return ingestEvents(eventsFromBody({ events }, deps.limits), { receivedAt: new Date() }, deps);
  }

  /** Writes data points deferred past Analytics Engine's per-invocation cap. */
  override async queue(batch: MessageBatch<DeferredPointsMessage>): Promise<void> {
    const writer = new CappedHotWriter(hotStoreFor(this.env), new QueueDeferredPoints(this.env.AE_DEFERRED));
    for (const message of batch.messages) {
      try {
        await writer.write(message.body.points);
        message.ack();
      } catch (error) {
        logError("deferred-hot-store", error);
        message.retry({ delaySeconds: 5 });
      }
    }
  }
}
