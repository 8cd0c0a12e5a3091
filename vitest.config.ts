import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { defineConfig } from "vitest/config";
import { blockingBuildAlias } from "./packages/query-engine/src/workerd-fixes.ts";

/** Keys the Worker tests use: the local keys (every kind, README "Keys") plus ones reserved for the rate-limit, SQL and lake tests. */
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

const AUX_BUNDLES = "node_modules/.cache/edge-analytics";

/** An auxiliary Worker's modules: the bundle first (the main module), then any compiled wasm it imports. */
type AuxModules = { type: "ESModule" | "CompiledWasm"; path: string }[];

/**
 * Bundles a Worker for use as an auxiliary Worker of a pool (they must be plain JS), rebuilt on
 * every run like wrangler would. A `.wasm` import (the zstd encoder) stays a module import, of a
 * copy beside the bundle, which the pool loads as a compiled module.
 */
function bundleAuxWorker(entry: string, name: string): AuxModules {
  const outfile = join(AUX_BUNDLES, `${name}.mjs`);
  mkdirSync(AUX_BUNDLES, { recursive: true });
  const wasmImports = new Map<string, string>();
  const result = buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "*.wasm"],
    logLevel: "error",
  });
  let code = result.outputFiles[0]?.text ?? "";
  code = code.replace(/from "([^"]+\.wasm)"/g, (_match, specifier: string) => {
    const local = `./${name}-${wasmImports.size}.wasm`;
    wasmImports.set(local, createRequire(fileURLToPath(import.meta.url)).resolve(specifier));
    return `from "${local}"`;
  });
  for (const [local, source] of wasmImports) copyFileSync(source, join(dirname(outfile), local));
  writeFileSync(outfile, code);
  return [{ type: "ESModule", path: outfile }, ...[...wasmImports.keys()].map((local) => ({ type: "CompiledWasm" as const, path: join(dirname(outfile), local) }))];
}

/**
 * The catalog Worker, bundled for the ingestion and lake tests: sinks register every file they
 * write there over RPC, so the tests run against the real catalog.
 */
const CATALOG_MODULES = bundleAuxWorker("workers/catalog/src/index.ts", "analytics-catalog");

/** The catalog Worker as an auxiliary Worker of a pool (as in wrangler-catalog.toml). */
const CATALOG_AUX_WORKER = {
  name: "analytics-catalog",
  modules: CATALOG_MODULES,
  modulesRoot: AUX_BUNDLES,
  compatibilityDate: "2026-11-01",
  durableObjects: { CATALOG_STORE: { className: "LakeCatalog", useSQLite: true } },
  r2Buckets: { SOURCE_BUCKET: "analytics-source", PROCESSED_BUCKET: "analytics-processed", CATALOG_BUCKET: "analytics-catalog" },
  bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key", COST_RATE_WINDOW_HOURS: "24" },
};

/**
 * The local Pipelines stand-in (workers/pipelines-local/wrangler.jsonc) as an auxiliary Worker:
 * ingestion's stream bindings reach its PipelineStream entrypoint, as in the stack.
 */
const PIPELINES_AUX_WORKER = {
  name: "analytics-pipelines-local",
  modules: bundleAuxWorker("workers/pipelines-local/src/index.ts", "analytics-pipelines-local"),
  modulesRoot: AUX_BUNDLES,
  compatibilityDate: "2026-11-01",
  durableObjects: { STREAM_BUFFER: { className: "StreamBuffer", useSQLite: true } },
  r2Buckets: { SOURCE_BUCKET: "analytics-source" },
  serviceBindings: { CATALOG: "analytics-catalog" },
  bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key", LAKE_ROLL_INTERVAL_SECONDS: "300", LAKE_ROLL_MAX_ROWS: "25000" },
};

/** The local Analytics Engine stand-in (workers/analytics-engine-local/wrangler.jsonc) as an auxiliary Worker. */
const ANALYTICS_ENGINE_AUX_WORKER = {
  name: "analytics-engine-local",
  modules: bundleAuxWorker("workers/analytics-engine-local/src/index.ts", "analytics-engine-local"),
  modulesRoot: AUX_BUNDLES,
  compatibilityDate: "2026-11-01",
  durableObjects: { AE_RECORDER: { className: "AnalyticsEngineRecorder", useSQLite: true } },
  bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" },
};

/** Answers every request with 503: the AE_SQL service of the API Worker's pool (see the api project). */
const AE_SQL_UNAVAILABLE_WORKER = {
  name: "analytics-engine-local",
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
          include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              // Interval 0: each request's accepted counts reach the project's counter at once.
              bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key", ACCEPTED_COUNTS_INTERVAL_MS: "0" },
              // PIPELINES_LOCAL / AE_LOCAL: the stand-ins' default entrypoints, whose RPC lets tests read what they hold.
              serviceBindings: { PRODUCER: "producer", PIPELINES_LOCAL: "analytics-pipelines-local", AE_LOCAL: "analytics-engine-local" },
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
                PIPELINES_AUX_WORKER,
                ANALYTICS_ENGINE_AUX_WORKER,
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
        // The local Pipelines stand-in against its real wrangler.jsonc, with the real catalog beside it.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/pipelines-local/wrangler.jsonc" },
            miniflare: {
              bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" },
              workers: [CATALOG_AUX_WORKER],
            },
          }),
        ],
        test: {
          name: "pipelines-local",
          include: ["workers/pipelines-local/test/**/*.test.ts"],
        },
      },
      {
        // The local Analytics Engine stand-in against its real wrangler.jsonc.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/analytics-engine-local/wrangler.jsonc" },
            miniflare: { bindings: { API_KEYS: TEST_API_KEYS, ADMIN_API_KEY: "local-admin-key" } },
          }),
        ],
        test: {
          name: "analytics-engine-local",
          include: ["workers/analytics-engine-local/test/**/*.test.ts"],
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
              // (the local Analytics Engine stand-in's SQL API); workerd refuses to start with a
              // binding to a missing service, so AE_SQL gets a Worker that answers 503.
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
        // What `wrangler deploy --dry-run --env production` bundles and binds for ingestion (Node:
        // wrangler runs there): no local stand-in's code or binding.
        test: {
          name: "production-bundle",
          include: ["workers/ingestion/test-node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
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
