// Probe Worker for `npm run bench -- ingestion-profile` (bench/ingestion-profile.mjs): the REAL
// ingestion HTTP app and Durable Objects (imported from workers/ingestion/src, nothing copied),
// served from a temporary copy of wrangler.jsonc whose `main` points here. Each request may name a
// variant in the `x-bench-variant` header, which changes ONE thing through the same env vars and
// bindings the composition root (dependencies.ts) reads, so the throughput with and without a
// stage shows what that stage costs. Benchmark-only: never deployed, never imported.
//
// Plain JS (not TypeScript): the root tsconfig type-checks bench/ without the Workers types.
import { createHttpApp } from "../../workers/ingestion/src/http-app.ts";

// Every Durable Object class the ingestion Worker exports (its default export stays its own):
// the probe runs with a copy of wrangler.jsonc, which binds them all.
export * from "../../workers/ingestion/src/index.ts";

const app = createHttpApp();

/** A ledger namespace that knows nothing: every id is new, commits are free (no Durable Object). */
const freeLedgerNamespace = {
  idFromName: (/** @type {string} */ name) => name,
  get: () => ({
    claim: async (/** @type {string[]} */ ids) => ({ claimed: ids, duplicates: [], inFlight: [], claimId: 1 }),
    commit: async () => {},
    release: async () => {},
  }),
};

/**
 * Pipelines stream bindings that accept and drop (what miniflare's Pipelines binding does; the
 * local config has none). The Pipelines sink still stringifies each record once to size its
 * chunks, about what the journal adapter's JSON.stringify of the batch costs.
 */
const droppingStreams = Object.fromEntries(
  ["PAGE_VIEWS", "VIDEO_EVENTS", "USER_ACTIONS", "API_REQUESTS", "USAGE_EVENTS", "CUSTOM_EVENTS"].map((t) => [`PIPELINE_${t}`, { send: async () => {} }]),
);

/**
 * Variant name -> env as the app sees it. Names and descriptions are listed in
 * bench/ingestion-profile.mjs (PROBE_VARIANTS).
 * @type {Record<string, (env: any) => any>}
 */
const VARIANTS = {
  // Unchanged: must measure like the ingestion Worker itself.
  real: (env) => env,
  // Production's hot store: the Analytics Engine binding (writeDataPoint, a no-op in miniflare)
  // instead of the local writer (limit checks, JSON text) + AnalyticsEngineRecorder call.
  "hot-store:analytics-engine": (env) => ({ ...env, HOT_STORE: "analytics-engine" }),
  // No EventJournal call: the Pipelines path with a ledger that accepts every id and streams that drop.
  "journal:none": (env) => ({ ...env, LAKE_SINK: "pipelines", EVENT_LEDGER: freeLedgerNamespace, ...droppingStreams }),
  // Production's code path with local stand-ins: the REAL EventIdLedger Durable Object (claim +
  // commit), Pipelines streams that drop, and the Analytics Engine binding.
  "production-path": (env) => ({ ...env, LAKE_SINK: "pipelines", HOT_STORE: "analytics-engine", ...droppingStreams }),
  // No Durable Object at all: auth, rate limit, parse, validate, enrich, map and serialise only.
  "storage:none": (env) => ({ ...env, LAKE_SINK: "pipelines", EVENT_LEDGER: freeLedgerNamespace, ...droppingStreams, HOT_STORE: "analytics-engine" }),
};

export default {
  /**
   * @param {Request} request
   * @param {any} env
   * @param {any} ctx
   */
  fetch(request, env, ctx) {
    const name = request.headers.get("x-bench-variant") ?? "real";
    const variant = VARIANTS[name];
    if (!variant) return Response.json({ error: `unknown variant ${name}; one of ${Object.keys(VARIANTS).join(", ")}` }, { status: 400 });
    return app.fetch(request, variant(env), ctx);
  },
};
