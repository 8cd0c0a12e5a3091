import { createExecutionContext, createMessageBatch, env, getQueueResult, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { CATALOG_MIGRATIONS, durableObjectSql, runMigrations } from "@edge-analytics/catalog";
import { lakeColumns } from "@edge-analytics/event-schema";
import { DEFAULT_R2_PRICES, hourPartition, PARITY_WINDOW_DAYS, parityCutoffHour } from "@edge-analytics/lake";
import { describe, expect, it } from "vitest";
import type { LakeCatalog } from "../src/durable-objects/lake-catalog.ts";
import CatalogWorker from "../src/index.ts";
import { ADMIN, putRawFile, putRawFileWithExtraColumn, rowsOf } from "./lake-files.ts";

const ORIGIN = "https://catalog.example.com";

async function get<T>(path: string, headers: Record<string, string> = ADMIN): Promise<{ status: number; body: T }> {
  const response = await SELF.fetch(`${ORIGIN}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

async function reconcile(): Promise<{ registered: string[]; removed: string[] }> {
  const response = await SELF.fetch(`${ORIGIN}/catalog/reconcile`, { method: "POST", headers: ADMIN });
  expect(response.status).toBe(200);
  return (await response.json()) as { registered: string[]; removed: string[] };
}

interface TableRow {
  name: string;
  layer: string;
  rows: number;
  bytes: number;
  files: number;
  schema_version: number | null;
}

interface ErrorBody {
  error: { status: number; message: string };
}

describe("catalog endpoints need the admin key and refuse bad parameters with a reason", () => {
  it("401 without a key or with an unknown one, 403 with a project key", async () => {
    expect((await get<ErrorBody>("/catalog/tables", {})).status).toBe(401);
    expect((await get<ErrorBody>("/catalog/tables", { "x-api-key": "nope" })).status).toBe(401);
    const project = await get<ErrorBody>("/catalog/costs", { "x-api-key": "local-dev-key" });
    expect(project.status).toBe(403);
    expect(project.body.error.message).toMatch(/admin key/);
  });

  it.each([
    ["/catalog/partitions", /"table" parameter is required/],
    ["/catalog/partitions?table=sessions", /unknown table "sessions"; tables: page_views/],
    ["/catalog/files?table=../page_views", /unknown table/],
    ["/catalog/files?table=page_views&partition=2026-11-25", /partition must look like year=YYYY/],
    ["/catalog/files?table=page_views&partition=year=2026/month=13/day=01/hour=00", /not a real UTC hour/],
    ["/catalog/files?table=page_views&partition=year=2026/month=11/day=25/hour=09/../../secrets", /partition must look like/],
    ["/catalog/files?table=page_views&partition=..%2F..%2Fetc", /partition must look like/],
    ["/catalog/files?table=fact_page_views&partition=../x", /name=value folders/],
    ["/catalog/parity?table=agg_daily_metrics", /processed/],
  ])("400 for %s", async (path, reason) => {
    const { status, body } = await get<ErrorBody>(path);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(reason);
  });

  it("404 with the Worker's name for an unknown route", async () => {
    const { status, body } = await get<ErrorBody>("/catalog/nothing");
    expect(status).toBe(404);
    expect(body.error.message).toMatch(/analytics-catalog: no route/);
  });
});

describe("the catalog learns files from the bucket itself, as from Cloudflare Pipelines", () => {
  it("registers files found by the reconcile: rows, bytes and time range read from the files", async () => {
    const t0 = Date.UTC(2026, 10, 25, 9, 0, 0);
    const first = await putRawFile("api_request", rowsOf("api_request", [t0 + 5_000, t0 + 1_000, t0 + 9_000], t0 + 60_000));
    const second = await putRawFile("api_request", rowsOf("api_request", [t0 + 20_000, t0 + 30_000], t0 + 60_000));
    const result = await reconcile();
    expect(result.registered).toEqual(expect.arrayContaining([first.key, second.key]));
    expect((await reconcile()).registered).toEqual([]);

    const partition = hourPartition(new Date());
    const files = await get<{ files: { key: string; rows: number; bytes: number; min_timestamp: string; max_timestamp: string }[] }>(
      `/catalog/files?table=api_requests&partition=${partition}`,
    );
    expect(files.status).toBe(200);
    expect(files.body.files.find((f) => f.key === first.key)).toMatchObject({
      rows: 3,
      bytes: first.bytes,
      min_timestamp: new Date(t0 + 1_000).toISOString(),
      max_timestamp: new Date(t0 + 9_000).toISOString(),
    });
    const partitions = await get<{ partitions: { partition: string; files: number; rows: number; bytes: number }[] }>("/catalog/partitions?table=api_requests");
    expect(partitions.body.partitions.find((p) => p.partition === partition)).toMatchObject({ files: 2, rows: 5, bytes: first.bytes + second.bytes });
    const tables = await get<{ tables: TableRow[] }>("/catalog/tables");
    expect(tables.body.tables.find((t) => t.name === "api_requests")).toEqual({
      name: "api_requests",
      layer: "raw",
      rows: 5,
      bytes: first.bytes + second.bytes,
      files: 2,
      schema_version: 1,
    });
    // Every raw and processed table is listed, empty ones with zeros.
    expect(tables.body.tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["page_views", "custom_events", "fact_page_views", "dim_users", "agg_daily_metrics"]),
    );
    expect(tables.body.tables.find((t) => t.name === "dim_users")).toMatchObject({ layer: "processed", files: 0, schema_version: null });
  });

  it("registers from R2 event notifications and forgets deleted objects", async () => {
    const file = await putRawFile("custom", rowsOf("custom", [Date.UTC(2026, 0, 1)], Date.UTC(2026, 0, 1)));
    const message = (action: string) => ({
      id: crypto.randomUUID(),
      timestamp: new Date(),
      attempts: 1,
      body: { account: "local", bucket: "analytics-source", action, object: { key: file.key, size: file.bytes, eTag: "x" }, eventTime: new Date().toISOString() },
    });
    // The Worker's queue handler, called as the queue consumer would call it.
    const deliver = async (action: string) => {
      const ctx = createExecutionContext();
      const batch = createMessageBatch("analytics-lake-notifications", [message(action)]);
      await new CatalogWorker(ctx, env).queue(batch);
      return getQueueResult(batch, ctx);
    };
    const created = await deliver("PutObject");
    expect(created.explicitAcks).toHaveLength(1);
    expect(created.retryMessages).toEqual([]);
    let files = await get<{ files: { key: string }[] }>("/catalog/files?table=custom_events");
    expect(files.body.files.map((f) => f.key)).toContain(file.key);

    await env.SOURCE_BUCKET.delete(file.key);
    expect((await deliver("DeleteObject")).explicitAcks).toHaveLength(1);
    files = await get<{ files: { key: string }[] }>("/catalog/files?table=custom_events");
    expect(files.body.files.map((f) => f.key)).not.toContain(file.key);
  });

  it("the reconcile removes files whose objects are gone", async () => {
    const file = await putRawFile("usage", rowsOf("usage", [Date.UTC(2026, 0, 1)], Date.UTC(2026, 0, 1)));
    await reconcile();
    await env.SOURCE_BUCKET.delete(file.key);
    expect((await reconcile()).removed).toContain(file.key);
  });

  it("adding an optional column is a new schema version; both versions stay readable by name", async () => {
    const t = Date.UTC(2026, 5, 1, 12);
    await putRawFile("user_action", rowsOf("user_action", [t], t));
    await reconcile();
    const wide = await putRawFileWithExtraColumn("user_action", rowsOf("user_action", [t], t), "scroll_depth");
    await reconcile();
    const schemas = await get<{ schemas: { table: string; version: number; added: string[]; removed: string[]; columns: { name: string }[] }[] }>(
      "/catalog/schemas?table=user_actions",
    );
    expect(schemas.body.schemas.map((s) => s.version)).toEqual([1, 2]);
    expect(schemas.body.schemas[1]).toMatchObject({ added: ["scroll_depth"], removed: [] });
    expect(schemas.body.schemas[1]?.columns.map((c) => c.name)).toEqual([...(schemas.body.schemas[0]?.columns.map((c) => c.name) ?? []), "scroll_depth"]);
    const files = await get<{ files: { key: string; schema_version: number }[] }>("/catalog/files?table=user_actions");
    expect(files.body.files.find((f) => f.key === wide.key)?.schema_version).toBe(2);
    expect((await get<{ tables: TableRow[] }>("/catalog/tables")).body.tables.find((t) => t.name === "user_actions")?.schema_version).toBe(2);

    // The snapshot for external tools has both versions.
    const v2 = await env.CATALOG_BUCKET.get("schemas/raw/user_actions/v2.json");
    expect(await v2?.json()).toMatchObject({ table: "user_actions", version: 2, added: ["scroll_depth"] });
  });

  it("the catalog object migrates its database on construction, and migration 1 adopts tables that already exist", async () => {
    const store = env.CATALOG_STORE.get(env.CATALOG_STORE.idFromName("migrations-test"));
    expect((await store.migrations()).map((m) => m.version)).toEqual(CATALOG_MIGRATIONS.map((m) => m.version));
    const file = await putRawFile("custom", rowsOf("custom", [Date.UTC(2033, 0, 1)], Date.UTC(2033, 0, 1)), new Date(Date.UTC(2033, 0, 1)));
    const head = await env.SOURCE_BUCKET.head(file.key);
    expect(head).not.toBeNull();
    await runInDurableObject(store, async (instance: LakeCatalog, state) => {
      await instance.registerFile("analytics-source", file.key, { rows: 1, bytes: head!.size, minTimestampMs: null, maxTimestampMs: null, columns: [], rowsByReceivedHour: {} });
      // As a database written before migrations were recorded: every table, no `migrations` row.
      state.storage.sql.exec("DROP TABLE migrations");
      expect(runMigrations(durableObjectSql(state.storage))).toEqual([1]);
      expect((await instance.files("custom_events")).map((f) => f.key)).toContain(file.key);
    });
  });

  it("a registration refreshes the snapshot from the catalog's alarm, once for a burst of files", async () => {
    const catalog = new CatalogWorker(createExecutionContext(), env);
    const store = env.CATALOG_STORE.get(env.CATALOG_STORE.idFromName("lake"));
    // Drain whatever earlier tests left for the alarm, so this test starts with a current snapshot.
    await runDurableObjectAlarm(store);
    expect(await store.snapshotsStale()).toBe(false);
    const hour = Date.UTC(2032, 2, 4, 5);
    const files = [];
    for (let i = 0; i < 3; i++) {
      const file = await putRawFile("custom", rowsOf("custom", [hour + i], hour + i), new Date(hour));
      await catalog.registerFile("analytics-source", file.key);
      files.push(file);
    }
    // The registrations returned without rewriting the snapshot: it is marked stale instead.
    expect(await store.snapshotsStale()).toBe(true);
    const partitionOf = async () => {
      const snapshot = (await (await env.CATALOG_BUCKET.get("metadata/partitions.json"))?.json()) as { tables: Record<string, { partition: string; files: number }[]> } | undefined;
      return snapshot?.tables.custom_events?.find((p) => p.partition === hourPartition(new Date(hour)));
    };
    expect(await partitionOf()).toBeUndefined();

    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect(await store.snapshotsStale()).toBe(false);
    expect(await partitionOf()).toMatchObject({ files: 3 });
    const live = await get<{ tables: TableRow[] }>("/catalog/tables");
    const tables = (await (await env.CATALOG_BUCKET.get("metadata/tables.json"))?.json()) as { tables: TableRow[] };
    expect(tables.tables).toEqual(live.body.tables);
  });

  it("snapshots tables.json and partitions.json into analytics-catalog", async () => {
    await putRawFile("video_event", rowsOf("video_event", [Date.UTC(2026, 0, 2)], Date.UTC(2026, 0, 2)));
    await reconcile();
    const tables = (await (await env.CATALOG_BUCKET.get("metadata/tables.json"))?.json()) as { tables: TableRow[] };
    const live = await get<{ tables: TableRow[] }>("/catalog/tables");
    expect(tables.tables).toEqual(live.body.tables);
    const partitions = (await (await env.CATALOG_BUCKET.get("metadata/partitions.json"))?.json()) as { tables: Record<string, unknown> };
    expect(partitions.tables.video_events).toEqual((await get<{ partitions: unknown }>("/catalog/partitions?table=video_events")).body.partitions);
  });
});

describe("parity: events accepted by ingestion vs rows landed, per table and hour of receipt", () => {
  it("counts landed rows per received hour from the file itself, and flags what does not add up", async () => {
    const nine = Date.UTC(2030, 0, 1, 9, 59, 59);
    const ten = Date.UTC(2030, 0, 1, 10, 0, 1);
    // One file whose rows were received across two hours (the footer alone cannot split them).
    await putRawFile("page_view", rowsOf("page_view", [nine, nine, ten], [nine, nine, ten]));
    await reconcile();
    const catalog = new CatalogWorker(createExecutionContext(), env);
    await catalog.recordAcceptedCounts("parity-a", [
      { table: "page_views", hour: "2030-01-01T09", accepted: 2, buffered: 0 },
      { table: "page_views", hour: "2030-01-01T10", accepted: 1, buffered: 0 },
      { table: "page_views", hour: "2030-01-01T11", accepted: 4, buffered: 4 },
    ]);
    const ok = await get<{ ok: boolean; parity: { hour: string; accepted: number; landed: number; buffered: number; status: string }[] }>("/catalog/parity?table=page_views");
    const hours = ok.body.parity.filter((row) => row.hour.startsWith("2030-01-01"));
    expect(hours).toEqual([
      { table: "page_views", hour: "2030-01-01T09", accepted: 2, landed: 2, distinct: 2, buffered: 0, status: "ok" },
      { table: "page_views", hour: "2030-01-01T10", accepted: 1, landed: 1, distinct: 1, buffered: 0, status: "ok" },
      { table: "page_views", hour: "2030-01-01T11", accepted: 4, landed: 0, distinct: 0, buffered: 4, status: "pending" },
    ]);

    // A reporter that says it accepted more than landed with nothing buffered: a loss, visible.
    await catalog.recordAcceptedCounts("parity-a", [{ table: "page_views", hour: "2030-01-01T09", accepted: 3, buffered: 0 }]);
    const bad = await get<{ ok: boolean; mismatches: number; parity: { hour: string; status: string }[] }>("/catalog/parity?table=page_views");
    expect(bad.body.ok).toBe(false);
    expect(bad.body.parity.find((row) => row.hour === "2030-01-01T09")?.status).toBe("mismatch");
  });
  it("counts from a stream (buffered unknown) are pending until the grace after their hour, then a mismatch", async () => {
    const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);
    const now = Date.now();
    const current = hourOf(now);
    const old = hourOf(now - 3 * 60 * 60 * 1000);
    const landedAt = Date.UTC(2031, 5, 1, 12, 30);
    await putRawFile("usage", rowsOf("usage", [landedAt, landedAt], landedAt));
    await reconcile();
    const catalog = new CatalogWorker(createExecutionContext(), env);
    // As ingestion's counter reports: a Pipelines stream does not say what it still holds.
    await catalog.recordAcceptedCounts("parity-stream", [
      { table: "usage_events", hour: "2031-06-01T12", accepted: 2, buffered: null },
      { table: "usage_events", hour: current, accepted: 5, buffered: null },
      { table: "usage_events", hour: old, accepted: 7, buffered: null },
    ]);
    const { body } = await get<{ ok: boolean; parity: { hour: string; accepted: number; landed: number; buffered: number | null; status: string }[] }>(
      "/catalog/parity?table=usage_events",
    );
    const byHour = new Map(body.parity.map((row) => [row.hour, row]));
    expect(byHour.get("2031-06-01T12")).toEqual({ table: "usage_events", hour: "2031-06-01T12", accepted: 2, landed: 2, distinct: 2, buffered: null, status: "ok" });
    expect(byHour.get(current)).toMatchObject({ accepted: 5, landed: 0, buffered: null, status: "pending" });
    expect(byHour.get(old)).toMatchObject({ accepted: 7, landed: 0, buffered: null, status: "mismatch" });
    expect(body.ok).toBe(false);
  });

  it("at least once: landed counts every copy (also after compaction drops them), distinct each event once, in its first copy's hour", async () => {
    type Row = { hour: string; accepted: number; landed: number; distinct: number | null; status: string };
    const parityOf = async (hour: string) =>
      (await get<{ parity: (Row & { table: string })[] }>("/catalog/parity?table=custom_events")).body.parity.find((row) => row.hour === hour);
    const four = Date.UTC(2032, 2, 3, 4, 20);
    const five = Date.UTC(2032, 2, 3, 5, 1);
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    const withIds = (received: number, chosen: string[]) => {
      const rows = rowsOf("custom", chosen.map(() => received), received);
      const column = lakeColumns("custom").findIndex((c) => c.name === "event_id");
      return rows.map((row, i) => row.map((value, j) => (j === column ? (chosen[i] ?? null) : value)));
    };
    const partition = new Date(four);
    // The sink delivered the hour's five events twice (two files), and a client resent two of
    // them in the next hour (received then: new received_at, same event_id).
    const first = await putRawFile("custom", withIds(four, ids), partition);
    const again = await putRawFile("custom", withIds(four, ids), partition);
    await putRawFile("custom", withIds(five, ids.slice(0, 2)), new Date(five));
    await reconcile();
    const catalog = new CatalogWorker(createExecutionContext(), env);
    await catalog.recordAcceptedCounts("parity-dup", [
      { table: "custom_events", hour: "2032-03-03T04", accepted: 5, buffered: null },
      { table: "custom_events", hour: "2032-03-03T05", accepted: 2, buffered: null },
    ]);
    expect(await parityOf("2032-03-03T04")).toMatchObject({ accepted: 5, landed: 10, distinct: 5, status: "ok" });
    // The resend's copies were first received the hour before: no new event here.
    expect(await parityOf("2032-03-03T05")).toMatchObject({ accepted: 2, landed: 2, distinct: 0, status: "ok" });

    // Compaction merges the hour's two files into one deduplicated file: the dropped copies still
    // count as landed, and the distinct count is unchanged.
    const merged = await putRawFile("custom", withIds(four, ids), partition);
    const runId = crypto.randomUUID();
    const table = "custom_events";
    const hourPart = hourPartition(partition);
    expect(await catalog.beginCompaction({ runId, table, partition: hourPart, inputs: [first.key, again.key], outputs: [merged.key], leaseMs: 60_000 })).toEqual({ ok: true });
    await catalog.stageCompactionOutputs(runId, [merged.key]);
    await catalog.commitCompaction(runId);
    expect(await parityOf("2032-03-03T04")).toMatchObject({ accepted: 5, landed: 10, distinct: 5, status: "ok" });
  });

  it("compares only the last PARITY_WINDOW_DAYS: older counts and files are left out", async () => {
    const catalog = new CatalogWorker(createExecutionContext(), env);
    const longAgo = Date.now() - (PARITY_WINDOW_DAYS + 2) * 24 * 60 * 60 * 1000;
    const hour = new Date(longAgo).toISOString().slice(0, 13);
    await putRawFile("video_event", rowsOf("video_event", [longAgo], longAgo));
    await reconcile();
    await catalog.recordAcceptedCounts("parity-window", [{ table: "video_events", hour, accepted: 5, buffered: 0 }]);
    const { body } = await get<{ parity: { hour: string }[] }>("/catalog/parity?table=video_events");
    expect(body.parity.filter((row) => row.hour === hour)).toEqual([]);
    expect(body.parity.every((row) => row.hour >= parityCutoffHour(Date.now()))).toBe(true);
  });
});

describe("GET /catalog/costs", () => {
  it("reports exactly what the buckets hold, priced with the documented list", async () => {
    await putRawFile("page_view", rowsOf("page_view", [Date.UTC(2026, 0, 3)], Date.UTC(2026, 0, 3)));
    await env.PROCESSED_BUCKET.put("temp/scratch.bin", new Uint8Array(1234));
    await reconcile();
    const { status, body } = await get<{
      prices: typeof DEFAULT_R2_PRICES;
      buckets: { bucket: string; bytes: number; objects: number; monthly_usd: number }[];
      tables: { bucket: string; table: string; bytes: number; objects: number }[];
      other: { bucket: string; folder: string; bytes: number; objects: number }[];
      total: { bytes: number; objects: number; monthly_storage_usd: number };
      projection: { basis: { bytes: number; files: number }; bytes_per_month: number; monthly_storage_usd_in_30_days: number };
    }>("/catalog/costs");
    expect(status).toBe(200);
    expect(body.prices).toEqual(DEFAULT_R2_PRICES);

    // Independently: list every bucket and sum.
    for (const [name, bucket] of [
      ["analytics-source", env.SOURCE_BUCKET],
      ["analytics-processed", env.PROCESSED_BUCKET],
      ["analytics-catalog", env.CATALOG_BUCKET],
    ] as const) {
      const listed = await bucket.list({ limit: 1000 });
      const bytes = listed.objects.reduce((sum, o) => sum + o.size, 0);
      const reported = body.buckets.find((b) => b.bucket === name);
      expect(reported).toEqual({ bucket: name, bytes, objects: listed.objects.length, monthly_usd: Number(((bytes / 1e9) * 0.015).toFixed(6)) });
    }
    const pageViews = (await env.SOURCE_BUCKET.list({ prefix: "events/page_views/" })).objects;
    expect(body.tables.find((t) => t.table === "page_views")).toMatchObject({ bytes: pageViews.reduce((s, o) => s + o.size, 0), objects: pageViews.length });
    expect(body.other).toEqual(expect.arrayContaining([expect.objectContaining({ bucket: "analytics-processed", folder: "temp", bytes: 1234, objects: 1 })]));
    expect(body.total.bytes).toBe(body.buckets.reduce((s, b) => s + b.bytes, 0));
    // Files registered in the last 24 h extrapolate to a month.
    expect(body.projection.basis.files).toBeGreaterThan(0);
    expect(body.projection.bytes_per_month).toBe(Math.round(body.projection.basis.bytes * 30));
  });
});
