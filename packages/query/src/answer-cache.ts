import type { AggregateSpec } from "./aggregate.ts";
import type { CatalogFileRef } from "./plan.ts";

/** A cached answer: the rows and the figures its meta reported when it was computed. */
export interface CachedAnswer {
  rows: Record<string, unknown>[];
  totalRows: number;
  meta: Record<string, unknown>;
}

/** Where answers are kept between requests (the Cache API in the Worker). */
export interface AnswerCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, answer: CachedAnswer): Promise<void>;
}

/**
 * The cache key of a question over the lake: the normalized question (project included) and the
 * files it reads (raw and mart), each with its size, rows and registration time. A new file, a
 * compaction, a dbt run or a removal changes the set, so a cached answer never outlives the data it was computed from, and no catalog-wide
 * version has to be read first.
 */
export async function answerCacheKey(spec: AggregateSpec, files: readonly CatalogFileRef[]): Promise<string> {
  const normalized = JSON.stringify({
    v: 1,
    type: spec.type,
    project: spec.projectId,
    range: [spec.range.fromMs, spec.range.toMs],
    dimensions: spec.dimensions,
    metrics: [...spec.metrics].sort(),
    filter: spec.filter ?? null,
    bots: spec.includeBots ?? false,
    order: spec.orderBy ?? [],
    limit: spec.limit,
    offset: spec.offset ?? 0,
    granularity: spec.granularity ?? null,
    zone: spec.timeZone ?? null,
    // When the catalog registered a file too: a dbt run rewrites a mart file under the same key.
    files: files.map((file) => [file.key, file.bytes, file.rows, file.registered_at ?? null]).sort(),
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(normalized)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
