/**
 * The raw files of a lake table as an outside reader sees them: the catalog's list of active files,
 * each fetched through the local S3 endpoint (SigV4, as DuckDB and dbt read it) and decoded with
 * hyparquet (a reader independent of the lake's writer).
 */
import type { TableName } from "@edge-analytics/event-schema";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { AwsClient } from "aws4fetch";

const ADMIN = { "x-api-key": "local-admin-key" };
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });

/** One active raw file with its rows (timestamps as epoch milliseconds). */
export interface RawFile {
  key: string;
  /** `year=YYYY/month=MM/day=DD/hour=HH`: the hour the sink wrote the file. */
  partition: string;
  rows: Record<string, unknown>[];
}

/** Every active file of `table` the catalog lists, read through the S3 endpoint. */
export async function rawFiles(origin: string, table: TableName): Promise<RawFile[]> {
  const listing = await fetch(`${origin}/catalog/files?table=${table}`, { headers: ADMIN });
  if (listing.status !== 200) throw new Error(`GET /catalog/files?table=${table} answered ${listing.status}: ${await listing.text()}`);
  const { files } = (await listing.json()) as { files: { key: string; partition: string }[] };
  const out: RawFile[] = [];
  for (const file of files) {
    const response = await s3.fetch(`${origin}/analytics-source/${file.key}`);
    if (response.status !== 200) throw new Error(`GET ${file.key} through the S3 endpoint answered ${response.status}`);
    out.push({ key: file.key, partition: file.partition, rows: (await readParquetBytes(await response.arrayBuffer())).rows });
  }
  return out;
}

/** How many rows carry each event_id, over the given files. */
export function copiesById(files: RawFile[]): Map<string, number> {
  const copies = new Map<string, number>();
  for (const file of files) for (const row of file.rows) copies.set(String(row.event_id), (copies.get(String(row.event_id)) ?? 0) + 1);
  return copies;
}
