// Starts and stops the local stack: ONE `wrangler dev` process running the local router (first,
// so it gets the HTTP port), the four Workers and the local-only Workers (the S3 endpoint and the
// Pipelines and Analytics Engine stand-ins), sharing one persisted state folder.
//
// Why one process: all four Workers must see the same local R2 and Durable Object state, and two
// workerd processes on one state folder fail with `SQLITE_BUSY database is locked` (README
// "Architecture"). Used by `npm start` (scripts/stack.mjs), the cross-Worker tests
// (tests/global-setup.ts) and the benchmarks. Plain ESM on node: built-ins only, so it runs before anything is built.
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { pinnedNode, repoRoot, spawnWranglerDev, wranglerCli } from "./wrangler-process.mjs";
import { linkSharedDevVars, STACK_CONFIGS, STACK_WORKERS } from "./workers.mjs";

// Part of this module's API since before wrangler-process.mjs existed.
export { freePort, repoRoot } from "./wrangler-process.mjs";

export { STACK_CONFIGS, STACK_WORKERS };

const DEFAULT_PORT = 8787;
const DEFAULT_START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES_KEPT = 200;

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function assertPortFree(port) {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", (error) => {
      const inUse = error && typeof error === "object" && "code" in error && error.code === "EADDRINUSE";
      fail(inUse ? new Error(`port ${port} on 127.0.0.1 is in use: is a stack already running? (choose another with STACK_PORT)`) : error);
    });
    server.listen(port, "127.0.0.1", () => server.close(() => done()));
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error && typeof error === "object" && "code" in error && error.code === "EPERM";
  }
}

/**
 * One stack per state folder: a second workerd on the same SQLite files crashes with SQLITE_BUSY
 * long after start-up, so refuse early with a message that says which process holds it.
 */
function claimStateDir(stateDir, port) {
  mkdirSync(stateDir, { recursive: true });
  const lockFile = join(stateDir, "stack.lock.json");
  if (existsSync(lockFile)) {
    try {
      const holder = JSON.parse(readFileSync(lockFile, "utf8"));
      if (typeof holder.pid === "number" && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new Error(
          `${stateDir} is in use by another stack (pid ${holder.pid}, port ${holder.port}); stop it first, or use another STACK_STATE_DIR`,
        );
      }
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  writeFileSync(lockFile, `${JSON.stringify({ pid: process.pid, port, started_at: new Date().toISOString() })}\n`);
  return () => rmSync(lockFile, { force: true });
}

/** `wrangler dev` reads each Worker's local secrets (the local keys, README "Keys") from .dev.vars beside its config. */
function ensureDevVars(log) {
  const target = join(repoRoot, ".dev.vars");
  if (!existsSync(target)) {
    copyFileSync(join(repoRoot, ".dev.vars.example"), target);
    log("created .dev.vars from .dev.vars.example (local development keys)");
  }
  linkSharedDevVars();
}

// Offline, miniflare warns with a stack trace each start that it could not fetch `Request.cf`
// and uses a placeholder `cf`: harmless, so the echo says so once instead.
const CF_WARNING = /Unable to fetch the `Request\.cf` object/;
const CF_WARNING_DETAIL = /^\s*(Error: getaddrinfo \w+ workers\.cloudflare\.com|at )/;

/** Keeps the last lines of wrangler's output for error messages, and echoes them unless quiet. */
function outputCollector(quiet) {
  const lines = [];
  let partial = "";
  let inCfWarning = false;
  let cfWarningShown = false;
  const echo = (line) => {
    if (CF_WARNING.test(line)) {
      inCfWarning = true;
      if (!cfWarningShown) process.stdout.write("\x1b[2m[wrangler]\x1b[0m offline: using a placeholder Request.cf object (harmless)\n");
      cfWarningShown = true;
      return;
    }
    if (inCfWarning && CF_WARNING_DETAIL.test(line)) return;
    inCfWarning = false;
    if (line.trim()) process.stdout.write(`\x1b[2m[wrangler]\x1b[0m ${line}\n`);
  };
  const push = (chunk) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split(/\r?\n/);
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
      if (!quiet) echo(line);
    }
  };
  const text = () => [...lines, partial].join("\n").trim();
  return { push, text };
}

/**
 * Polls `GET <origin>/health` until it answers 200, the process exits, or `timeoutMs` passes.
 * Resolves with the health body; rejects with the last answer (or connection error) in the message.
 */
export async function waitForHealth(origin, { timeoutMs = DEFAULT_START_TIMEOUT_MS, exited, describeOutput = () => "" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  let exitInfo;
  exited?.then((info) => {
    exitInfo = info;
  });
  while (Date.now() < deadline) {
    if (exitInfo) {
      throw new Error(`wrangler exited (${exitInfo}) before ${origin}/health answered 200.\n--- wrangler output ---\n${describeOutput() || "(none)"}`);
    }
    try {
      const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(10_000) });
      const body = await response.text();
      if (response.status === 200) return JSON.parse(body);
      last = `${response.status} ${body.slice(0, 2000)}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
    }
    await sleep(500);
  }
  throw new Error(
    `${origin}/health did not answer 200 within ${timeoutMs / 1000} s (last: ${last}).\n--- wrangler output ---\n${describeOutput() || "(none yet)"}`,
  );
}

/**
 * Starts the local stack (router + the four Workers + the local-only Workers, in one `wrangler dev`) and resolves once
 * `GET /health` answers 200. `stop()` ends wrangler and workerd and frees the state folder.
 *
 * @example
 * const stack = await startStack({ port: 8788, stateDir: "/tmp/stack-state", quiet: true });
 * await fetch(`${stack.origin}/health`);
 * await stack.stop();
 */
export async function startStack({
  port = DEFAULT_PORT,
  stateDir = join(repoRoot, ".wrangler", "state"),
  quiet = false,
  registryDir,
  logFile,
  logLevel = "warn",
  startTimeoutMs = DEFAULT_START_TIMEOUT_MS,
  replaceConfigs = {},
  log = quiet ? () => {} : (message) => process.stdout.write(`\x1b[36m[stack]\x1b[0m ${message}\n`),
} = {}) {
  const origin = `http://127.0.0.1:${port}`;
  const persistTo = resolve(stateDir);
  if (!existsSync(pinnedNode) || !existsSync(wranglerCli)) {
    throw new Error("node_modules is missing the pinned Node or wrangler: run `npm run setup` first");
  }
  ensureDevVars(log);
  await assertPortFree(port);
  const releaseStateDir = claimStateDir(persistTo, port);

  for (const config of Object.keys(replaceConfigs)) {
    if (!STACK_CONFIGS.includes(config)) throw new Error(`replaceConfigs names ${config}, which is not one of the stack's configs (${STACK_CONFIGS.join(", ")})`);
  }
  const args = [
    ...STACK_CONFIGS.flatMap((config) => ["-c", replaceConfigs[config] ?? config]),
    "--persist-to",
    persistTo,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--log-level",
    logLevel,
    "--show-interactive-dev-session=false",
  ];
  log(`starting wrangler dev: router + ${STACK_WORKERS.join(", ")} on ${origin}, state in ${persistTo}`);
  const output = outputCollector(quiet);
  // Own process group: Ctrl-C in the terminal reaches us, and stop() shuts wrangler down in order
  // (and can signal workerd with it) instead of both racing on the same signal. Should this
  // process die without stop() (SIGKILL), the group's watchdog stops wrangler. Separate stacks
  // (e.g. tests next to `npm start`) each register `analytics-ingestion`; their own registry keeps
  // a test's producer Worker bound to the test's stack.
  const child = spawnWranglerDev({ args, registryDir });
  child.stdout.on("data", output.push);
  child.stderr.on("data", output.push);
  // Everything the Workers and wrangler print, in full (the collector keeps only the last lines):
  // the e2e tests read it to prove no key ever reaches a log.
  if (logFile) {
    const file = createWriteStream(logFile, { flags: "a" });
    child.stdout.on("data", (chunk) => file.write(chunk));
    child.stderr.on("data", (chunk) => file.write(chunk));
    child.on("exit", () => file.end());
  }
  const exited = new Promise((done) => {
    child.on("exit", (code, signal) => done(signal ? `signal ${signal}` : `code ${code}`));
    child.on("error", (error) => done(`spawn error: ${error.message}`));
  });
  let running = true;
  exited.then(() => {
    running = false;
  });
  // If this process exits without calling stop(), do not leave wrangler holding the port and state.
  const killOnExit = () => {
    if (running && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    releaseStateDir();
  };
  process.on("exit", killOnExit);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (running && child.pid) {
        log("stopping wrangler");
        child.kill("SIGINT");
        const ended = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!ended) {
          log(`wrangler did not stop within ${STOP_GRACE_MS / 1000} s; terminating its process group`);
          try {
            process.kill(-child.pid, "SIGTERM");
          } catch {
            // already gone
          }
          const terminated = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
          if (!terminated) {
            try {
              process.kill(-child.pid, "SIGKILL");
            } catch {
              // already gone
            }
            await exited;
          }
        }
      }
      // workerd is wrangler's child in the same group; make sure none of it outlives wrangler.
      try {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      } catch {
        // the group is empty: everything stopped
      }
      process.off("exit", killOnExit);
      releaseStateDir();
    })();
    return stopping;
  };

  const started = Date.now();
  try {
    await waitForHealth(origin, { timeoutMs: startTimeoutMs, exited, describeOutput: output.text });
  } catch (error) {
    await stop();
    throw error;
  }
  log(`all four Workers healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { origin, port, stateDir: persistTo, pid: child.pid, stop, exited, output: output.text };
}
