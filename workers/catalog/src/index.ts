// analytics-catalog: what the lake holds (tables, partitions, files, schema versions), parity
// with ingestion, and what it costs. HTTP under /catalog (admin key); RPC for the ingestion sink
// and compaction; R2 event notifications and a cron reconcile for files others write.
import { WorkerEntrypoint } from "cloudflare:workers";
import { type CatalogEnv, recordAcceptedCounts, reconcile, registerObject, removeObject } from "./catalog-service.ts";
import type { AcceptedCount } from "@edge-analytics/lake";
import type { RegisteredFile } from "./durable-objects/lake-catalog.ts";
import { createHttpApp } from "./http-app.ts";

export { LakeCatalog } from "./durable-objects/lake-catalog.ts";
export type { AcceptedCount, RegisteredFile };

const app = createHttpApp();

/** An R2 event notification as Cloudflare delivers it to a queue (the fields used here). */
interface R2EventNotification {
  bucket: string;
  action: string;
  object: { key: string };
}

const CREATE_ACTIONS = new Set(["PutObject", "CopyObject", "CompleteMultipartUpload"]);
const DELETE_ACTIONS = new Set(["DeleteObject", "LifecycleDeletion"]);

function logError(stage: string, error: unknown): void {
  console.error(JSON.stringify({ level: "error", stage, message: error instanceof Error ? error.message : String(error) }));
}

export default class CatalogWorker extends WorkerEntrypoint<CatalogEnv> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  /** RPC: an object was written; the catalog reads its facts from the object itself. Idempotent. */
  async registerFile(bucket: string, key: string): Promise<RegisteredFile | null> {
    return registerObject(this.env, bucket, key);
  }

  /** RPC: an object was deleted. */
  async removeFile(bucket: string, key: string): Promise<boolean> {
    return removeObject(this.env, bucket, key);
  }

  /** RPC: one project's accepted and still-buffered counts per table and hour (parity). */
  async recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void> {
    await recordAcceptedCounts(this.env, project, counts);
  }

  /** R2 event notifications of analytics-source (production: Pipelines' files). */
  override async queue(batch: MessageBatch<R2EventNotification>): Promise<void> {
    for (const message of batch.messages) {
      const { bucket, action, object } = message.body;
      try {
        if (CREATE_ACTIONS.has(action)) await registerObject(this.env, bucket, object.key);
        else if (DELETE_ACTIONS.has(action)) await removeObject(this.env, bucket, object.key);
        message.ack();
      } catch (error) {
        logError("r2-notification", error);
        message.retry({ delaySeconds: 30 });
      }
    }
  }

  override async scheduled(): Promise<void> {
    const result = await reconcile(this.env);
    console.log(JSON.stringify({ level: "info", stage: "reconcile", registered: result.registered.length, removed: result.removed.length, unchanged: result.unchanged }));
  }
}
