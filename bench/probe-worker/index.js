// Probe Worker for `npm run bench -- ingestion-profile` (bench/ingestion-profile.mjs): the REAL
// ingestion HTTP app and Durable Objects (imported from workers/ingestion/src, nothing copied),
// served from a temporary copy of wrangler.jsonc whose `main` points here. Each request may name a
// variant in the `x-bench-variant` header, which swaps ONE stage for a stand-in through the same
// env bindings and vars the composition root (dependencies.ts) reads, so the throughput with and
// without a stage shows what that stage costs. It also defines two CANDIDATE Durable Objects
// (cheaper local stores) so a suggested change can be measured before anyone makes it.
// Benchmark-only: never deployed, never imported.
//
// Plain JS (not TypeScript): the root tsconfig type-checks bench/ without the Workers types.
import { ANALYTICS_ENGINE_LIMITS } from "@edge-analytics/event-schema";
import { DurableObject } from "cloudflare:workers";
import { AnalyticsEngineLimitError, assertWithinAnalyticsEngineLimits } from "../../workers/ingestion/src/durable-objects/analytics-engine-recorder.ts";
import { createHttpApp } from "../../workers/ingestion/src/http-app.ts";

export { AnalyticsEngineRecorder } from "../../workers/ingestion/src/durable-objects/analytics-engine-recorder.ts";
export { DeadLetterBox } from "../../workers/ingestion/src/durable-objects/dead-letter-box.ts";
export { EventIdLedger } from "../../workers/ingestion/src/durable-objects/event-id-ledger.ts";
export { LakeBuffer } from "../../workers/ingestion/src/durable-objects/lake-buffer.ts";

const app = createHttpApp();

/**
 * Candidate for the local Analytics Engine recorder: the same limits enforced, but each data point
 * stored as ONE JSON text (projected to blob/double columns when read) instead of 43 extracted
 * columns per row. Bound as PROBE_RECORDER in the probe's temporary config.
 */
export class ProbeJsonRecorder extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS data_points (dataset TEXT NOT NULL, timestamp_ms INTEGER NOT NULL, point TEXT NOT NULL)");
  }

  async writeDataPoints(dataset, points) {
    try {
      if (points.length > ANALYTICS_ENGINE_LIMITS.maxDataPointsPerInvocation) throw new AnalyticsEngineLimitError(`${points.length} data points`);
      points.forEach(assertWithinAnalyticsEngineLimits);
    } catch (error) {
      if (error instanceof AnalyticsEngineLimitError) return { refused: error.message };
      throw error;
    }
    this.ctx.storage.sql.exec(
      "INSERT INTO data_points (dataset, timestamp_ms, point) SELECT ?, ?, value FROM json_each(?)",
      dataset,
      Date.now(),
      JSON.stringify(points),
    );
    return { written: points.length };
  }
}

/**
 * Candidate for the local lake sink: ONE object and ONE call per request for every table, with the
 * event_id passed beside each record (no json_extract over the record). Bound as PROBE_LAKE.
 */
export class ProbeLakeAll extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS buffered_events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, event_id TEXT NOT NULL,
         buffered_at_ms INTEGER NOT NULL, record TEXT NOT NULL)`,
    );
  }

  /** @param {string} rowsJson JSON array of [table, event_id, record object] */
  async appendAll(rowsJson) {
    this.ctx.storage.sql.exec(
      "INSERT INTO buffered_events (table_name, event_id, buffered_at_ms, record) SELECT value ->> 0, value ->> 1, ?, value -> 2 FROM json_each(?)",
      Date.now(),
      rowsJson,
    );
  }

  /**
   * Cost estimate of a FUSED ledger + lake: look the ids up, remember the new ones and append the
   * records in ONE transaction of ONE call (dedup and durability in the same transaction need no
   * claim/commit phases). An estimate: it appends every record and only reports duplicates.
   * @param {string} rowsJson JSON array of [table, event_id, record object]
   */
  async appendAllDeduplicated(rowsJson) {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS event_ids (event_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL) WITHOUT ROWID");
      const duplicates = sql
        .exec("SELECT event_id FROM event_ids WHERE event_id IN (SELECT value ->> 1 FROM json_each(?))", rowsJson)
        .toArray()
        .map((row) => row.event_id);
      sql.exec("INSERT INTO event_ids (event_id, at_ms) SELECT value ->> 1, ? FROM json_each(?) WHERE true ON CONFLICT (event_id) DO NOTHING", now, rowsJson);
      sql.exec(
        "INSERT INTO buffered_events (table_name, event_id, buffered_at_ms, record) SELECT value ->> 0, value ->> 1, ?, value -> 2 FROM json_each(?)",
        now,
        rowsJson,
      );
      return duplicates;
    });
  }
}

const TABLE_OF_STREAM = {
  PIPELINE_PAGE_VIEWS: "page_views",
  PIPELINE_VIDEO_EVENTS: "video_events",
  PIPELINE_USER_ACTIONS: "user_actions",
  PIPELINE_API_REQUESTS: "api_requests",
  PIPELINE_USAGE_EVENTS: "usage_events",
  PIPELINE_CUSTOM_EVENTS: "custom_events",
};

/**
 * Stream bindings for ONE request that gather what the lake sink sends to the six streams (it
 * sends them all in the same tick) and write it with one ProbeLakeAll.appendAll call.
 */
function oneCallLakeStreams(namespace, method = "appendAll") {
  const stub = namespace.get(namespace.idFromName("all-tables"));
  const rows = [];
  let flush;
  const stream = (table) => ({
    send(records) {
      for (const record of records) rows.push([table, record.event_id, record]);
      flush ??= Promise.resolve().then(() => stub[method](JSON.stringify(rows)));
      return flush;
    },
  });
  return Object.fromEntries(Object.entries(TABLE_OF_STREAM).map(([binding, table]) => [binding, stream(table)]));
}

/** A ledger that knows nothing: every id is new, commits are free. */
const freeLedgerNamespace = {
  idFromName: (name) => name,
  get: () => ({
    claim: async (ids) => ({ claimed: ids, duplicates: [], inFlight: [] }),
    commit: async () => {},
    release: async () => {},
  }),
};

/** Pipelines stream bindings that accept and drop (what miniflare's Pipelines binding does). */
const droppingStreams = Object.fromEntries(
  ["PAGE_VIEWS", "VIDEO_EVENTS", "USER_ACTIONS", "API_REQUESTS", "USAGE_EVENTS", "CUSTOM_EVENTS"].map((t) => [`PIPELINE_${t}`, { send: async () => {} }]),
);

/** All six tables in ONE LakeBuffer object (still one append call per table). */
function oneLakeObject(namespace) {
  return { idFromName: () => namespace.idFromName("all-tables"), get: (id) => namespace.get(id) };
}

/**
 * Variant name -> env as the app sees it. Names are listed in bench/ingestion-profile.mjs.
 * @type {Record<string, (env: any) => any>}
 */
const VARIANTS = {
  // Unchanged: must measure like the ingestion Worker itself.
  real: (env) => env,
  // The production hot store (Analytics Engine binding; writeDataPoint is a no-op in miniflare)
  // instead of the local recorder Durable Object.
  "hot-store:analytics-engine-binding": (env) => ({ ...env, HOT_STORE: "analytics-engine" }),
  // Lake sink that drops records (the Pipelines sink against no-op streams) instead of LakeBuffer.
  "lake:dropped": (env) => ({ ...env, LAKE_SINK: "pipelines", ...droppingStreams }),
  // LakeBuffer, but one object for every table instead of one per table.
  "lake:one-object": (env) => ({ ...env, LAKE_BUFFER: oneLakeObject(env.LAKE_BUFFER) }),
  // No idempotency ledger (every event is new; nothing is stored).
  "ledger:none": (env) => ({ ...env, EVENT_LEDGER: freeLedgerNamespace }),
  // Candidate: the AE recorder storing one JSON text per data point (ProbeJsonRecorder).
  "hot-store:json-rows": (env) => ({ ...env, AE_RECORDER: env.PROBE_RECORDER }),
  // Candidate: every table in one call to one object (ProbeLakeAll), through the Pipelines sink's
  // per-table sends (that sink also stringifies each record once to size its chunks).
  "lake:one-call": (env) => ({ ...env, LAKE_SINK: "pipelines", ...oneCallLakeStreams(env.PROBE_LAKE) }),
  // Both candidates together.
  "candidates:json-rows+one-call": (env) => ({ ...env, AE_RECORDER: env.PROBE_RECORDER, LAKE_SINK: "pipelines", ...oneCallLakeStreams(env.PROBE_LAKE) }),
  // Cost estimate: ledger and lake fused into one call and one transaction (ProbeLakeAll).
  "fused:ledger+lake": (env) => ({ ...env, EVENT_LEDGER: freeLedgerNamespace, LAKE_SINK: "pipelines", ...oneCallLakeStreams(env.PROBE_LAKE, "appendAllDeduplicated") }),
  // The fused estimate plus the JSON-rows recorder.
  "fused+json-rows": (env) => ({
    ...env,
    EVENT_LEDGER: freeLedgerNamespace,
    LAKE_SINK: "pipelines",
    ...oneCallLakeStreams(env.PROBE_LAKE, "appendAllDeduplicated"),
    AE_RECORDER: env.PROBE_RECORDER,
  }),
  // No Durable Object at all: auth, rate limit, parse, validate, enrich and map only.
  "storage:none": (env) => ({ ...env, EVENT_LEDGER: freeLedgerNamespace, LAKE_SINK: "pipelines", ...droppingStreams, HOT_STORE: "analytics-engine" }),
};

export default {
  fetch(request, env, ctx) {
    const name = request.headers.get("x-bench-variant") ?? "real";
    const variant = VARIANTS[name];
    if (!variant) return Response.json({ error: `unknown variant ${name}; one of ${Object.keys(VARIANTS).join(", ")}` }, { status: 400 });
    return app.fetch(request, variant(env), ctx);
  },
};
