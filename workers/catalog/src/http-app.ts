import { isLakeTable, type LakeTableName, parseHourPartition, isRawTable, TABLE_LOCATIONS_HINT } from "@edge-analytics/lake";
import { adminKeyRefusal, jsonError } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { type CatalogEnv, catalogStore, costs, reconcile, refreshParityDistinct } from "./catalog-service.ts";

type AppEnv = { Bindings: CatalogEnv };

/** A 4xx with a reason, thrown by parameter checks and answered by onError. */
class BadRequest extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

function tableParam(value: string | undefined): LakeTableName {
  if (value === undefined || value === "") throw new BadRequest(400, `the "table" parameter is required; tables: ${TABLE_LOCATIONS_HINT}`);
  if (!isLakeTable(value)) throw new BadRequest(400, `unknown table ${JSON.stringify(value.slice(0, 80))}; tables: ${TABLE_LOCATIONS_HINT}`);
  return value;
}

/** Raw tables partition by hour; processed tables by their own `name=value` folders (checked the same way as keys). */
function partitionParam(table: LakeTableName, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isRawTable(table)) {
    const parsed = parseHourPartition(value);
    if ("error" in parsed) throw new BadRequest(400, parsed.error);
    return parsed.partition;
  }
  if (!/^(?:[a-z_]+=[A-Za-z0-9_.:-]+)(?:\/[a-z_]+=[A-Za-z0-9_.:-]+)*$/.test(value) && value !== "") {
    throw new BadRequest(400, `partition must be name=value folders such as date=2026-11-25, got ${JSON.stringify(value.slice(0, 80))}`);
  }
  return value;
}

/** The catalog's HTTP surface under /catalog (admin key), plus /health. */
export function createHttpApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/health", (c) => c.json({ worker: "analytics-catalog", status: "ok" }));

  app.use("/catalog/*", async function requireAdmin(c, next) {
    const refusal = await adminKeyRefusal(c.env, c.req.raw.headers, "the catalog");
    if (refusal) throw new BadRequest(refusal.status, refusal.message);
    await next();
  });

  app.get("/catalog/tables", async (c) => c.json({ tables: await catalogStore(c.env).tables() }));

  app.get("/catalog/partitions", async (c) => {
    const table = tableParam(c.req.query("table"));
    return c.json({ table, partitions: await catalogStore(c.env).partitions(table) });
  });

  app.get("/catalog/files", async (c) => {
    const table = tableParam(c.req.query("table"));
    const partition = partitionParam(table, c.req.query("partition"));
    return c.json({ table, ...(partition !== undefined ? { partition } : {}), files: await catalogStore(c.env).files(table, partition) });
  });

  app.get("/catalog/schemas", async (c) => {
    const name = c.req.query("table");
    const table = name === undefined ? undefined : tableParam(name);
    return c.json({ schemas: await catalogStore(c.env).schemaVersions(table) });
  });

  app.get("/catalog/parity", async (c) => {
    const name = c.req.query("table");
    const table = name === undefined ? undefined : tableParam(name);
    if (table !== undefined && !isRawTable(table)) throw new BadRequest(400, `parity compares ingestion with raw tables; ${table} is processed`);
    // Distinct counts of hours whose files changed are read from the files first; parity answers
    // without them (null) if that fails.
    await refreshParityDistinct(c.env, table).catch((error: unknown) =>
      console.error(JSON.stringify({ level: "error", stage: "parity-distinct", message: error instanceof Error ? error.message : String(error) })),
    );
    const rows = await catalogStore(c.env).parity(table);
    const mismatches = rows.filter((row) => row.status === "mismatch").length;
    return c.json({ ok: mismatches === 0, mismatches, parity: rows });
  });

  app.get("/catalog/costs", async (c) => c.json(await costs(c.env)));

  app.post("/catalog/reconcile", async (c) => c.json(await reconcile(c.env)));

  app.notFound((c) => jsonError(404, `analytics-catalog: no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.onError((error) => {
    if (error instanceof BadRequest) return jsonError(error.status, error.message);
    console.error(JSON.stringify({ level: "error", stage: "catalog-request", message: error instanceof Error ? error.message : String(error) }));
    return jsonError(500, "internal error");
  });

  return app;
}
