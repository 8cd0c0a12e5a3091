/**
 * dbt on the real local stack (tests/global-setup.ts starts it fresh): demo events of a project of
 * this file's own, sent through the example producer's service binding (so no other test file
 * touches them), flushed to the lake; `dbt build --full-refresh` through scripts/dbt.mjs (the
 * venv's dbt, DuckDB reading and writing R2 through the stack's S3 endpoint); then the marts'
 * figures for that project are compared with the same figures computed here, independently, from
 * the raw Parquet files (fetched over S3 with aws4fetch, read with hyparquet). Then: `dbt run`
 * twice changes nothing, and a `dbt run` after new events adds exactly them.
 *
 * Other test files share the stack and write into it concurrently; every comparison is limited to
 * this file's project, and the "nothing changes" checks on whole files only apply when the raw
 * lake did not change between the two runs.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EVENT_TYPES, lakeColumns, TABLE_BY_EVENT_TYPE } from "../packages/event-schema/src/index.ts";
import { localS3Credentials, runDbt } from "../scripts/dbt.mjs";
import { generateDemoEvents } from "../scripts/demo-data.mjs";
import { repoRoot } from "../scripts/local-stack.mjs";

const origin = inject("stackOrigin");
const producer = inject("producerOrigin");
const ADMIN = { "x-api-key": "local-admin-key" };
const PROJECT = `dbt-e2e-${randomUUID().slice(0, 8)}`;
const DBT_TIMEOUT_MS = 600_000;

const credentials = localS3Credentials();
const s3 = new AwsClient({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, service: "s3", region: "auto" });
const workDir = mkdtempSync(join(tmpdir(), "dbt-e2e-"));
const targetPath = join(workDir, "target");
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

type Row = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// The lake over S3, read with hyparquet

/** Every object under a prefix: key, size and ETag (ListObjectsV2, all pages). */
async function listObjects(bucket: string, prefix: string): Promise<{ key: string; size: number; etag: string }[]> {
  const objects: { key: string; size: number; etag: string }[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
    const response = await s3.fetch(`${origin}/${bucket}?${query}`);
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    for (const [, body] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const field = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body ?? "")?.[1] ?? "";
      objects.push({ key: field("Key").replaceAll("&amp;", "&"), size: Number(field("Size")), etag: field("ETag") });
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]*)</.exec(xml)?.[1] : undefined;
  } while (token);
  return objects;
}

async function getObject(bucket: string, key: string): Promise<ArrayBuffer> {
  const response = await s3.fetch(`${origin}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`);
  expect(response.status, key).toBe(200);
  return response.arrayBuffer();
}

/** Rows of Parquet files, each with its file key and row number (the lake's order of copies). */
async function readParquetFiles(bucket: string, keys: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const key of [...keys].sort()) {
    const file = await getObject(bucket, key);
    const objects = await parquetReadObjects({ file, compressors });
    objects.forEach((row, index) => rows.push({ ...row, _file: key, _row: index }));
  }
  return rows;
}

async function readTable(bucket: string, prefix: string): Promise<Row[]> {
  return readParquetFiles(bucket, (await listObjects(bucket, prefix)).map((o) => o.key).filter((k) => k.endsWith(".parquet")));
}

// ---------------------------------------------------------------------------------------------
// The expected figures, computed from raw rows in TypeScript

const ms = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value));
const day = (value: unknown): string => new Date(ms(value)).toISOString().slice(0, 10);
const isBot = (row: Row): boolean => row.is_bot === true || row.device_type === "bot";

/** One row per event_id: the first copy received (received_at, then file, then row). */
function firstCopies(rows: Row[]): Row[] {
  const sorted = [...rows].sort(
    (a, b) => ms(a.received_at) - ms(b.received_at) || String(a._file).localeCompare(String(b._file)) || Number(a._row) - Number(b._row),
  );
  const seen = new Map<string, Row>();
  for (const row of sorted) if (!seen.has(String(row.event_id))) seen.set(String(row.event_id), row);
  return [...seen.values()];
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The nearest-rank percentile (DuckDB's quantile_disc). */
function nearestRank(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(Math.ceil(q * sorted.length) - 1, 0)] ?? null;
}

interface Raw {
  page_views: Row[];
  video_events: Row[];
  api_requests: Row[];
  usage_events: Row[];
}

async function readRaw(): Promise<Raw> {
  const table = async (name: string) => firstCopies((await readTable("analytics-source", `events/${name}/`)).filter((r) => r.project_id === PROJECT));
  return { page_views: await table("page_views"), video_events: await table("video_events"), api_requests: await table("api_requests"), usage_events: await table("usage_events") };
}

/** fact_video_engagement's figures per session and video. */
function expectedEngagement(videoEvents: Row[]) {
  const result = new Map<string, { plays: number; completes: number; watch: number; first: number; player_events: number }>();
  for (const [key, events] of groupBy(videoEvents, (r) => `${r.session_id}\u0000${r.video_id}`)) {
    const ordered = [...events].sort((a, b) => ms(a.timestamp) - ms(b.timestamp) || ms(a.received_at) - ms(b.received_at) || String(a._file).localeCompare(String(b._file)) || Number(a._row) - Number(b._row));
    let watch = 0;
    ordered.forEach((event, i) => {
      const next = ordered[i + 1];
      if (event.action === "play" && next) watch += Math.max(Number(next.position) - Number(event.position), 0);
    });
    result.set(key, {
      plays: events.filter((e) => e.action === "play").length,
      completes: events.filter((e) => e.action === "complete").length,
      watch,
      first: Math.min(...events.map((e) => ms(e.timestamp))),
      player_events: events.length,
    });
  }
  return result;
}

/** agg_daily_metrics' figures per UTC day. */
function expectedDaily(raw: Raw) {
  const days = new Map<string, Record<string, unknown>>();
  const at = (d: string) => {
    let entry = days.get(d);
    if (!entry) days.set(d, (entry = { page_views: 0, unique_users: 0, sessions: 0, bounced_sessions: 0, video_plays: 0, video_completions: 0, api_requests: 0, api_server_errors: 0, usage: {} }));
    return entry;
  };
  const humanViews = raw.page_views.filter((r) => !isBot(r));
  for (const [d, views] of groupBy(humanViews, (r) => day(r.timestamp))) {
    const timed = views.filter((v) => v.time_on_page !== null && v.time_on_page !== undefined).map((v) => Number(v.time_on_page));
    Object.assign(at(d), {
      page_views: views.length,
      unique_users: new Set(views.filter((v) => v.user_id).map((v) => v.user_id)).size,
      avg_time_on_page_seconds: timed.length ? timed.reduce((a, b) => a + b, 0) / timed.length : null,
    });
  }
  for (const views of groupBy(humanViews, (r) => String(r.session_id)).values()) {
    const entry = at(day(Math.min(...views.map((v) => ms(v.timestamp)))));
    entry.sessions = Number(entry.sessions) + 1;
    if (views.length === 1) entry.bounced_sessions = Number(entry.bounced_sessions) + 1;
  }
  for (const engagement of expectedEngagement(raw.video_events.filter((r) => !isBot(r))).values()) {
    const entry = at(day(engagement.first));
    entry.video_plays = Number(entry.video_plays) + engagement.plays;
    entry.video_completions = Number(entry.video_completions) + engagement.completes;
  }
  for (const [d, requests] of groupBy(raw.api_requests, (r) => day(r.timestamp))) {
    Object.assign(at(d), {
      api_requests: requests.length,
      api_server_errors: requests.filter((r) => Number(r.status_code) >= 500).length,
      api_p95_duration_ms: nearestRank(requests.map((r) => Number(r.duration_ms)), 0.95),
    });
  }
  for (const usage of raw.usage_events) {
    const entry = at(day(usage.timestamp)).usage as Record<string, { quantity: number; events: number }>;
    const key = `${usage.sku}|${usage.unit}`;
    entry[key] = { quantity: (entry[key]?.quantity ?? 0) + Number(usage.quantity), events: (entry[key]?.events ?? 0) + 1 };
  }
  return days;
}

// ---------------------------------------------------------------------------------------------
// Helpers around the stack and dbt

async function sendThroughProducer(events: Row[]): Promise<void> {
  for (let offset = 0; offset < events.length; offset += 100) {
    const response = await fetch(`${producer}/via-fetch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: events.slice(offset, offset + 100) }) });
    const body = (await response.json()) as { accepted: number; rejected: unknown[] };
    expect(response.status, JSON.stringify(body)).toBe(202);
    expect(body.rejected).toEqual([]);
  }
}

async function flush(): Promise<void> {
  const response = await fetch(`${origin}/admin/flush`, { method: "POST", headers: ADMIN });
  expect(response.status).toBe(200);
}

async function dbt(args: string[]): Promise<string> {
  const { exitCode, output } = await runDbt(args, { origin, targetPath, capture: true, log: () => {} });
  expect(exitCode, output.slice(-6000)).toBe(0);
  return output;
}

/** What lake_parquet logged for a partitioned model: raw partitions, changed, read, written. */
function plan(output: string, model: string) {
  const match = new RegExp(`lake_parquet ${model}: (\\d+) raw partition\\(s\\), ([^;]+); read (\\d+), wrote (\\d+) \\((\\d+) rows\\)`).exec(output);
  expect(match, `no plan line for ${model} in:\n${output.slice(-3000)}`).not.toBeNull();
  const [, partitions, changed, read, wrote, rows] = match ?? [];
  return { partitions: Number(partitions), changed: String(changed), read: Number(read), wrote: Number(wrote), rows: Number(rows) };
}

interface Marts {
  fact_page_views: Row[];
  fact_video_engagement: Row[];
  dim_users: Row[];
  dim_content: Row[];
  agg_daily_metrics: Row[];
}

async function readMarts(): Promise<Marts> {
  const mine = async (prefix: string) => (await readTable("analytics-processed", prefix)).filter((r) => r.project_id === PROJECT);
  return {
    fact_page_views: await mine("facts/fact_page_views/"),
    fact_video_engagement: await mine("facts/fact_video_engagement/"),
    dim_users: await mine("dimensions/dim_users/"),
    dim_content: await mine("dimensions/dim_content/"),
    agg_daily_metrics: await mine("aggregates/agg_daily_metrics/"),
  };
}

/** The marts' figures equal the ones computed from the raw files. */
function expectMartsMatchRaw(marts: Marts, raw: Raw): void {
  expect(new Set(marts.fact_page_views.map((r) => r.page_view_id))).toEqual(new Set(raw.page_views.map((r) => r.event_id)));
  expect(marts.fact_page_views).toHaveLength(raw.page_views.length);

  const engagement = expectedEngagement(raw.video_events);
  expect(marts.fact_video_engagement).toHaveLength(engagement.size);
  for (const row of marts.fact_video_engagement) {
    const expected = engagement.get(`${row.session_id}\u0000${row.video_id}`);
    expect(expected, `${row.session_id} / ${row.video_id}`).toBeDefined();
    expect(Number(row.plays)).toBe(expected?.plays);
    expect(Number(row.completes)).toBe(expected?.completes);
    expect(Number(row.player_events)).toBe(expected?.player_events);
    expect(Number(row.watch_time_seconds)).toBeCloseTo(expected?.watch ?? Number.NaN, 6);
    expect(ms(row.first_event_at)).toBe(expected?.first);
  }

  const users = new Set([...raw.page_views, ...raw.video_events].filter((r) => r.user_id).map((r) => r.user_id));
  expect(new Set(marts.dim_users.map((r) => r.user_id))).toEqual(users);
  expect(new Set(marts.dim_content.filter((r) => r.content_type === "page").map((r) => r.content_id))).toEqual(new Set(raw.page_views.map((r) => r.page_url)));
  expect(new Set(marts.dim_content.filter((r) => r.content_type === "video").map((r) => r.content_id))).toEqual(new Set(raw.video_events.map((r) => r.video_id)));

  const daily = expectedDaily(raw);
  expect(new Set(marts.agg_daily_metrics.map((r) => day(r.metric_date)))).toEqual(new Set(daily.keys()));
  for (const row of marts.agg_daily_metrics) {
    const d = day(row.metric_date);
    const expected = daily.get(d) ?? {};
    const label = (name: string) => `${name} on ${d}`;
    for (const name of ["page_views", "unique_users", "sessions", "bounced_sessions", "video_plays", "video_completions", "api_requests", "api_server_errors"]) {
      expect(Number(row[name]), label(name)).toBe(expected[name]);
    }
    const sessions = Number(expected.sessions);
    expect(row.bounce_rate === null ? null : Number(row.bounce_rate), label("bounce_rate")).toBe(sessions ? Number(expected.bounced_sessions) / sessions : null);
    const requests = Number(expected.api_requests);
    expect(row.api_error_rate === null ? null : Number(row.api_error_rate), label("api_error_rate")).toBe(requests ? Number(expected.api_server_errors) / requests : null);
    expect(row.api_p95_duration_ms ?? null, label("api_p95_duration_ms")).toBe(expected.api_p95_duration_ms ?? null);
    if (expected.avg_time_on_page_seconds === undefined || expected.avg_time_on_page_seconds === null) expect(row.avg_time_on_page_seconds ?? null).toBeNull();
    else expect(Number(row.avg_time_on_page_seconds), label("avg_time_on_page_seconds")).toBeCloseTo(Number(expected.avg_time_on_page_seconds), 9);
    const usage = expected.usage as Record<string, { quantity: number; events: number }>;
    const bySku = (row.usage_by_sku ?? []) as { sku: string; unit: string; quantity: number; events: unknown }[];
    expect(bySku.map((u) => `${u.sku}|${u.unit}`).sort(), label("usage_by_sku")).toEqual(Object.keys(usage).sort());
    for (const u of bySku) {
      expect(Number(u.events)).toBe(usage[`${u.sku}|${u.unit}`]?.events);
      expect(u.quantity).toBeCloseTo(usage[`${u.sku}|${u.unit}`]?.quantity ?? Number.NaN, 6);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe("dbt's raw column list", () => {
  it("lists each raw table's columns exactly as the zod schemas do (lakeColumns), for tables without files yet", () => {
    const macro = readFileSync(join(repoRoot, "dbt", "macros", "lake", "lake_source.sql"), "utf8");
    const duckdbType = { string: "varchar", float64: "double", int64: "bigint", boolean: "boolean", timestamp: "timestamptz", json: "varchar" } as const;
    const envelope = /set envelope = \[([\s\S]*?)\] -%\}/.exec(macro)?.[1] ?? "";
    const pairs = (text: string) => [...text.matchAll(/\('(\w+)', '(\w+)'\)/g)].map(([, name, type]) => `${name}:${type}`);
    for (const type of EVENT_TYPES) {
      const table = TABLE_BY_EVENT_TYPE[type];
      const own = new RegExp(`'${table}': \\[([\\s\\S]*?)\\]`).exec(macro)?.[1] ?? "";
      expect([...pairs(envelope), ...pairs(own)], table).toEqual(lakeColumns(type).map((c) => `${c.name}:${duckdbType[c.kind]}`));
    }
  });
});

describe("dbt on the local stack", () => {
  let firstPageViews: Set<unknown>;

  beforeAll(async () => {
    await sendThroughProducer(generateDemoEvents({ seed: 7001, count: 800, projectId: PROJECT }));
    await flush();
  }, 120_000);

  it(
    "`dbt build --full-refresh`: every model and test passes, and the catalog registers the processed tables",
    async () => {
      const { exitCode, output, reconciled } = await runDbt(["build", "--full-refresh"], { origin, targetPath, capture: true, log: () => {} });
      expect(exitCode, output.slice(-6000)).toBe(0);
      expect(output).toMatch(/Completed successfully/);
      expect(reconciled?.registered.some((key) => key.startsWith("facts/fact_page_views/"))).toBe(true);
      const tables = (await (await fetch(`${origin}/catalog/tables`, { headers: ADMIN })).json()) as { tables: { name: string; layer: string; rows: number; files: number }[] };
      for (const name of ["fact_page_views", "fact_video_engagement", "dim_users", "dim_content", "agg_daily_metrics"]) {
        expect(tables.tables.find((t) => t.name === name), name).toMatchObject({ layer: "processed", files: expect.any(Number) });
      }
      const facts = (await (await fetch(`${origin}/catalog/files?table=fact_page_views`, { headers: ADMIN })).json()) as { files: { key: string; rows: number; min_timestamp: string | null }[] };
      expect(facts.files.every((f) => /^facts\/fact_page_views\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/data\.parquet$/.test(f.key))).toBe(true);
      expect(facts.files.some((f) => f.min_timestamp !== null)).toBe(true);
    },
    DBT_TIMEOUT_MS,
  );

  it(
    "the marts' figures equal the same figures computed from the raw Parquet files",
    async () => {
      const raw = await readRaw();
      expect(raw.page_views.length).toBeGreaterThan(100);
      expect(raw.video_events.length).toBeGreaterThan(0);
      expect(raw.api_requests.length).toBeGreaterThan(0);
      expect(raw.usage_events.length).toBeGreaterThan(0);
      const marts = await readMarts();
      expectMartsMatchRaw(marts, raw);
      firstPageViews = new Set(marts.fact_page_views.map((r) => r.page_view_id));
    },
    DBT_TIMEOUT_MS,
  );

  it(
    "each fact file records the raw files it was built from, in its Parquet key-value metadata",
    async () => {
      const files = (await listObjects("analytics-processed", "facts/fact_page_views/")).filter((o) => o.key.endsWith(".parquet"));
      const raw = new Set((await listObjects("analytics-source", "events/page_views/")).map((o) => `page_views/${o.key.split("/").pop()}`));
      for (const file of files) {
        const metadata = parquetMetadata(await getObject("analytics-processed", file.key));
        const sources = JSON.parse(metadata.key_value_metadata?.find((kv) => kv.key === "lake_source_files")?.value ?? "null") as string[];
        expect(Array.isArray(sources), file.key).toBe(true);
        for (const source of sources) expect(raw.has(source), source).toBe(true);
      }
    },
    DBT_TIMEOUT_MS,
  );

  it(
    "`dbt run` twice in a row changes nothing",
    async () => {
      await dbt(["run"]);
      const rawBefore = await listObjects("analytics-source", "events/");
      const processedBefore = await listObjects("analytics-processed", "");
      const martsBefore = await readMarts();
      const output = await dbt(["run"]);
      const rawAfter = await listObjects("analytics-source", "events/");
      expect(await readMarts()).toEqual(martsBefore);
      // Other test files may flush (or compact) in between; when the raw lake stood still, the
      // second run read no raw partition and rewrote no file.
      if (JSON.stringify(rawAfter) === JSON.stringify(rawBefore)) {
        for (const model of ["fact_page_views", "fact_video_engagement"]) expect(plan(output, model)).toMatchObject({ read: 0, wrote: 0 });
        expect(await listObjects("analytics-processed", "")).toEqual(processedBefore);
      }
    },
    DBT_TIMEOUT_MS,
  );

  it(
    "`dbt run` after new events adds exactly them, reading only the raw partitions that changed",
    async () => {
      const added = generateDemoEvents({ seed: 7002, count: 200, projectId: PROJECT });
      await sendThroughProducer(added);
      await flush();
      const output = await dbt(["run"]);
      const pageViews = plan(output, "fact_page_views");
      expect(pageViews.read).toBeGreaterThan(0);
      expect(pageViews.read).toBeLessThanOrEqual(Number.parseInt(pageViews.changed, 10));

      const marts = await readMarts();
      const addedPageViews = added.filter((e) => e.type === "page_view").map((e) => e.event_id);
      expect(new Set(marts.fact_page_views.map((r) => r.page_view_id))).toEqual(new Set([...firstPageViews, ...addedPageViews]));
      expectMartsMatchRaw(marts, await readRaw());
      await dbt(["test"]);
    },
    DBT_TIMEOUT_MS,
  );
});
