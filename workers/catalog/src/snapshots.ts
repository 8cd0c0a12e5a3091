// The catalog's snapshot for external tools (engines that read metadata from R2 rather than ask
// the catalog Worker), written by the catalog's Durable Object on a short debounce after changes,
// and at once by the reconcile and by compaction's swap.
import { tableLocation } from "@edge-analytics/lake";
import type { LakeCatalog } from "./durable-objects/lake-catalog.ts";

/** What a snapshot is made of: the catalog's own read methods (the Durable Object, or its stub). */
export type SnapshotSource = Pick<LakeCatalog, "tables" | "partitions" | "schemaVersions">;

/**
 * Writes `metadata/tables.json`, `metadata/partitions.json` and `schemas/<layer>/<table>/v<N>.json`
 * into `bucket` (analytics-catalog). Schema versions never change once recorded, so `schemas:
 * false` skips them when no version was added.
 */
export async function writeSnapshots(bucket: R2Bucket, store: SnapshotSource, options: { schemas: boolean } = { schemas: true }): Promise<void> {
  const generatedAt = new Date().toISOString();
  const tables = await store.tables();
  const partitions: Record<string, unknown> = {};
  for (const table of tables) {
    if (table.files > 0) partitions[table.name] = await store.partitions(table.name);
  }
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const httpMetadata = { contentType: "application/json" };
  const writes: Promise<unknown>[] = [
    bucket.put("metadata/tables.json", json({ generated_at: generatedAt, tables }), { httpMetadata }),
    bucket.put("metadata/partitions.json", json({ generated_at: generatedAt, tables: partitions }), { httpMetadata }),
  ];
  for (const version of options.schemas ? await store.schemaVersions() : []) {
    const key = `schemas/${tableLocation(version.table).layer}/${version.table}/v${version.version}.json`;
    writes.push(bucket.put(key, json(version), { httpMetadata }));
  }
  await Promise.all(writes);
}
