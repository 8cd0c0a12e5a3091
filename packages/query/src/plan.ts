import type { CatalogFile } from "@edge-analytics/catalog";
import type { MartDefinition } from "./marts.ts";
import type { TimeRange } from "./time-range.ts";

/**
 * A lake file as the catalog lists it (its `CatalogFile`): what planning reads. The partition and
 * registration time are optional so a plan can be made from a bare listing (they are taken from
 * the key, or the file is taken as raw-only).
 */
export type CatalogFileRef = Pick<CatalogFile, "key" | "rows" | "bytes" | "min_timestamp" | "max_timestamp"> & Partial<Pick<CatalogFile, "partition" | "registered_at">>;

/** A file a question reads, and from which tier. */
export interface PlannedFile extends CatalogFileRef {
  tier: "raw" | "mart";
  /**
   * A mart file: the raw files it must have been built from (its `lake_source_files` metadata,
   * the JSON list dbt writes): a loader finding another list throws `StaleMartError`.
   */
  sources?: string;
}

/** Which files a question reads, and what the catalog says about the rest. */
export interface FilePlan {
  read: CatalogFileRef[];
  skipped: number;
  /** Rows in the files read (before row-group pruning and filters): the budget check's figure. */
  rows: number;
  bytes: number;
  /**
   * The latest event timestamp in any file of the table (every project's): where the realtime tier
   * starts. Planning only: answers show it to the hour (`AnswerMeta.freshness`).
   */
  rawThrough: string | null;
}

/**
 * Picks the files whose events may fall in `range` by their min/max timestamps (a file without
 * them is read: better slow than wrong). Pure: the catalog's listing in, the plan out.
 * @example planFiles(files, { fromMs: Date.parse("2024-01-01"), toMs: Date.parse("2024-02-01") })
 */
export function planFiles(files: readonly CatalogFileRef[], range: TimeRange): FilePlan {
  const read: CatalogFileRef[] = [];
  let rawThroughMs = Number.NEGATIVE_INFINITY;
  for (const file of files) {
    const min = file.min_timestamp ? Date.parse(file.min_timestamp) : Number.NaN;
    const max = file.max_timestamp ? Date.parse(file.max_timestamp) : Number.NaN;
    if (!Number.isNaN(max)) rawThroughMs = Math.max(rawThroughMs, max);
    const overlaps = Number.isNaN(min) || Number.isNaN(max) || (max >= range.fromMs && min < range.toMs);
    if (overlaps) read.push(file);
  }
  return {
    read,
    skipped: files.length - read.length,
    rows: read.reduce((sum, file) => sum + file.rows, 0),
    bytes: read.reduce((sum, file) => sum + file.bytes, 0),
    rawThrough: Number.isFinite(rawThroughMs) ? new Date(rawThroughMs).toISOString() : null,
  };
}

const PARTITION = /(year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2})\//;

function partitionOf(file: CatalogFileRef): string | undefined {
  return file.partition ?? PARTITION.exec(file.key)?.[1];
}

function overlaps(file: CatalogFileRef, range: TimeRange): boolean {
  const min = file.min_timestamp ? Date.parse(file.min_timestamp) : Number.NaN;
  const max = file.max_timestamp ? Date.parse(file.max_timestamp) : Number.NaN;
  return Number.isNaN(min) || Number.isNaN(max) || (max >= range.fromMs && min < range.toMs);
}

const registeredMs = (file: CatalogFileRef) => (file.registered_at ? Date.parse(file.registered_at) : Number.NaN);

/** Which files a question reads from which tier. */
export interface TierPlan {
  read: PlannedFile[];
  skipped: number;
  rows: number;
  bytes: number;
  rawThrough: string | null;
  /** When the newest file of the mart was registered (its last dbt run), null without one. */
  martBuiltAt: string | null;
  /** The mart whose files are read (its column names), when any is. */
  mart?: MartDefinition;
}

/**
 * Splits a question over raw partitions between a mart and the raw files. A raw hour partition is
 * answered from the mart when the mart has its file and that file was registered after every raw
 * file of the partition (dbt ran after the partition last changed: new files only land in the
 * current hour, compaction replaces files); the file's recorded sources are checked again when it
 * is read (`sources`), which closes the race of a file landing during a dbt run. Partitions in
 * `stale` go to the raw tier. Within each tier, files are pruned by their min/max timestamps. Pure.
 */
export function planTiers(
  rawFiles: readonly CatalogFileRef[],
  range: TimeRange,
  mart?: { definition: MartDefinition; files: readonly CatalogFileRef[]; stale?: ReadonlySet<string> },
): TierPlan {
  const rawPlan = planFiles(rawFiles, range);
  const martFiles = mart?.files ?? [];
  const builtMs = Math.max(...martFiles.map(registeredMs).filter((ms) => !Number.isNaN(ms)));
  const martBuiltAt = Number.isFinite(builtMs) ? new Date(builtMs).toISOString() : null;
  if (!mart || martFiles.length === 0) {
    return { ...rawPlan, read: rawPlan.read.map((file) => ({ ...file, tier: "raw" })), martBuiltAt };
  }
  const rawByPartition = new Map<string, CatalogFileRef[]>();
  const unpartitioned: CatalogFileRef[] = [];
  for (const file of rawFiles) {
    const partition = partitionOf(file);
    if (partition === undefined) unpartitioned.push(file);
    else rawByPartition.set(partition, [...(rawByPartition.get(partition) ?? []), file]);
  }
  const martByPartition = new Map<string, CatalogFileRef>();
  for (const file of martFiles) {
    const partition = partitionOf(file);
    if (partition !== undefined) martByPartition.set(partition, file);
  }
  const read: PlannedFile[] = unpartitioned.filter((file) => overlaps(file, range)).map((file) => ({ ...file, tier: "raw" }));
  for (const [partition, files] of rawByPartition) {
    const martFile = martByPartition.get(partition);
    const newestRaw = Math.max(...files.map(registeredMs));
    const covered = martFile !== undefined && !mart.stale?.has(partition) && !Number.isNaN(newestRaw) && registeredMs(martFile) >= newestRaw;
    if (covered) {
      if (overlaps(martFile, range)) {
        const sources = JSON.stringify(files.map((file) => `${mart.definition.rawTable}/${file.key.split("/").pop()}`).sort());
        read.push({ ...martFile, partition, tier: "mart", sources });
      }
    } else {
      for (const file of files) if (overlaps(file, range)) read.push({ ...file, tier: "raw" });
    }
  }
  const rawRead = read.filter((file) => file.tier === "raw").length;
  return {
    read,
    skipped: rawFiles.length + martFiles.length - read.length,
    rows: read.reduce((sum, file) => sum + file.rows, 0),
    bytes: read.reduce((sum, file) => sum + file.bytes, 0),
    rawThrough: rawPlan.rawThrough,
    martBuiltAt,
    ...(read.length > rawRead ? { mart: mart.definition } : {}),
  };
}
