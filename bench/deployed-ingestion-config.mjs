// Writes the wrangler config that deploys the ingestion Worker for a benchmark of a deployment
// (docs/benchmarks.md, "Measuring a deployment"): wrangler.jsonc's `env.production` (Pipelines
// sink, Analytics Engine hot store) under its own name on workers.dev, with the RATE_LIMITER limit
// raised exactly as the local benchmark raises it (1200 requests/min per key would answer most of
// a benchmark with 429). Everything else is the production configuration.
//
//   node bench/deployed-ingestion-config.mjs [name]     (default name: analytics-ingestion-bench)
//
// Output: `.bench-wrangler-deployed.jsonc` next to wrangler.jsonc (gitignored). It does not deploy.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { raiseRateLimits } from "./ingestion-throughput.mjs";
import { readRawWranglerConfig, repoRoot } from "./lib/wrangler-dev.mjs";

/** The Worker name the deployed benchmark copy gets unless one is given. */
export const DEFAULT_DEPLOYED_NAME = "analytics-ingestion-bench";

/**
 * Patches a raw wrangler.jsonc (in place) into the benchmark's deployable copy.
 * @param {Record<string, any>} raw
 * @param {string} name
 */
export function deployedIngestionConfig(raw, name) {
  const production = raw.env?.production;
  if (!production) throw new Error("wrangler.jsonc has no env.production: update bench/deployed-ingestion-config.mjs");
  production.name = name;
  // A public workers.dev URL, so the load generator reaches it without a route on a zone.
  production.workers_dev = true;
  delete production.routes;
  raiseRateLimits(production);
  return raw;
}

async function main(args) {
  const name = args[0] ?? DEFAULT_DEPLOYED_NAME;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) throw new Error(`"${name}" is not a Worker name (lowercase letters, digits, '-')`);
  const raw = deployedIngestionConfig(await readRawWranglerConfig(join(repoRoot, "wrangler.jsonc")), name);
  const path = join(repoRoot, ".bench-wrangler-deployed.jsonc");
  writeFileSync(path, `// Written by bench/deployed-ingestion-config.mjs from wrangler.jsonc (env.production, "${name}", rate limit raised). Gitignored.\n${JSON.stringify(raw, null, 2)}\n`);
  console.log(`wrote ${path}
next (on the account where infrastructure/setup-all.sh ran; docs/benchmarks.md, "Measuring a deployment"):
  npx wrangler deploy -c .bench-wrangler-deployed.jsonc --env production
  npx wrangler secret put API_KEYS -c .bench-wrangler-deployed.jsonc --env production      # e.g. {"<key>":"bench"}
  npx wrangler secret put ADMIN_API_KEY -c .bench-wrangler-deployed.jsonc --env production
  npx wrangler deploy -c bench/baseline-worker/wrangler.jsonc
  npx wrangler deploy -c bench/durable-baseline-worker/wrangler.jsonc`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
