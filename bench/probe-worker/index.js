// Probe Worker for `npm run bench -- ingestion-profile` (bench/ingestion-profile.mjs): the REAL
// ingestion HTTP app and Durable Objects (imported from workers/ingestion/src, nothing copied),
// served from a temporary copy of wrangler.jsonc whose `main` points here, beside the same peers
// as the ingestion Worker (catalog, Pipelines and Analytics Engine stand-ins). Each request may
// name a variant in the `x-bench-variant` header, which replaces ONE group of bindings the
// composition root (dependencies.ts) reads with in-isolate objects of the same shape that drop
// what they get, so the throughput with and without a stage shows what that stage costs.
// Benchmark-only: never deployed, never imported.
//
// Plain JS (not TypeScript): the root tsconfig type-checks bench/ without the Workers types.
import { createHttpApp } from "../../workers/ingestion/src/http-app.ts";

// Every Durable Object class the ingestion Worker exports (its default export stays its own):
// the probe runs with a copy of wrangler.jsonc, which binds them all.
export * from "../../workers/ingestion/src/index.ts";

const app = createHttpApp();

/**
 * Pipelines stream bindings that accept and drop, in the isolate (what miniflare's own Pipelines
 * binding does): no call crosses to the stand-in Worker.
 */
const droppingStreams = Object.fromEntries(
  ["PAGE_VIEWS", "VIDEO_EVENTS", "USER_ACTIONS", "API_REQUESTS", "USAGE_EVENTS", "CUSTOM_EVENTS"].map((t) => [`PIPELINE_${t}`, { send: async () => {} }]),
);

/** An Analytics Engine dataset binding that drops, in the isolate (Cloudflare's shape: no `fetch`). */
const droppingDataset = { ANALYTICS_ENGINE: { writeDataPoint: () => {} } };

/** A counter namespace whose objects drop what they are given. */
const droppingCounters = { ACCEPTED_COUNTS: { idFromName: (/** @type {string} */ name) => name, get: () => ({ add: async () => {} }) } };

/**
 * Variant name -> env as the app sees it. Names and descriptions are listed in
 * bench/ingestion-profile.mjs (PROBE_VARIANTS).
 * @type {Record<string, (env: any) => any>}
 */
const VARIANTS = {
  // Unchanged: must measure like the ingestion Worker itself.
  real: (env) => env,
  // No call to the Analytics Engine stand-in: its RPC and recorder write.
  "hot-store:none": (env) => ({ ...env, ...droppingDataset }),
  // No call to the Pipelines stand-in: the six streams' RPCs and the buffer's write.
  "streams:none": (env) => ({ ...env, ...droppingStreams }),
  // No cross-Worker call and no Durable Object at all: auth, rate limit, parse, validate, enrich,
  // map and serialise only.
  "storage:none": (env) => ({ ...env, ...droppingStreams, ...droppingDataset, ...droppingCounters }),
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
