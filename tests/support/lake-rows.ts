/**
 * Reads what the stack landed in the lake, as an outside reader would: `POST /admin/flush`, the
 * catalog's file list for a table, each file fetched through the local S3 endpoint (SigV4, as
 * DuckDB and dbt read it) and decoded with hyparquet (a reader independent of the lake's writer).
 */
import type { TableName } from "@edge-analytics/event-schema";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { AwsClient } from "aws4fetch";

const ADMIN = { "x-api-key": "local-admin-key" };
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });

/** Writes every buffered event to the lake now (the admin endpoint). */
export async function flushLake(origin: string): Promise<void> {
  const response = await fetch(`${origin}/admin/flush`, { method: "POST", headers: ADMIN });
  if (response.status !== 200) throw new Error(`POST /admin/flush answered ${response.status}: ${await response.text()}`);
}

/**
 * Every row of `table` in the lake for which `where` holds, after a flush. Rows keep hyparquet's
 * types (timestamps as epoch milliseconds, `properties` as JSON text).
 */
export async function lakeRows(origin: string, table: TableName, where: (row: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
  await flushLake(origin);
  const listing = await fetch(`${origin}/catalog/files?table=${table}`, { headers: ADMIN });
  if (listing.status !== 200) throw new Error(`GET /catalog/files?table=${table} answered ${listing.status}: ${await listing.text()}`);
  const { files } = (await listing.json()) as { files: { key: string }[] };
  const rows: Record<string, unknown>[] = [];
  for (const file of files) {
    const response = await s3.fetch(`${origin}/analytics-source/${file.key}`);
    if (response.status !== 200) throw new Error(`GET ${file.key} through the S3 endpoint answered ${response.status}`);
    const { rows: fileRows } = await readParquetBytes(await response.arrayBuffer());
    rows.push(...fileRows.filter(where));
  }
  return rows;
}
