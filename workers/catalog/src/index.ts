// analytics-catalog: what the lake holds (tables, partitions, files, schema versions), parity
// with ingestion, and what it costs. HTTP under /catalog (admin key); RPC for the ingestion sink
// and compaction; R2 event notifications and a cron reconcile for files others write.
import type {
  CatalogFile,
  CatalogRpc,
  CompactionAnswer,
  CompactionCandidate,
  CompactionPlan,
  CompactionRun,
  PartitionFile,
  RegisteredFile,
} from "@edge-analytics/catalog";
import { type AcceptedCount, type LakeTableName, r2RangeReader, readParquetFileFacts } from "@edge-analytics/lake";
import { WorkerEntrypoint } from "cloudflare:workers";
import { type CatalogEnv, catalogStore, recordAcceptedCounts, reconcile, registerObject, removeObject } from "./catalog-service.ts";
import { createHttpApp } from "./http-app.ts";
import { writeSnapshots } from "./snapshots.ts";

export { LakeCatalog } from "./durable-objects/lake-catalog.ts";

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

/** The RPC methods are CatalogRpc (packages/catalog), the interface every caller imports. */
export default class CatalogWorker extends WorkerEntrypoint<CatalogEnv> implements CatalogRpc {
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

  /** RPC (the API Worker's read path): a table's active files with their event-time bounds. */
  async files(table: LakeTableName): Promise<CatalogFile[]> {
    return catalogStore(this.env).files(table);
  }

  // --- Compaction (the compaction Worker's side of a run; see packages/lake/src/compaction.ts) ---

  async partitionFiles(table: LakeTableName, partition: string): Promise<PartitionFile[]> {
    return catalogStore(this.env).partitionFiles(table, partition);
  }

  async compactionCandidates(openPartition: string, targetBytes: number, table?: string): Promise<CompactionCandidate[]> {
    return catalogStore(this.env).compactionCandidates(openPartition, targetBytes, table);
  }

  async beginCompaction(run: CompactionPlan): Promise<CompactionAnswer> {
    return catalogStore(this.env).beginCompaction(run);
  }

  /** Reads each written output's facts from R2 (as for any file), then records them, still invisible. */
  async stageCompactionOutputs(runId: string, written: string[]): Promise<void> {
    const outputs = [];
    for (const key of written) {
      const head = await this.env.SOURCE_BUCKET.head(key);
      if (!head) throw new Error(`compaction output ${key} is not in analytics-source`);
      outputs.push({ key, facts: await readParquetFileFacts(r2RangeReader(this.env.SOURCE_BUCKET, key, head.size)) });
    }
    await catalogStore(this.env).stageCompactionOutputs(runId, outputs);
  }

  async commitCompaction(runId: string): Promise<void> {
    await catalogStore(this.env).commitCompaction(runId);
    await writeSnapshots(this.env.CATALOG_BUCKET, catalogStore(this.env));
  }

  async finishCompaction(runId: string, report: Record<string, unknown>): Promise<void> {
    await catalogStore(this.env).finishCompaction(runId, report);
  }

  async abortCompaction(runId: string, reason: string): Promise<CompactionAnswer> {
    return catalogStore(this.env).abortCompaction(runId, reason);
  }

  async closeAbortedCompaction(runId: string): Promise<void> {
    await catalogStore(this.env).closeAbortedCompaction(runId);
  }

  async unfinishedCompactions(): Promise<CompactionRun[]> {
    return catalogStore(this.env).unfinishedCompactions();
  }

  async recentCompactions(limit: number): Promise<CompactionRun[]> {
    return catalogStore(this.env).recentCompactions(limit);
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
