import { env, SELF } from "cloudflare:test";
import type { IngestResult } from "@edge-analytics/ingest";
import type { TableName } from "@edge-analytics/event-schema";

/** The public origin the tests call (any host but `internal` is public). */
export const ORIGIN = "https://ingest.example.com";

/** POSTs a JSON body (or raw text) to /events with a key, as a browser or server would. */
export async function postEvents(
  body: unknown,
  options: { key?: string | null; headers?: Record<string, string>; raw?: string; cf?: Record<string, unknown> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  const key = options.key === undefined ? "local-dev-key" : options.key;
  if (key !== null) headers["x-api-key"] = key;
  const init: RequestInit & { cf?: Record<string, unknown> } = {
    method: "POST",
    headers,
    body: options.raw ?? JSON.stringify(body),
  };
  if (options.cf) init.cf = options.cf;
  return SELF.fetch(`${ORIGIN}/events`, init);
}

/** POSTs and expects 202, returning the result. */
export async function ingest(body: unknown, options: Parameters<typeof postEvents>[1] = {}): Promise<IngestResult> {
  const response = await postEvents(body, options);
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as IngestResult;
}

/** Records a lake table's stream holds and has not written to the lake yet (every project's), parsed. */
export async function bufferedRecords(table: TableName): Promise<Record<string, unknown>[]> {
  return env.PIPELINES_LOCAL.bufferedRecords(table, 100_000);
}

/** Buffered records with the given event ids, in any table. */
export async function bufferedById(table: TableName, eventIds: string[]): Promise<Record<string, unknown>[]> {
  const wanted = new Set(eventIds);
  return (await bufferedRecords(table)).filter((record) => wanted.has(String(record.event_id)));
}

/** Analytics Engine data points the local stand-in recorded, as AE table rows (newest first). */
export async function recordedDataPoints(limit = 100_000): Promise<Record<string, string | number>[]> {
  return env.AE_LOCAL.readDataPoints(limit);
}

/** The JSON error body every failure answers with. */
export interface ErrorBody {
  error: { status: number; message: string };
}
