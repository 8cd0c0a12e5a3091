// The Workers of this repository and their configs: one list for type generation, bundling and
// the local stack. The local router, the S3 endpoint and the example producer are local-only
// (never deployed).

/** @typedef {{ name: string, config: string, dir: string, deploy: boolean, stack?: boolean, env?: string }} WorkerSpec */

/** @type {WorkerSpec[]} */
export const WORKERS = [
  // The router comes first: in a multi-config `wrangler dev`, only the first config gets the port.
  { name: "analytics-local", config: "workers/local-router/wrangler.jsonc", dir: "workers/local-router", deploy: false, stack: true },
  { name: "analytics-ingestion", config: "wrangler.jsonc", dir: "workers/ingestion", deploy: true, env: "production", stack: true },
  { name: "analytics-api", config: "wrangler-api.toml", dir: "workers/api", deploy: true, stack: true },
  { name: "analytics-catalog", config: "wrangler-catalog.toml", dir: "workers/catalog", deploy: true, stack: true },
  { name: "analytics-compaction", config: "wrangler-compaction.toml", dir: "workers/compaction", deploy: true, stack: true },
  // Local-only S3-compatible endpoint over the stack's R2 buckets (DuckDB httpfs, dbt-duckdb): in
  // the stack's process so it shares its R2 state; reached through the router.
  { name: "analytics-s3-local", config: "workers/s3-local/wrangler.jsonc", dir: "workers/s3-local", deploy: false, stack: true },
  { name: "example-producer", config: "examples/producer-worker/wrangler.jsonc", dir: "examples/producer-worker", deploy: false },
];

/** Cloudflare's Worker size limit on the Workers Paid plan, gzipped (NOTES.md). */
export const PAID_PLAN_GZIP_LIMIT_BYTES = 10 * 1024 * 1024;

/** The configs of the local stack's one `wrangler dev` process, router first. */
export const STACK_CONFIGS = WORKERS.filter((w) => w.stack).map((w) => w.config);

/** The four Workers the stack's `GET /health` must report as ok (the deployable ones). */
export const STACK_WORKERS = WORKERS.filter((w) => w.stack && w.deploy).map((w) => w.name);
