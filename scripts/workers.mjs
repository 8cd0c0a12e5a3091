// The Workers of this repository and their configs: one list for type generation, bundling and
// the local stack. The local router and the example producer are local-only (never deployed).

/** @typedef {{ name: string, config: string, dir: string, deploy: boolean, env?: string }} WorkerSpec */

/** @type {WorkerSpec[]} */
export const WORKERS = [
  { name: "analytics-ingestion", config: "wrangler.jsonc", dir: "workers/ingestion", deploy: true, env: "production" },
  { name: "analytics-api", config: "wrangler-api.toml", dir: "workers/api", deploy: true },
  { name: "analytics-catalog", config: "wrangler-catalog.toml", dir: "workers/catalog", deploy: true },
  { name: "analytics-compaction", config: "wrangler-compaction.toml", dir: "workers/compaction", deploy: true },
  { name: "analytics-local", config: "workers/local-router/wrangler.jsonc", dir: "workers/local-router", deploy: false },
  { name: "example-producer", config: "examples/producer-worker/wrangler.jsonc", dir: "examples/producer-worker", deploy: false },
];

/** Cloudflare's Worker size limit on the Workers Paid plan, gzipped (NOTES.md). */
export const PAID_PLAN_GZIP_LIMIT_BYTES = 10 * 1024 * 1024;
