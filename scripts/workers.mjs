// The Workers of this repository and their configs: one list for type generation, bundling and
// the local stack. The local router, the S3 endpoint and the example producer are local-only
// (never deployed).

import { existsSync, lstatSync, symlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `sharesDevVars`: a local-only Worker whose config lives in its own folder but which needs the
 * stack's keys (wrangler reads .dev.vars beside each config): its .dev.vars links to the root's.
 * @typedef {{ name: string, config: string, dir: string, deploy: boolean, stack?: boolean, env?: string, sharesDevVars?: boolean }} WorkerSpec
 */

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
  // Local-only stand-ins where Cloudflare has no local simulation: Pipelines (ingestion's stream
  // bindings, the sink into R2) and Analytics Engine (ingestion's dataset binding, the SQL API).
  { name: "analytics-pipelines-local", config: "workers/pipelines-local/wrangler.jsonc", dir: "workers/pipelines-local", deploy: false, stack: true, sharesDevVars: true },
  { name: "analytics-engine-local", config: "workers/analytics-engine-local/wrangler.jsonc", dir: "workers/analytics-engine-local", deploy: false, stack: true, sharesDevVars: true },
  { name: "example-producer", config: "examples/producer-worker/wrangler.jsonc", dir: "examples/producer-worker", deploy: false },
];

/** Cloudflare's Worker size limit on the Workers Paid plan, gzipped (Cloudflare's Workers limits docs; README "Tests"). */
export const PAID_PLAN_GZIP_LIMIT_BYTES = 10 * 1024 * 1024;

/** The configs of the local stack's one `wrangler dev` process, router first. */
export const STACK_CONFIGS = WORKERS.filter((w) => w.stack).map((w) => w.config);

/** The four Workers the stack's `GET /health` must report as ok (the deployable ones). */
export const STACK_WORKERS = WORKERS.filter((w) => w.stack && w.deploy).map((w) => w.name);

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Links the .dev.vars of each Worker that shares the stack's keys to the repository's .dev.vars
 * (relative symlinks, gitignored like the file itself), so a developer's keys reach the stand-ins'
 * operator endpoints too. A .dev.vars of the developer's own in such a folder is left alone.
 * @returns {string[]} the links created
 */
export function linkSharedDevVars() {
  const created = [];
  for (const worker of WORKERS.filter((w) => w.sharesDevVars)) {
    const link = join(repoRoot, worker.dir, ".dev.vars");
    let present = existsSync(link);
    try {
      present ||= lstatSync(link).isSymbolicLink();
    } catch {
      // no file and no (dangling) link
    }
    if (present) continue;
    symlinkSync(relative(join(repoRoot, worker.dir), join(repoRoot, ".dev.vars")), link);
    created.push(link);
  }
  return created;
}
