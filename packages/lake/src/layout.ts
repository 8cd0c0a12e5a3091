import { TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";

/** The lake's R2 buckets (README "The lake (R2)"). */
export const LAKE_BUCKETS = {
  /** Raw events as Parquet: the source of truth, kept forever. */
  source: "analytics-source",
  /** dbt's output: facts, dimensions, aggregates, temp/. Disposable (rebuilt from raw). */
  processed: "analytics-processed",
  /** Snapshots of the catalog for external tools. */
  catalog: "analytics-catalog",
} as const;

export type LakeBucketName = (typeof LAKE_BUCKETS)[keyof typeof LAKE_BUCKETS];
export const LAKE_BUCKET_NAMES: readonly LakeBucketName[] = Object.values(LAKE_BUCKETS);

/** Where each processed (dbt) table lives in `analytics-processed`. */
export const PROCESSED_TABLE_PREFIXES = {
  fact_page_views: "facts/fact_page_views/",
  fact_video_engagement: "facts/fact_video_engagement/",
  dim_users: "dimensions/dim_users/",
  dim_content: "dimensions/dim_content/",
  agg_daily_metrics: "aggregates/agg_daily_metrics/",
} as const;

export type ProcessedTableName = keyof typeof PROCESSED_TABLE_PREFIXES;
export const PROCESSED_TABLE_NAMES = Object.keys(PROCESSED_TABLE_PREFIXES) as ProcessedTableName[];

/** Any table the catalog knows: raw event tables and dbt's processed tables. */
export type LakeTableName = TableName | ProcessedTableName;
export type LakeLayer = "raw" | "processed";

/** The bucket, key prefix and layer of a table. */
export function tableLocation(table: LakeTableName): { bucket: LakeBucketName; prefix: string; layer: LakeLayer } {
  if (isRawTable(table)) return { bucket: LAKE_BUCKETS.source, prefix: `events/${table}/`, layer: "raw" };
  return { bucket: LAKE_BUCKETS.processed, prefix: PROCESSED_TABLE_PREFIXES[table], layer: "processed" };
}

export function isRawTable(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}

export function isLakeTable(name: string): name is LakeTableName {
  return isRawTable(name) || Object.hasOwn(PROCESSED_TABLE_PREFIXES, name);
}

const two = (n: number) => String(n).padStart(2, "0");

/** The hour partition of an instant, in UTC: `year=2026/month=11/day=25/hour=09`. */
export function hourPartition(at: Date): string {
  return `year=${at.getUTCFullYear()}/month=${two(at.getUTCMonth() + 1)}/day=${two(at.getUTCDate())}/hour=${two(at.getUTCHours())}`;
}

const PARTITION_PATTERN = /^year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})$/;

/**
 * Parses an hour partition and checks it names a real UTC hour, so user input that passes here
 * can only ever select `events/<table>/<partition>/` (no `..`, no extra segments).
 */
export function parseHourPartition(text: string): { partition: string; start: Date } | { error: string } {
  const match = PARTITION_PATTERN.exec(text);
  if (!match) return { error: `partition must look like year=YYYY/month=MM/day=DD/hour=HH, got ${JSON.stringify(text.slice(0, 80))}` };
  const [year, month, day, hour] = match.slice(1).map(Number) as [number, number, number, number];
  const start = new Date(Date.UTC(year, month - 1, day, hour));
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day || start.getUTCHours() !== hour) {
    return { error: `partition ${text} is not a real UTC hour` };
  }
  return { partition: text, start };
}

/** A raw event file's key: `events/<table>/<hour partition>/<file id>.parquet` (README "The lake (R2)"). */
export function rawObjectKey(table: TableName, writtenAt: Date, fileId: string): string {
  return `events/${table}/${hourPartition(writtenAt)}/${fileId}.parquet`;
}

const FILE_NAME_PATTERN = /^[A-Za-z0-9._=-]+\.parquet$/;
const PROCESSED_PARTITION_PATTERN = /^(?:[a-z_]+=[A-Za-z0-9_.:-]+\/)*$/;

/**
 * Which table and partition a lake object belongs to, or undefined when the key is not a table
 * file. Raw files sit in an hour partition; processed (dbt) files in zero or more `name=value`
 * folders, whose path is their partition ("" when the table is not partitioned).
 */
export function parseLakeObjectKey(bucket: string, key: string): { table: LakeTableName; partition: string } | undefined {
  for (const table of [...TABLE_NAMES, ...PROCESSED_TABLE_NAMES] as LakeTableName[]) {
    const location = tableLocation(table);
    if (location.bucket !== bucket || !key.startsWith(location.prefix)) continue;
    const rest = key.slice(location.prefix.length);
    const slash = rest.lastIndexOf("/");
    if (!FILE_NAME_PATTERN.test(rest.slice(slash + 1))) return undefined;
    const folder = slash < 0 ? "" : rest.slice(0, slash);
    if (location.layer === "raw") {
      const parsed = parseHourPartition(folder);
      return "error" in parsed ? undefined : { table, partition: parsed.partition };
    }
    return PROCESSED_PARTITION_PATTERN.test(folder === "" ? "" : `${folder}/`) ? { table, partition: folder } : undefined;
  }
  return undefined;
}

/**
 * How the costs report groups an object: by its table when the key is under a table's prefix,
 * otherwise by its top folder (`metadata`, `schemas`, `temp`), so every byte is counted once.
 */
export function inventoryGroupOf(bucket: string, key: string): { group: string; table: boolean } {
  for (const table of [...TABLE_NAMES, ...PROCESSED_TABLE_NAMES] as LakeTableName[]) {
    const location = tableLocation(table);
    if (location.bucket === bucket && key.startsWith(location.prefix)) return { group: table, table: true };
  }
  const slash = key.indexOf("/");
  return { group: slash < 0 ? "(top level)" : key.slice(0, slash), table: false };
}

/** The table names, for error messages that tell the caller what is valid. */
export const TABLE_LOCATIONS_HINT = [...TABLE_NAMES, ...PROCESSED_TABLE_NAMES].join(", ");
