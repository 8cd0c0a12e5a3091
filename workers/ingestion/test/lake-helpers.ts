import { env } from "cloudflare:test";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";

/** The lake tests' own project (key `lake-test-key`), so flushing it never touches other tests' buffers. */
export const LAKE_PROJECT = "laketest";
export const LAKE_KEY = "lake-test-key";

export function journal(project = LAKE_PROJECT) {
  return env.EVENT_JOURNAL.get(env.EVENT_JOURNAL.idFromName(project));
}

/** A Parquet object of analytics-source, read with hyparquet (an independent reader), timestamps as epoch ms. */
export async function readParquetObject(key: string): Promise<{ rows: Record<string, unknown>[]; codec: string[]; numRows: number }> {
  const object = await env.SOURCE_BUCKET.get(key);
  if (!object) throw new Error(`no object ${key}`);
  const { rows, metadata } = await readParquetBytes(await object.arrayBuffer());
  const codec = [...new Set(metadata.row_groups.flatMap((group) => group.columns.map((column) => String(column.meta_data?.codec))))];
  return { rows, codec, numRows: Number(metadata.num_rows) };
}

/** Every object key under a prefix of analytics-source. */
export async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SOURCE_BUCKET.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** Calls the catalog Worker over the service binding with the admin key. */
export async function catalogGet<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const response = await env.CATALOG.fetch(`https://catalog.internal${pathAndQuery}`, { headers: { "x-api-key": "local-admin-key" } });
  return { status: response.status, body: (await response.json()) as T };
}
