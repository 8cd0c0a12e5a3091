/**
 * The load test, in one place for both of its callers: `npm run test:reliability` (scripts/
 * reliability.mjs, 60 s by default) and the short version in `npm test` (tests/load.test.ts).
 *
 * Sustained batched ingestion against a local stack of its own, through all three front doors at
 * once (autocannon, closed loop): `POST /events` batches with the secret key, Segment's
 * `POST /v1/batch` with the write key, and requests shaped like the browser tracker's (its
 * `?key=` query string, a text/plain body, a page's Origin, at most the tracker's 10 events),
 * while GraphQL questions over the same events run beside them with the read key. Every 202/200
 * answer is checked (accepted = events sent, nothing rejected or duplicate) and only then are its
 * event_ids counted as acknowledged.
 *
 * Then the proofs, each read from outside the Workers: after `POST /admin/flush` every
 * acknowledged event_id is in the lake (the catalog's files, read through the S3 endpoint with
 * hyparquet); after `POST /compact` of every partition, each is there exactly once; and the API's
 * page view count over the run equals the distinct acknowledged page views.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type EventType, TABLE_BY_EVENT_TYPE, type TableName } from "@edge-analytics/event-schema";
import autocannon from "autocannon";
import { AwsClient } from "aws4fetch";
import { decompress } from "fzstd";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { repoRoot, type RunningStack, startStack } from "../../scripts/local-stack.mjs";
import { describeMachineLoad, otherProcessesCpuMeter } from "../../bench/lib/machine.mjs";
import { processTreeCpuSeconds, readRawWranglerConfig } from "../../bench/lib/wrangler-dev.mjs";

const ADMIN = { "x-api-key": "local-admin-key" };
const SECRET_KEY = "local-dev-key";
const WRITE_KEY = "local-pub-key";
const READ_KEY = "local-read-key";
/** An origin local-pub-key allows (.dev.vars.example): the page the tracker would run on. */
const PAGE_ORIGIN = "http://localhost:3000";
const BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/** The tracker's own batch cap (packages/tracker/src/start-tracker.ts, MAX_BATCH). */
const TRACKER_BATCH = 10;
/** Segment's `/v1/batch` allows 500 KB; at ~600 B a message this stays well inside it. */
const SEGMENT_MAX_BATCH = 200;
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });

/** What one load run does. */
export interface LoadOptions {
  origin: string;
  /** Measured seconds of sustained load. */
  seconds: number;
  /** Seconds of the same load before the measured part (its events are checked too). */
  warmupSeconds?: number;
  /** Requests in flight on the ingestion front doors (closed loop). */
  connections: number;
  /** Events per `POST /events` batch (README "Limits": at most 500). */
  batchSize: number;
  /** Requests in flight asking GraphQL questions meanwhile (0: none). */
  graphqlConnections: number;
  /** At most this many GraphQL questions a second (e.g. dashboards refreshing); default: as fast as answered. */
  graphqlRate?: number;
  /** Requests of each front door per cycle, interleaved (default 4 `/events`, 1 Segment, 2 tracker). */
  mix?: { events: number; segment: number; tracker: number };
  /** The stack's wrangler process: its process tree's CPU is reported (workerd runs in it). */
  stackPid?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Figures of one closed loop, as autocannon measured them. */
export interface LoopFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

/** What `runLoad` measured, and the acknowledged events the checks then look for. */
export interface LoadRun {
  runId: string;
  startedAt: string;
  endedAt: string;
  seconds: number;
  options: { connections: number; batchSize: number; graphqlConnections: number; graphqlRate: number | null; mix: { events: number; segment: number; tracker: number } };
  /** Acknowledged events per second over the measured part. */
  eventsPerSecond: number;
  ingestion: LoopFigures & { perDoor: Record<"events" | "segment" | "tracker", { requests: number; events: number }> };
  /** `errorAnswers`: 200s whose body carried GraphQL errors or no page view rows. */
  graphql: (LoopFigures & { errorAnswers: number }) | null;
  /** 2xx ingestion answers whose body did not acknowledge every event sent. */
  badAnswers: number;
  badAnswerSamples: string[];
  /**
   * Requests in flight when a loop hit its deadline (autocannon does not wait for their answers):
   * resent afterwards like a client retrying a lost answer, so their events may land twice.
   */
  resentAfterDeadline: number;
  /**
   * Average cores used during the measured part: the stack (wrangler and workerd), this client
   * (autocannon, body building) and every other process on the machine (a neighbour's tests
   * make the figures noisy); `machine` is the load line at the start.
   */
  cpu: { stackCores: number; clientCores: number; otherCores: number; machine: string };
  /** Every acknowledged event_id (warm-up included) and its table. */
  acknowledged: Map<string, TableName>;
}

type Door = "events" | "segment" | "tracker";

/** A UUIDv7 (time-ordered, as the tracker and ingestion make them). */
function uuidv7(): string {
  const hex = Date.now().toString(16).padStart(12, "0");
  const random = randomBytes(10);
  random[2] = ((random[2] ?? 0) & 0x3f) | 0x80;
  const tail = random.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${tail.slice(0, 3)}-${tail.slice(4, 8)}-${tail.slice(8, 20)}`;
}

let counter = 0;
const pick = <T>(list: readonly T[]): T => list[counter++ % list.length] as T;

/** Events for `POST /events`: the six types in a web product's proportions, each ~450 B of JSON. */
function serverEvent(runId: string, type: EventType, at: string): Record<string, unknown> {
  const n = counter++;
  const common = { type, event_id: randomUUID(), timestamp: at, session_id: `load-${runId}-${n % 997}`, user_id: `user-${n % 5000}`, environment: "production" };
  switch (type) {
    case "page_view":
      return {
        ...common,
        page_url: `https://load-${runId}.example/${pick(["shoes", "bags", "hats", "watches"])}/${n % 4000}?ref=${pick(["home", "search", "ad"])}`,
        page_title: `Product ${n % 4000} | Example Shop`,
        referrer: pick(["https://www.google.com/", "https://news.example.org/a/1", ""]),
        utm_source: pick(["newsletter", "google", "partner"]),
        utm_medium: pick(["email", "cpc", "referral"]),
        utm_campaign: "winter-sale",
        time_on_page: (n % 3000) / 10,
        properties: { viewport: pick(["1440x900", "390x844"]), lang: pick(["en-US", "de-DE"]), ab_bucket: pick(["a", "b"]) },
      };
    case "user_action":
      return { ...common, action: pick(["click", "submit", "add_to_cart"]), target: pick(["#buy-now", "form#checkout button"]), value: `qty=${n % 5}`, properties: { section: pick(["hero", "grid"]) } };
    case "api_request":
      return {
        ...common,
        method: pick(["GET", "GET", "POST"]),
        path: `/v1/${pick(["orders", "carts"])}/${n % 100_000}`,
        status_code: pick([200, 200, 201, 404, 500]),
        duration_ms: (n % 8000) / 10,
        organization_id: `org_${n % 500}`,
        properties: { region: pick(["weur", "enam"]), cache: pick(["HIT", "MISS"]) },
      };
    case "video_event":
      return { ...common, video_id: `vid_${n % 300}`, action: pick(["play", "pause", "complete"]), position: n % 600, duration: 600, quality: "1080p", properties: { player: "html5" } };
    case "usage":
      return { ...common, organization_id: `org_${n % 500}`, sku: pick(["events", "storage_gb"]), quantity: n % 1000, unit: pick(["count", "GB"]), properties: { plan: "pro" } };
    case "custom":
      return { ...common, name: pick(["signup_completed", "invite_sent"]), properties: { plan: pick(["free", "pro"]), seats: 1 + (n % 50) } };
  }
}

/** Per 20 events of a `POST /events` batch: the bench's mix (bench/lib/events.mjs, MIXED_BATCH). */
const SERVER_MIX: readonly EventType[] = [
  ...Array<EventType>(7).fill("page_view"),
  ...Array<EventType>(4).fill("user_action"),
  ...Array<EventType>(4).fill("api_request"),
  ...Array<EventType>(2).fill("video_event"),
  ...Array<EventType>(2).fill("custom"),
  "usage",
];

interface Body {
  text: string;
  events: { id: string; table: TableName }[];
}

function eventsBody(runId: string, size: number): Body {
  const at = new Date().toISOString();
  const events = Array.from({ length: size }, (_, i) => serverEvent(runId, SERVER_MIX[i % SERVER_MIX.length] as EventType, at));
  return { text: JSON.stringify({ events }), events: events.map((e) => ({ id: String(e.event_id), table: TABLE_BY_EVENT_TYPE[e.type as EventType] })) };
}

/** Segment's `/v1/batch`: page calls (→ page_view) and track calls (→ custom), UUID messageIds (kept as event_ids). */
function segmentBody(runId: string, size: number): Body {
  const at = new Date().toISOString();
  const batch = Array.from({ length: size }, (_, i) => {
    const n = counter++;
    const base = { messageId: randomUUID(), anonymousId: `anon-${runId}-${n % 1500}`, timestamp: at, context: { userAgent: BROWSER_UA, library: { name: "analytics-node", version: "3.1.0" } } };
    return i % 2 === 0
      ? { ...base, type: "page", name: "Pricing", properties: { url: `https://load-${runId}.example/pricing/${n % 50}`, title: "Pricing", referrer: "https://www.google.com/" } }
      : { ...base, type: "track", event: pick(["Signed Up", "Plan Upgraded"]), properties: { plan: pick(["free", "pro"]), seats: n % 20 } };
  });
  return {
    text: JSON.stringify({ batch }),
    events: batch.map((m) => ({ id: m.messageId, table: TABLE_BY_EVENT_TYPE[m.type === "page" ? "page_view" : "custom"] })),
  };
}

/** What the browser tracker sends (packages/tracker): page views, clicks and custom events, UUIDv7 ids. */
function trackerBody(runId: string): Body {
  const at = new Date().toISOString();
  const events = Array.from({ length: TRACKER_BATCH }, (_, i) => {
    const n = counter++;
    const base = { event_id: uuidv7(), timestamp: at, session_id: `t-${runId}-${n % 800}`, channel: "web", platform: "web" };
    if (i % 5 === 3) return { ...base, type: "user_action", action: "outbound_click", target: "https://partner.example/offer" };
    if (i % 5 === 4) return { ...base, type: "custom", name: "newsletter_signup" };
    return { ...base, type: "page_view", page_url: `https://load-${runId}.example/blog/${n % 300}?utm_source=news`, utm_source: "news", referrer: "https://news.example.org/", page_title: "Blog", time_on_page: (n % 900) / 10 };
  });
  return { text: JSON.stringify({ events }), events: events.map((e) => ({ id: e.event_id, table: TABLE_BY_EVENT_TYPE[e.type as EventType] })) };
}

function figuresOf(result: autocannon.Result): LoopFigures {
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** A page view count over the run's pages, as a dashboard would ask it. */
export function pageViewCountQuery(runId: string, start: string, end: string): string {
  return `query { analytics { pageViews(timeRange: { start: "${start}", end: "${end}" }, filter: { page_url: { starts_with: "https://load-${runId}.example/" } }) { view_count } } }`;
}

/**
 * Sustained load through the three front doors with GraphQL questions beside it; resolves with
 * autocannon's figures and the acknowledged event_ids.
 */
export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const { origin, seconds, connections, batchSize, graphqlConnections } = options;
  const mix = options.mix ?? { events: 4, segment: 1, tracker: 2 };
  const log = options.log ?? (() => {});
  const runId = randomUUID().slice(0, 8);
  const acknowledged = new Map<string, TableName>();
  const perDoor = { events: { requests: 0, events: 0 }, segment: { requests: 0, events: 0 }, tracker: { requests: 0, events: 0 } };
  let measuring = false;
  let badAnswers = 0;
  let graphqlErrorAnswers = 0;
  let resent = 0;
  const badAnswerSamples: string[] = [];
  const segmentAuth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString("base64")}`;

  // The request each connection has in flight: autocannon stops at its deadline without waiting
  // for answers, so these are resent afterwards, as a client that lost its answer retries.
  const inFlight = new Map<object, { kind: Door; path: string; headers: Record<string, string>; body: Body }>();
  /** Counts an answer's events as acknowledged when it acknowledges every one of them. */
  const settle = (kind: Door, status: number, text: string, sent: Body["events"]) => {
    if (status < 200 || status > 299) return;
    let ok = false;
    try {
      const answer = JSON.parse(text) as { accepted?: number; duplicates?: number; rejected?: unknown[] };
      ok = answer.accepted === sent.length && answer.duplicates === 0 && answer.rejected?.length === 0;
    } catch {
      ok = false;
    }
    if (!ok) {
      badAnswers++;
      if (badAnswerSamples.length < 5) badAnswerSamples.push(`${kind} ${status}: ${text.slice(0, 300)}`);
      return;
    }
    for (const event of sent) acknowledged.set(event.id, event.table);
    if (measuring) {
      perDoor[kind].requests++;
      perDoor[kind].events += sent.length;
    }
  };
  const doorRequest = (kind: Door): { path: string; headers: Record<string, string> } =>
    kind === "events"
      ? { path: "/events", headers: { "content-type": "application/json", "x-api-key": SECRET_KEY, "user-agent": BROWSER_UA } }
      : kind === "segment"
        ? { path: "/v1/batch", headers: { "content-type": "application/json", authorization: segmentAuth, "user-agent": "analytics-node-next/3.1.0" } }
        : { path: `/events?key=${WRITE_KEY}`, headers: { "content-type": "text/plain;charset=UTF-8", origin: PAGE_ORIGIN, "user-agent": BROWSER_UA } };
  // The doors in the mix's proportions, interleaved; requests take them in turn across all
  // connections, so every door is busy from the first requests on, however short the run.
  const cycle: Door[] = [];
  for (let i = 0; cycle.length < mix.events + mix.segment + mix.tracker; i++) {
    for (const kind of ["events", "segment", "tracker"] as const) if (i < mix[kind]) cycle.push(kind);
  }
  let turn = 0;
  const request: autocannon.Request = {
    method: "POST",
    setupRequest(base, context) {
      const kind = cycle[turn++ % cycle.length] as Door;
      const { path, headers } = doorRequest(kind);
      const body = kind === "events" ? eventsBody(runId, batchSize) : kind === "segment" ? segmentBody(runId, Math.min(batchSize, SEGMENT_MAX_BATCH)) : trackerBody(runId);
      inFlight.set(context, { kind, path, headers, body });
      // A copy: autocannon adds its content-length to the headers it is given.
      return { ...base, method: "POST", path, headers: { ...headers }, body: body.text };
    },
    onResponse(status, text, context) {
      const sent = inFlight.get(context);
      inFlight.delete(context);
      if (sent) settle(sent.kind, status, text, sent.body.events);
    },
  };
  /** Resends what was in flight when a loop ended (outside the measured figures) and settles it. */
  const resendInFlight = async () => {
    const pending = [...inFlight.values()];
    inFlight.clear();
    const wasMeasuring = measuring;
    measuring = false;
    await Promise.all(
      pending.map(async ({ kind, path, headers, body }) => {
        const response = await fetch(`${origin}${path}`, { method: "POST", headers, body: body.text });
        settle(kind, response.status, await response.text(), body.events);
      }),
    );
    measuring = wasMeasuring;
    return pending.length;
  };
  const ingestionLoop = (duration: number) =>
    autocannon({ url: origin, connections, duration, requests: [request], timeout: 30 }) as unknown as Promise<autocannon.Result>;

  if (options.warmupSeconds) {
    log(`warm-up: ${options.warmupSeconds} s`);
    await ingestionLoop(options.warmupSeconds);
    resent += await resendInFlight();
  }
  measuring = true;
  const machine = describeMachineLoad();
  const stackCpu0 = options.stackPid ? processTreeCpuSeconds(options.stackPid) : Number.NaN;
  const clientCpu0 = process.cpuUsage();
  const others = otherProcessesCpuMeter();
  const startedAt = new Date();
  // Questions over the run so far, as a dashboard refreshing beside the traffic would ask them.
  const graphqlRange = { start: new Date(startedAt.getTime() - 60_000).toISOString(), end: new Date(startedAt.getTime() + (seconds + 600) * 1000).toISOString() };
  log(`load: ${seconds} s, ${connections} connections (cycle: ${mix.events} x /events of ${batchSize}, ${mix.segment} x /v1/batch, ${mix.tracker} x tracker), ${graphqlConnections} GraphQL`);
  const graphqlLoop =
    graphqlConnections > 0
      ? (autocannon({
          url: `${origin}/graphql`,
          connections: graphqlConnections,
          ...(options.graphqlRate ? { overallRate: options.graphqlRate } : {}),
          duration: seconds,
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": READ_KEY },
          requests: [
            {
              method: "POST",
              path: "/graphql",
              body: JSON.stringify({ query: pageViewCountQuery(runId, graphqlRange.start, graphqlRange.end) }),
              // A 200 can carry GraphQL errors (a question over budget, a failed read): those count too.
              onResponse(status, text) {
                if (status !== 200) return;
                let answered = false;
                try {
                  const answer = JSON.parse(text) as { data?: { analytics?: { pageViews?: unknown } }; errors?: unknown };
                  answered = answer.errors === undefined && Array.isArray(answer.data?.analytics?.pageViews);
                } catch {
                  answered = false;
                }
                if (!answered) {
                  graphqlErrorAnswers++;
                  if (badAnswerSamples.length < 5) badAnswerSamples.push(`graphql 200: ${text.slice(0, 300)}`);
                }
              },
            },
          ],
          timeout: 30,
        }) as unknown as Promise<autocannon.Result>)
      : Promise.resolve(null);
  const [ingestion, graphql] = await Promise.all([ingestionLoop(seconds), graphqlLoop]);
  measuring = false;
  const endedAt = new Date();
  const wall = (endedAt.getTime() - startedAt.getTime()) / 1000;
  const clientCpu = process.cpuUsage(clientCpu0);
  const cpu = {
    stackCores: options.stackPid ? (processTreeCpuSeconds(options.stackPid) - stackCpu0) / wall : Number.NaN,
    clientCores: (clientCpu.user + clientCpu.system) / 1e6 / wall,
    otherCores: others().cores,
    machine,
  };
  resent += await resendInFlight();
  const measuredEvents = perDoor.events.events + perDoor.segment.events + perDoor.tracker.events;
  return {
    runId,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    seconds: ingestion.duration,
    options: { connections, batchSize, graphqlConnections, graphqlRate: options.graphqlRate ?? null, mix },
    eventsPerSecond: measuredEvents / ingestion.duration,
    ingestion: { ...figuresOf(ingestion), perDoor },
    graphql: graphql ? { ...figuresOf(graphql), errorAnswers: graphqlErrorAnswers } : null,
    badAnswers,
    badAnswerSamples,
    resentAfterDeadline: resent,
    cpu,
    acknowledged,
  };
}

async function admin(origin: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${origin}${path}`, { ...init, headers: { ...ADMIN, "content-type": "application/json" } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}

/** How many rows carry each event_id in the active files of the given tables (only that column is read). */
async function lakeCopies(origin: string, tables: Iterable<TableName>): Promise<{ copies: Map<string, number>; files: number; rows: number }> {
  const copies = new Map<string, number>();
  let files = 0;
  let rows = 0;
  for (const table of tables) {
    const listing = (await admin(origin, `/catalog/files?table=${table}`)) as { files: { key: string }[] };
    for (const file of listing.files) {
      const response = await s3.fetch(`${origin}/analytics-source/${file.key}`);
      if (response.status !== 200) throw new Error(`GET ${file.key} through the S3 endpoint answered ${response.status}`);
      const bytes = await response.arrayBuffer();
      const fileRows = await parquetReadObjects({
        file: bytes,
        metadata: parquetMetadata(bytes),
        columns: ["event_id"],
        compressors: { ZSTD: (input: Uint8Array, length: number) => decompress(input, new Uint8Array(length)) },
      });
      files++;
      rows += fileRows.length;
      for (const row of fileRows) copies.set(String(row.event_id), (copies.get(String(row.event_id)) ?? 0) + 1);
    }
  }
  return { copies, files, rows };
}

/** How the acknowledged events stand in the lake at one moment. */
export interface LakeCheck {
  files: number;
  rows: number;
  /** Acknowledged event_ids with no row. */
  missing: number;
  /** Acknowledged event_ids with more than one row. */
  duplicated: number;
  /** Rows whose event_id was never acknowledged (e.g. a request that timed out after it landed). */
  unacknowledged: number;
  missingSamples: string[];
}

async function checkLake(origin: string, acknowledged: Map<string, TableName>): Promise<LakeCheck> {
  const { copies, files, rows } = await lakeCopies(origin, new Set(acknowledged.values()));
  let missing = 0;
  let duplicated = 0;
  const missingSamples: string[] = [];
  for (const id of acknowledged.keys()) {
    const n = copies.get(id) ?? 0;
    if (n === 0) {
      missing++;
      if (missingSamples.length < 5) missingSamples.push(id);
    } else if (n > 1) duplicated++;
  }
  let unacknowledged = 0;
  for (const id of copies.keys()) if (!acknowledged.has(id)) unacknowledged++;
  return { files, rows, missing, duplicated, unacknowledged, missingSamples };
}

/** What the checks after a load run found. */
export interface ParityReport {
  acknowledged: number;
  acknowledgedPageViews: number;
  flushed: unknown;
  /** After the flush: every acknowledged event in the lake. */
  afterFlush: LakeCheck;
  /** The catalog's own parity (ingestion's accepted counts against the lake's distinct counts). */
  catalogParity: { ok: boolean; mismatches: number };
  compacted: { partitions: number; filesIn: number; filesOut: number; duplicatesRemoved: number };
  /** After compacting every partition: each acknowledged event exactly once. */
  afterCompaction: LakeCheck;
  /** The API's page view count over the run's pages and range, and what it must equal. */
  graphqlPageViews: number | null;
  graphqlErrors: unknown;
  ok: boolean;
}

/**
 * Flush, then the lake holds every acknowledged event; compaction of every partition leaves each
 * exactly once; GraphQL counts the run's page views once each.
 */
export async function checkParity(origin: string, run: LoadRun, log: (line: string) => void = () => {}): Promise<ParityReport> {
  const flushed = await admin(origin, "/admin/flush", { method: "POST" });
  log("flushed; reading every file of the run's tables through the S3 endpoint");
  const afterFlush = await checkLake(origin, run.acknowledged);
  const parity = (await admin(origin, "/catalog/parity")) as { ok: boolean; mismatches: number };
  const compacted = { partitions: 0, filesIn: 0, filesOut: 0, duplicatesRemoved: 0 };
  for (const table of new Set(run.acknowledged.values())) {
    const { partitions } = (await admin(origin, `/catalog/partitions?table=${table}`)) as { partitions: { partition: string }[] };
    // Oldest first: compaction deduplicates against the hour before (tests/at-least-once.test.ts).
    for (const { partition } of [...partitions].sort((a, b) => a.partition.localeCompare(b.partition))) {
      const result = (await admin(origin, "/compact", { method: "POST", body: JSON.stringify({ table, partition }) })) as { files_in: number; files_out: number; duplicates_removed: number };
      compacted.partitions++;
      compacted.filesIn += result.files_in;
      compacted.filesOut += result.files_out;
      compacted.duplicatesRemoved += result.duplicates_removed;
    }
  }
  log(`compacted ${compacted.partitions} partitions; reading the lake again`);
  const afterCompaction = await checkLake(origin, run.acknowledged);
  const pageViewTable = TABLE_BY_EVENT_TYPE.page_view;
  let acknowledgedPageViews = 0;
  for (const table of run.acknowledged.values()) if (table === pageViewTable) acknowledgedPageViews++;
  const range = { start: new Date(Date.parse(run.startedAt) - 3_600_000).toISOString(), end: new Date(Date.now() + 60_000).toISOString() };
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": READ_KEY },
    body: JSON.stringify({ query: pageViewCountQuery(run.runId, range.start, range.end) }),
  });
  const answer = (await response.json()) as { data?: { analytics?: { pageViews?: { view_count: number }[] } }; errors?: unknown };
  const graphqlPageViews = answer.data?.analytics?.pageViews?.[0]?.view_count ?? null;
  const ok =
    afterFlush.missing === 0 &&
    afterCompaction.missing === 0 &&
    afterCompaction.duplicated === 0 &&
    afterCompaction.unacknowledged === 0 &&
    parity.ok &&
    graphqlPageViews === acknowledgedPageViews &&
    answer.errors === undefined;
  return {
    acknowledged: run.acknowledged.size,
    acknowledgedPageViews,
    flushed,
    afterFlush,
    catalogParity: { ok: parity.ok, mismatches: parity.mismatches },
    compacted,
    afterCompaction,
    graphqlPageViews,
    graphqlErrors: answer.errors ?? null,
    ok,
  };
}

/**
 * A stack of its own for the load (fresh state folder, free port) whose ingestion config is a copy
 * of wrangler.jsonc with the per-key and per-IP rate limits raised: they exist to stop one
 * client's flood in production, and a load test is that flood on purpose. Everything else
 * (code, bindings, limits on bodies and batches) is the real configuration. The copy sits beside
 * the original (its paths are relative to it), gitignored, and is deleted when the stack stops
 * or this process exits.
 */
export async function startLoadStack(options: { port: number; stateDir: string; registryDir: string }): Promise<RunningStack> {
  const raw = (await readRawWranglerConfig(join(repoRoot, "wrangler.jsonc"))) as { ratelimits?: { simple: { limit: number } }[] };
  if (!Array.isArray(raw.ratelimits)) throw new Error("wrangler.jsonc has no ratelimits: update tests/support/load.ts");
  for (const limit of raw.ratelimits) limit.simple.limit = 1_000_000_000;
  const copy = join(repoRoot, `.load-wrangler-${process.pid}-${options.port}.jsonc`);
  writeFileSync(copy, `// Temporary copy of wrangler.jsonc with raised rate limits, written by tests/support/load.ts.\n${JSON.stringify(raw, null, 2)}\n`);
  const remove = () => rmSync(copy, { force: true });
  process.once("exit", remove);
  try {
    const stack = await startStack({ ...options, quiet: true, replaceConfigs: { "wrangler.jsonc": copy } });
    const stop = stack.stop;
    return { ...stack, stop: () => stop().finally(remove) };
  } catch (error) {
    remove();
    throw error;
  }
}
