import * as catalog from "@edge-analytics/catalog";
import type {
  CatalogFile,
  CatalogPartition,
  CatalogSql,
  CatalogTable,
  CompactionAnswer,
  CompactionCandidate,
  CompactionPlan,
  CompactionRun,
  DistinctWork,
  FileState,
  ParityRow,
  PartitionFile,
  RegisteredFile,
  SchemaVersion,
} from "@edge-analytics/catalog";
import type { AcceptedCount, LakeTableName, ParquetFileFacts } from "@edge-analytics/lake";
import { DurableObject } from "cloudflare:workers";
import { writeSnapshots } from "../snapshots.ts";

/**
 * Snapshots follow changes after this long: a burst of registrations (a flush of every table, a
 * backlog of Pipelines notifications) costs one rewrite, not one per file, and a registration
 * never waits for the snapshot's listing of every partition.
 */
export const SNAPSHOT_DEBOUNCE_MS = 5_000;
/** After a failed snapshot write, the next attempt. */
const SNAPSHOT_RETRY_MS = 60_000;

/**
 * The lake's catalog: one SQLite Durable Object, so every read sees every committed registration
 * (strong consistency) and a registration is one transaction. The protocols (registration, schema
 * versions, parity, compaction runs) and the schema's migrations are packages/catalog; this object
 * holds the database, runs the migrations before any method, and owns the snapshot's alarm.
 */
export class LakeCatalog extends DurableObject<Env> {
  private readonly sql: CatalogSql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = catalog.durableObjectSql(ctx.storage);
    // Synchronous, in the constructor: no request reaches a method before the schema is current.
    catalog.runMigrations(this.sql);
  }

  /**
   * The catalog changed (a file registered or removed): the snapshot in analytics-catalog is
   * rewritten by the alarm within {@link SNAPSHOT_DEBOUNCE_MS}; `schemas` when a schema version
   * was added.
   */
  async snapshotsChanged(schemas: boolean): Promise<void> {
    catalog.writeMeta(this.sql, "snapshots_stale", "1");
    if (schemas) catalog.writeMeta(this.sql, "schemas_stale", "1");
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_DEBOUNCE_MS);
  }

  /** Whether the snapshot is behind the catalog (for tests and operators). */
  async snapshotsStale(): Promise<boolean> {
    return catalog.readMeta(this.sql, "snapshots_stale") === "1";
  }

  /** Rewrites a stale snapshot; a failure is retried, changes made meanwhile get another run. */
  override async alarm(): Promise<void> {
    if (catalog.readMeta(this.sql, "snapshots_stale") !== "1") return;
    const schemas = catalog.readMeta(this.sql, "schemas_stale") === "1";
    // Cleared first: a registration during the write marks them again and gets its own rewrite.
    catalog.writeMeta(this.sql, "snapshots_stale", "0");
    catalog.writeMeta(this.sql, "schemas_stale", "0");
    try {
      await writeSnapshots(this.env.CATALOG_BUCKET, this, { schemas });
    } catch (error) {
      catalog.writeMeta(this.sql, "snapshots_stale", "1");
      if (schemas) catalog.writeMeta(this.sql, "schemas_stale", "1");
      console.error(JSON.stringify({ level: "error", stage: "catalog-snapshot", message: error instanceof Error ? error.message : String(error) }));
      await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_RETRY_MS);
      return;
    }
    if (catalog.readMeta(this.sql, "snapshots_stale") === "1" && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + SNAPSHOT_DEBOUNCE_MS);
    }
  }

  /** The schema versions applied to this object's database (for tests and operators). */
  async migrations(): Promise<{ version: number; name: string; applied_at_ms: number }[]> {
    return catalog.appliedMigrations(this.sql);
  }

  // --- Files and schema versions ------------------------------------------------------------------

  async registerFile(bucket: string, key: string, facts: ParquetFileFacts): Promise<RegisteredFile> {
    return catalog.registerFile(this.sql, bucket, key, facts);
  }

  async removeFile(bucket: string, key: string): Promise<boolean> {
    return catalog.removeFile(this.sql, bucket, key);
  }

  async keysUnder(bucket: string, prefix: string): Promise<{ key: string; bytes: number; state: FileState; registeredAtMs: number }[]> {
    return catalog.keysUnder(this.sql, bucket, prefix);
  }

  async tables(): Promise<CatalogTable[]> {
    return catalog.tables(this.sql);
  }

  async partitions(table: LakeTableName): Promise<CatalogPartition[]> {
    return catalog.partitions(this.sql, table);
  }

  async files(table: LakeTableName, partition?: string): Promise<CatalogFile[]> {
    return catalog.files(this.sql, table, partition);
  }

  async schemaVersions(table?: LakeTableName): Promise<SchemaVersion[]> {
    return catalog.schemaVersions(this.sql, table);
  }

  async recentRawRate(hours: number): Promise<{ bytes: number; files: number; rows: number }> {
    return catalog.recentRawRate(this.sql, hours);
  }

  // --- Parity -------------------------------------------------------------------------------------

  async recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void> {
    catalog.recordAcceptedCounts(this.sql, project, counts);
  }

  async parity(table?: string, nowMs = Date.now()): Promise<ParityRow[]> {
    return catalog.parity(this.sql, table, nowMs);
  }

  async distinctWork(table?: string, nowMs = Date.now()): Promise<DistinctWork[]> {
    return catalog.distinctWork(this.sql, table, nowMs);
  }

  async recordDistinct(table: LakeTableName, counts: { hour: string; signature: string; distinct: number }[]): Promise<void> {
    catalog.recordDistinct(this.sql, table, counts);
  }

  // --- Compaction runs ----------------------------------------------------------------------------

  async partitionFiles(table: LakeTableName, partition: string): Promise<PartitionFile[]> {
    return catalog.partitionFiles(this.sql, table, partition);
  }

  async compactionCandidates(openPartition: string, targetBytes: number, table?: string): Promise<CompactionCandidate[]> {
    return catalog.compactionCandidates(this.sql, openPartition, targetBytes, table);
  }

  async beginCompaction(run: CompactionPlan): Promise<CompactionAnswer> {
    return catalog.beginCompaction(this.sql, run);
  }

  async stageCompactionOutputs(runId: string, outputs: { key: string; facts: ParquetFileFacts }[]): Promise<void> {
    catalog.stageCompactionOutputs(this.sql, runId, outputs);
  }

  async commitCompaction(runId: string): Promise<void> {
    catalog.commitCompaction(this.sql, runId);
  }

  async finishCompaction(runId: string, report: Record<string, unknown>): Promise<void> {
    catalog.finishCompaction(this.sql, runId, report);
  }

  async abortCompaction(runId: string, reason: string): Promise<CompactionAnswer> {
    return catalog.abortCompaction(this.sql, runId, reason);
  }

  async closeAbortedCompaction(runId: string): Promise<void> {
    catalog.closeAbortedCompaction(this.sql, runId);
  }

  async unfinishedCompactions(): Promise<CompactionRun[]> {
    return catalog.unfinishedCompactions(this.sql);
  }

  async recentCompactions(limit: number): Promise<CompactionRun[]> {
    return catalog.recentCompactions(this.sql, limit);
  }
}
