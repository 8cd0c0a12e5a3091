import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { defineConfig } from "vitest/config";
import { blockingBuildAlias } from "./packages/query-engine/src/workerd-fixes.ts";

/** Keys the Worker tests use: the CONTRACT keys (every kind) plus ones reserved for the rate-limit, SQL and lake tests. */
const TEST_API_KEYS = JSON.stringify({
  "local-dev-key": "local",
  "other-dev-key": "other",
  "rate-limit-test-key": "ratelimited",
  "sql-test-key": "sqltest",
  "lake-test-key": "laketest",
  "local-pub-key": { project: "local", kind: "publishable", origins: ["http://localhost:*", "http://127.0.0.1:*"] },
  "local-read-key": { project: "local", kind: "read" },
  "ip-limit-pub-key": { project: "iplimited", kind: "publishable" },
});

// The producer Worker that calls ingestion through a service binding, as a user's Worker would.
// Auxiliary Workers in the pool must be plain JS modules (the pool does not bundle them).
const PRODUCER_WORKER = /* js */ `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = await request.json();
    if (url.pathname === "/via-fetch") {
      return env.ANALYTICS.fetch("https://internal/events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    }
    if (url.pathname === "/via-rpc-event") return Response.json(await env.ANALYTICS.ingestEvent(body));
    if (url.pathname === "/via-rpc-batch") return Response.json(await env.ANALYTICS.ingestBatch(body.events));
    return new Response("not found", { status: 404 });
  },
};`;

/**
 * The catalog Worker, bundled for the ingestion tests: the sink registers every file it writes
 * there over RPC, so the lake tests run against the real catalog (auxiliary Workers in the pool
 * must be plain JS). Rebuilt on every run, like wrangler would.
 */
const CATALOG_BUNDLE = "node_modules/.cache/edge-analytics/analytics-catalog.mjs";
buildSync({
  entryPoints: ["workers/catalog/src/index.ts"],
  outfile: CATALOG_BUNDLE,
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*"],
  logLevel: "error",
});

/** The catalog Worker as an auxiliary Worker of a pool (as in wrangler-catalog.toml). */
const CATALOG_AUX_WORKER = {
  name: "analytics-catalog",
  modules: true,
  scriptPath: CATALOG_BUNDLE,
  compatibilityDate: "2026-11-01",
  durableObjects: { CATALOG_STORE: { className: "LakeCatalog", useSQLite: true } },
  r2Buckets: { SOURCE_BUCKET: "analytics-source", PROCESSED_BUCKET: "analytics-processed", CATALOG_BUCKET: "analytics-catalog" },
  bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key", COST_RATE_WINDOW_HOURS: "24" },
};

/** Answers every request with 503: the AE_SQL service of the API Worker's pool (see the api project). */
const AE_SQL_UNAVAILABLE_WORKER = {
  name: "analytics-ingestion",
  modules: true,
  script: /* js */ `export default { fetch: () => Response.json({ errors: [{ message: "no Analytics Engine SQL in this test pool" }] }, { status: 503 }) };`,
  compatibilityDate: "2026-11-01",
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" },
              serviceBindings: { PRODUCER: "producer" },
              workers: [
                {
                  name: "producer",
                  modules: true,
                  script: PRODUCER_WORKER,
                  compatibilityDate: "2026-11-01",
                  // The pool renames the Worker under test to its runner ("vitest-plugin-runner-<project>").
                  serviceBindings: { ANALYTICS: "vitest-plugin-runner-ingestion" },
                },
                CATALOG_AUX_WORKER,
              ],
            },
          }),
        ],
        test: {
          name: "ingestion",
          include: ["workers/ingestion/test/**/*.test.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler-catalog.toml" },
            miniflare: { bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" } },
          }),
        ],
        test: {
          name: "catalog",
          include: ["workers/catalog/test/**/*.test.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler-compaction.toml" },
            miniflare: {
              bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" },
              workers: [CATALOG_AUX_WORKER],
            },
          }),
        ],
        test: {
          name: "compaction",
          include: ["workers/compaction/test/**/*.test.ts"],
        },
      },
      {
        // The API Worker against its real wrangler-api.toml (R2 buckets of the lake). Its engine
        // tests instantiate DuckDB-WASM in workerd: wrangler's `[alias]` for the blocking build is
        // not applied by the pool, so it is repeated here; the 34 MB duckdb-eh.wasm is
        // imported from the hoisted node_modules, which needs this project's root at the monorepo root.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler-api.toml" },
            miniflare: {
              // A small read budget, so a test can ask a question over it.
              bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key", QUERY_MAX_ROWS: "5000" },
              // wrangler-api.toml binds CATALOG (the real catalog Worker, bundled above) and AE_SQL
              // (the ingestion Worker's Analytics Engine SQL stand-in); workerd refuses to start with
              // a binding to a missing service, so AE_SQL gets a stand-in that answers 503.
              workers: [CATALOG_AUX_WORKER, AE_SQL_UNAVAILABLE_WORKER],
            },
          }),
        ],
        resolve: { alias: blockingBuildAlias(fileURLToPath(new URL(".", import.meta.url))) },
        test: {
          name: "api",
          include: ["workers/api/test/**/*.test.ts"],
          // Importing the wasm takes ~20 s (measured); instantiating DuckDB ~0.5 s per isolate.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The local S3 endpoint against its real wrangler.jsonc (R2 buckets, local credentials).
        plugins: [cloudflareTest({ wrangler: { configPath: "./workers/s3-local/wrangler.jsonc" } })],
        test: {
          name: "s3-local",
          include: ["workers/s3-local/test/**/*.test.ts"],
        },
      },
      {
        // The Analytics Engine SQL stand-in (packages/ae-sql) on workerd's SQLite, whose limits
        // differ from node:sqlite's (expression depth 100): the acceptance corpus through a
        // test-only Durable Object with the recorder's table. No wrangler config: it never deploys.
        plugins: [
          cloudflareTest({
            main: "./packages/ae-sql/test-workerd/worker.ts",
            miniflare: {
              compatibilityDate: "2026-11-01",
              durableObjects: { AE_SQL_CORPUS_STORE: { className: "AeSqlCorpusStore", useSQLite: true } },
            },
          }),
        ],
        test: {
          name: "ae-sql-workerd",
          include: ["packages/ae-sql/test-workerd/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/global-setup.ts"],
          // One stack for every file: compaction deletes raw files that dbt may be reading, and
          // several files count one project's events, so the files run one after the other.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
