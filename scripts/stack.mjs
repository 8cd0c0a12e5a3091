#!/usr/bin/env node
// `npm start` after setup (scripts/dev.mjs runs this under the pinned Node 22): the whole platform
// on one local origin, with persisted state and a month of demo traffic loaded once (so the
// dashboard at / opens full; scripts/demo-traffic.mjs). Foreground
// until Ctrl-C. STACK_PORT and STACK_STATE_DIR override the port (8787) and the state folder
// (.wrangler/state at the repository root, where README "Quick start" says local state lives).
import { join, resolve } from "node:path";
import { loadDemoTrafficOnce } from "./demo-traffic.mjs";
import { repoRoot, startStack } from "./local-stack.mjs";
import { whenParentExits } from "./parent-watch.mjs";

const AE_SQL_PATH = "/client/v4/accounts/local/analytics_engine/sql";

function log(message) {
  process.stdout.write(`\x1b[36m[stack]\x1b[0m ${message}\n`);
}

function portFromEnv() {
  const raw = process.env.STACK_PORT;
  if (!raw) return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`STACK_PORT must be a TCP port, got "${raw}"`);
  return port;
}

async function main() {
  const port = portFromEnv();
  const stateDir = process.env.STACK_STATE_DIR ? resolve(process.env.STACK_STATE_DIR) : join(repoRoot, ".wrangler", "state");
  // Ctrl-C (or the SIGINT/SIGTERM scripts/dev.mjs forwards) stops wrangler cleanly. Wrangler runs
  // in its own process group, so the terminal's Ctrl-C reaches only us: during start-up, exiting
  // runs local-stack's exit hook, which terminates wrangler's group (and were we killed outright,
  // the group's watchdog would: scripts/wrangler-watchdog.mjs).
  let stack;
  let shuttingDown = false;
  const shutdown = async (reason, exitCode) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (!stack) process.exit(exitCode || 130);
    log(`${reason}: stopping`);
    await stack.stop();
    log("stopped");
    process.exit(exitCode);
  };
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  // scripts/dev.mjs (`npm start`'s node) killed outright (SIGKILL) forwards nothing: stop as on
  // Ctrl-C. Were this process killed outright instead, wrangler's watchdog stops wrangler
  // (scripts/wrangler-watchdog.mjs).
  whenParentExits((parent) => void shutdown(`the launcher (pid ${parent}) exited`, 1));

  stack = await startStack({ port, stateDir, log });
  stack.exited.then((how) => {
    if (!shuttingDown) {
      process.stderr.write(`[stack] wrangler exited unexpectedly (${how}).\n--- wrangler output ---\n${stack.output()}\n`);
      void shutdown("wrangler exited", 1);
    }
  });

  try {
    const demo = await loadDemoTrafficOnce({ origin: stack.origin, stateDir: stack.stateDir, days: 30, log });
    if (demo.skipped) {
      log(`demo data already loaded on ${demo.previous.loaded_at} (${demo.previous.events} events); delete ${demo.marker} to load it again`);
    } else {
      log(
        `demo data loaded: ${demo.events} events (${demo.accepted} accepted, ${demo.duplicates} duplicates) ` +
          `from ${demo.first_timestamp} to ${demo.last_timestamp}; marker ${demo.marker}`,
      );
    }
  } catch (error) {
    process.stderr.write(`[stack] loading the demo data failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown("demo data failed", 1);
    return;
  }

  const { origin } = stack;
  const lines = [
    "",
    `The platform runs on ${origin} (state in ${stack.stateDir})`,
    `  health         GET  ${origin}/health`,
    `  ingestion      POST ${origin}/events              X-API-Key: local-dev-key`,
    `  Segment API    POST ${origin}/v1/batch|track|page|screen|identify|group|alias   Basic auth, write key as user name (docs/segment.md)`,
    `  tracker        <script defer data-key="local-pub-key" src="${origin}/tracker.js"></script>`,
    `  GraphQL        POST ${origin}/graphql             X-API-Key: local-read-key (or local-dev-key)`,
    `  dashboard      GET  ${origin}/`,
    `  catalog        GET  ${origin}/catalog/tables      X-API-Key: local-admin-key`,
    `  storage costs  GET  ${origin}/catalog/costs       X-API-Key: local-admin-key`,
    `  flush to lake  POST ${origin}/admin/flush         X-API-Key: local-admin-key`,
    `  compaction     POST ${origin}/compact             X-API-Key: local-admin-key`,
    `  AE SQL         POST ${origin}${AE_SQL_PATH}   Authorization: Bearer local-admin-key`,
    `  S3 (DuckDB)         ${origin}/<bucket>/<key>    SigV4 local-dev-access-key / local-dev-secret-key, path style (workers/s3-local/README.md)`,
    "Keys: local-dev-key (secret, project local), local-pub-key (publishable: send only, from localhost/127.0.0.1 pages),",
    "      local-read-key (read: query only), other-dev-key (secret, project other), local-admin-key (operator).",
    "A Worker of your own binds to service `analytics-ingestion` (examples/producer-worker/README.md).",
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error) => {
  process.stderr.write(`[stack] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
