import { isRawTable, lookbackHoursError, parseHourPartition, TABLE_LOCATIONS_HINT } from "@edge-analytics/lake";
import type { TableName } from "@edge-analytics/event-schema";
import { adminKeyRefusal, jsonError } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { catalogRpc } from "@edge-analytics/catalog";
import { type CompactionEnv, type CompactionScope, runCompaction } from "./compaction-service.ts";

type AppEnv = { Bindings: CompactionEnv };

class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 415;
  constructor(status: 400 | 401 | 403 | 415, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * `{ table?, partition?, lookback_hours? }`: a raw table, an hour partition only together with its
 * table, and a window for this request instead of DEDUP_LOOKBACK_HOURS (e.g. a wider one once
 * after an incident, or 0 to measure what the window costs).
 */
async function scopeOf(request: Request): Promise<CompactionScope> {
  const text = await request.text();
  if (text.trim() === "") return {};
  if (!(request.headers.get("content-type") ?? "").includes("json")) throw new HttpError(415, "send the scope as JSON: { \"table\": ..., \"partition\": ... }");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "the body must be an object { table?, partition?, lookback_hours? }");
  const { table, partition, lookback_hours: lookbackHours, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new HttpError(400, `unknown field(s) ${unknown.join(", ")}: expected table, partition and lookback_hours`);
  if (table !== undefined && (typeof table !== "string" || !isRawTable(table))) {
    throw new HttpError(400, `table must be a raw table (${TABLE_LOCATIONS_HINT.split(", fact_")[0]}), got ${JSON.stringify(table)}`);
  }
  if (partition !== undefined) {
    if (table === undefined) throw new HttpError(400, "a partition needs its table");
    const parsed = typeof partition === "string" ? parseHourPartition(partition) : { error: "partition must be a string" };
    if ("error" in parsed) throw new HttpError(400, parsed.error);
  }
  const invalidWindow = lookbackHours === undefined ? undefined : lookbackHoursError(lookbackHours);
  if (invalidWindow) throw new HttpError(400, `lookback_hours ${invalidWindow}`);
  return {
    ...(table !== undefined ? { table: table as TableName } : {}),
    ...(partition !== undefined ? { partition: partition as string } : {}),
    ...(lookbackHours !== undefined ? { lookbackHours: lookbackHours as number } : {}),
  };
}

/** POST /compact, GET /compact/status (admin key), GET /health. */
export function createHttpApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/health", (c) => c.json({ worker: "analytics-compaction", status: "ok" }));

  app.use("/compact/*", requireAdmin);
  app.use("/compact", requireAdmin);
  async function requireAdmin(c: { env: CompactionEnv; req: { raw: Request } }, next: () => Promise<void>): Promise<void> {
    const refusal = await adminKeyRefusal(c.env, c.req.raw.headers, "compaction");
    if (refusal) throw new HttpError(refusal.status, refusal.message);
    await next();
  }

  app.post("/compact", async (c) => {
    const scope = await scopeOf(c.req.raw);
    const summary = await runCompaction(c.env, scope, (line) => console.log(JSON.stringify({ level: "info", worker: "analytics-compaction", ...line })));
    return c.json(summary);
  });

  app.get("/compact/status", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? "20") || 20, 1), 200);
    const catalog = catalogRpc(c.env.CATALOG);
    const [runs, unfinished] = await Promise.all([catalog.recentCompactions(limit), catalog.unfinishedCompactions()]);
    return c.json({ runs, unfinished });
  });

  app.notFound((c) => jsonError(404, `analytics-compaction: no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.onError((error) => {
    if (error instanceof HttpError) return jsonError(error.status, error.message);
    console.error(JSON.stringify({ level: "error", worker: "analytics-compaction", message: error instanceof Error ? error.message : String(error) }));
    return jsonError(500, `compaction failed: ${error instanceof Error ? error.message : String(error)}`);
  });

  return app;
}
