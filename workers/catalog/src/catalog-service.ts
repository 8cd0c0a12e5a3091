// The catalog's operations, shared by its HTTP routes, its RPC methods (the ingestion sink,
// compaction), the R2-notification queue consumer and the cron reconcile.
import { TABLE_NAMES } from "@edge-analytics/event-schema";
import {
  type AcceptedCount,
  costReport,
  type CostReport,
  distinctByFirstHour,
  type InventoryGroup,
  inventoryGroupOf,
  LAKE_BUCKETS,
  type LakeBucketName,
  type LakeTableName,
  previousHour,
  PROCESSED_TABLE_NAMES,
  priceListFrom,
  r2RangeReader,
  readEventIdsByReceivedHour,
  readParquetFileFacts,
  tableLocation,
} from "@edge-analytics/lake";
import type { DistinctWork, RegisteredFile } from "@edge-analytics/catalog";
import type { LakeCatalog } from "./durable-objects/lake-catalog.ts";
import { writeSnapshots } from "./snapshots.ts";

/** R2_PRICES is optional (a var or secret the operator may set), so `wrangler types` cannot see it. */
export type CatalogEnv = Env & { R2_PRICES?: string };

export function catalogStore(env: CatalogEnv): DurableObjectStub<LakeCatalog> {
  return env.CATALOG_STORE.get(env.CATALOG_STORE.idFromName("lake"));
}

export function bucketNamed(env: CatalogEnv, bucket: string): R2Bucket | undefined {
  switch (bucket as LakeBucketName) {
    case LAKE_BUCKETS.source:
      return env.SOURCE_BUCKET;
    case LAKE_BUCKETS.processed:
      return env.PROCESSED_BUCKET;
    case LAKE_BUCKETS.catalog:
      return env.CATALOG_BUCKET;
    default:
      return undefined;
  }
}

/**
 * Registers one object from its own bytes (footer + time columns); the snapshots follow within
 * seconds (LakeCatalog.snapshotsChanged). An object that no longer exists is removed from the
 * catalog instead (a late notification).
 */
export async function registerObject(env: CatalogEnv, bucket: string, key: string): Promise<RegisteredFile | null> {
  const r2 = bucketNamed(env, bucket);
  if (!r2) throw new Error(`unknown bucket "${bucket}"`);
  const head = await r2.head(key);
  if (!head) {
    if (await catalogStore(env).removeFile(bucket, key)) await catalogStore(env).snapshotsChanged(false);
    return null;
  }
  const facts = await readParquetFileFacts(r2RangeReader(r2, key, head.size));
  const registered = await catalogStore(env).registerFile(bucket, key, facts);
  await catalogStore(env).snapshotsChanged(registered.new_schema_version);
  return registered;
}

export async function removeObject(env: CatalogEnv, bucket: string, key: string): Promise<boolean> {
  const removed = await catalogStore(env).removeFile(bucket, key);
  if (removed) await catalogStore(env).snapshotsChanged(false);
  return removed;
}

export async function recordAcceptedCounts(env: CatalogEnv, project: string, counts: AcceptedCount[]): Promise<void> {
  await catalogStore(env).recordAcceptedCounts(project, counts);
}

/**
 * Rows whose event_ids one parity request reads at most: the ids are held as a set in the
 * Worker's memory (~80 bytes each, of 128 MB). Hours beyond it are counted by the next request.
 */
export const PARITY_DISTINCT_ROW_BUDGET = 500_000;

/**
 * Counts the distinct events of every hour whose count is missing or older than its files: reads
 * the `event_id` and `received_at` columns of the files holding the hour's rows and the hour
 * before's, and records each count with the signature of the files it read. Oldest hours first,
 * within {@link PARITY_DISTINCT_ROW_BUDGET}; an hour counted once stays counted until its files change.
 */
export async function refreshParityDistinct(env: CatalogEnv, table?: string): Promise<void> {
  const work = await catalogStore(env).distinctWork(table);
  const byTable = new Map<LakeTableName, DistinctWork[]>();
  let budget = PARITY_DISTINCT_ROW_BUDGET;
  for (const item of work) {
    if (item.rows > budget) continue;
    budget -= item.rows;
    byTable.set(item.table, [...(byTable.get(item.table) ?? []), item]);
  }
  for (const [tableName, items] of byTable) {
    const hours = new Set(items.flatMap((item) => [item.hour, previousHour(item.hour)]));
    const idsByHour = new Map<string, Set<string>>();
    for (const key of new Set(items.flatMap((item) => item.keys))) {
      const head = await env.SOURCE_BUCKET.head(key);
      // Gone since the listing (compacted away): the signature changed, the next request recounts.
      if (!head) continue;
      await readEventIdsByReceivedHour(r2RangeReader(env.SOURCE_BUCKET, key, head.size), hours, idsByHour);
    }
    const counts = distinctByFirstHour(idsByHour, items.map((item) => item.hour));
    await catalogStore(env).recordDistinct(
      tableName,
      items.map((item) => ({ hour: item.hour, signature: item.signature, distinct: counts.get(item.hour) ?? 0 })),
    );
  }
}

async function* listObjects(bucket: R2Bucket, prefix: string): AsyncGenerator<R2Object> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    yield* page.objects;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

export interface ReconcileResult {
  registered: string[];
  removed: string[];
  unchanged: number;
}

/**
 * Makes the catalog equal to the buckets' listings: files it lacks are registered (Pipelines'
 * files when a notification was lost), files whose objects are gone are removed, and objects
 * whose size changed are read again. The cron runs it; `POST /catalog/reconcile` too.
 */
export async function reconcile(env: CatalogEnv): Promise<ReconcileResult> {
  const result: ReconcileResult = { registered: [], removed: [], unchanged: 0 };
  const store = catalogStore(env);
  for (const table of [...TABLE_NAMES, ...PROCESSED_TABLE_NAMES] as LakeTableName[]) {
    const { bucket, prefix } = tableLocation(table);
    const r2 = bucketNamed(env, bucket);
    if (!r2) continue;
    // Every state: a compaction's staged outputs and retired inputs are in the bucket too, and are
    // the compaction's to settle, never the reconcile's.
    const known = new Map((await store.keysUnder(bucket, prefix)).map((file) => [file.key, file]));
    for await (const object of listObjects(r2, prefix)) {
      if (!object.key.endsWith(".parquet")) continue;
      const file = known.get(object.key);
      known.delete(object.key);
      // Unchanged: same size and not uploaded since it was read (dbt rewrites a dimension in place).
      if (file && (file.state !== "active" || (file.bytes === object.size && object.uploaded.getTime() <= file.registeredAtMs))) {
        result.unchanged += 1;
        continue;
      }
      const facts = await readParquetFileFacts(r2RangeReader(r2, object.key, object.size));
      await store.registerFile(bucket, object.key, facts);
      result.registered.push(object.key);
    }
    for (const file of known.values()) {
      if (file.state !== "active") continue;
      await store.removeFile(bucket, file.key);
      result.removed.push(file.key);
    }
  }
  if (result.registered.length > 0 || result.removed.length > 0) await writeSnapshots(env.CATALOG_BUCKET, store);
  return result;
}

/** Storage spend: every object of the three buckets, listed now, priced with the configured list. */
export async function costs(env: CatalogEnv): Promise<CostReport> {
  const groups = new Map<string, InventoryGroup>();
  for (const bucketName of Object.values(LAKE_BUCKETS)) {
    const r2 = bucketNamed(env, bucketName);
    if (!r2) continue;
    for await (const object of listObjects(r2, "")) {
      const { group, table } = inventoryGroupOf(bucketName, object.key);
      const id = `${bucketName}\u0000${group}`;
      const entry = groups.get(id) ?? { bucket: bucketName, group, table, bytes: 0, objects: 0 };
      entry.bytes += object.size;
      entry.objects += 1;
      groups.set(id, entry);
    }
  }
  const windowHours = Number(env.COST_RATE_WINDOW_HOURS || "24");
  const rate = await catalogStore(env).recentRawRate(windowHours);
  const sorted = [...groups.values()].sort((a, b) => a.bucket.localeCompare(b.bucket) || a.group.localeCompare(b.group));
  return costReport(Object.values(LAKE_BUCKETS), sorted, { window_hours: windowHours, ...rate }, priceListFrom(env.R2_PRICES), new Date());
}
