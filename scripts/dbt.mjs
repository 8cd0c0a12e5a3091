// `npm run dbt -- <args>` (and `bun run dbt -- <args>`): runs the project's dbt (dbt/, from the
// venv that scripts/python-venv.mjs installs) against the local stack, then, after `run` or
// `build`, asks the catalog to reconcile so the Parquet files dbt wrote are registered as the
// processed tables (fact_page_views, ...).
//
//   npm run dbt -- build                      models and tests, incremental
//   npm run dbt -- run --full-refresh         rebuild every model from the raw lake
//   npm run dbt -- test -s fact_page_views
//   npm run dbt -- docs generate
//
// Environment (all optional):
//   STACK_ORIGIN (or STACK_PORT)   the local stack, default http://127.0.0.1:8787: its S3 endpoint
//                                  (workers/s3-local) for DuckDB, and its catalog for the reconcile
//   LOCAL_S3_ACCESS_KEY_ID / LOCAL_S3_SECRET_ACCESS_KEY
//                                  default: workers/s3-local/.dev.vars, else its wrangler.jsonc vars
//   ADMIN_API_KEY                  for POST /catalog/reconcile; default: .dev.vars, else local-admin-key
//   DBT_TARGET                     local (default) or prod (R2: R2_ACCOUNT_ID, R2_ACCESS_KEY_ID,
//                                  R2_SECRET_ACCESS_KEY; reconciles only when CATALOG_ORIGIN is set)
//   DBT_TARGET_PATH                dbt's target folder (default dbt/target); the DuckDB file is
//                                  <target path>/<target>.duckdb unless DBT_DUCKDB_PATH says otherwise
//
// Plain ESM on node: built-ins only; also imported by tests/dbt.test.ts and bench/dbt-full-refresh.mjs.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dbtVenvIsCurrent, duckdbExtensionDir, venvBin } from "./python-venv.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The dbt project (and its profiles.yml). */
export const dbtProjectDir = join(root, "dbt");

/** Subcommands that do not need the lake (no S3 request, no stack). */
const OFFLINE_COMMANDS = new Set(["clean", "debug", "deps", "init", "list", "ls", "parse"]);
/** Subcommands that write Parquet into analytics-processed, after which the catalog reconciles. */
const WRITING_COMMANDS = new Set(["build", "run"]);

/** `KEY=value` lines of a .dev.vars-style file (no quotes, # comments), or {} when it is missing. */
function readVarsFile(file) {
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && !line.trimStart().startsWith("#")) vars[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** A string var of workers/s3-local/wrangler.jsonc (`"NAME": "value"`), or undefined. */
function s3LocalConfigVar(name) {
  const file = join(root, "workers", "s3-local", "wrangler.jsonc");
  if (!existsSync(file)) return undefined;
  return new RegExp(`"${name}"\\s*:\\s*"([^"]*)"`).exec(readFileSync(file, "utf8"))?.[1];
}

/**
 * The local S3 endpoint's key pair, as the s3-local Worker gets it: its own .dev.vars overrides
 * the vars in its wrangler.jsonc (wrangler reads .dev.vars beside each config); the environment
 * overrides both.
 */
export function localS3Credentials(env = process.env) {
  const devVars = readVarsFile(join(root, "workers", "s3-local", ".dev.vars"));
  const pick = (name, fallback) => env[name] || devVars[name] || s3LocalConfigVar(name) || fallback;
  return {
    accessKeyId: pick("LOCAL_S3_ACCESS_KEY_ID", "local-dev-access-key"),
    secretAccessKey: pick("LOCAL_S3_SECRET_ACCESS_KEY", "local-dev-secret-key"),
  };
}

/** The operator key for the catalog: ADMIN_API_KEY from the environment or .dev.vars. */
export function adminKey(env = process.env) {
  return env.ADMIN_API_KEY || readVarsFile(join(root, ".dev.vars")).ADMIN_API_KEY || "local-admin-key";
}

/** The local stack's origin: STACK_ORIGIN, else http://127.0.0.1:${STACK_PORT ?? 8787}. */
export function stackOrigin(env = process.env) {
  return (env.STACK_ORIGIN || `http://127.0.0.1:${env.STACK_PORT || 8787}`).replace(/\/+$/, "");
}

/**
 * The environment dbt runs with: project, profiles, target and DuckDB paths, and the lake's
 * endpoint and keys for profiles.yml (`local`: the stack's S3 endpoint; `prod`: R2's, from the
 * R2_* variables the caller provides).
 */
export function dbtEnvironment({ origin = stackOrigin(), target = process.env.DBT_TARGET || "local", targetPath, env = process.env } = {}) {
  const url = new URL(origin);
  const resolvedTargetPath = resolve(targetPath || env.DBT_TARGET_PATH || join(dbtProjectDir, "target"));
  const credentials = localS3Credentials(env);
  return {
    ...env,
    DBT_PROJECT_DIR: dbtProjectDir,
    DBT_PROFILES_DIR: dbtProjectDir,
    DBT_TARGET: target,
    DBT_TARGET_PATH: resolvedTargetPath,
    DBT_LOG_PATH: env.DBT_LOG_PATH || join(resolvedTargetPath, "..", "logs"),
    // Holds views only (the data is in R2), one file per target.
    DBT_DUCKDB_PATH: env.DBT_DUCKDB_PATH || join(resolvedTargetPath, `${target}.duckdb`),
    DBT_DUCKDB_EXTENSION_DIR: duckdbExtensionDir,
    DBT_SEND_ANONYMOUS_USAGE_STATS: "false",
    DBT_VERSION_CHECK: "false",
    LOCAL_S3_ENDPOINT: url.host,
    LOCAL_S3_USE_SSL: String(url.protocol === "https:"),
    LOCAL_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    LOCAL_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** dbt's subcommand in an argument list (`build` in `--debug build -s x`). */
export function dbtSubcommand(args) {
  return args.find((arg) => !arg.startsWith("-"));
}

/** Typed error for a dbt run that could not start or reconcile; `exitCode` is the process's. */
export class DbtRunError extends Error {
  constructor(message, { exitCode = 1, cause } = {}) {
    super(message, { cause });
    this.name = "DbtRunError";
    this.exitCode = exitCode;
  }
}

async function checkStack(origin) {
  try {
    const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) return;
    throw new Error(`GET /health answered ${response.status}`);
  } catch (error) {
    throw new DbtRunError(
      `the local stack does not answer at ${origin} (${error instanceof Error ? error.message : error}): start it with \`npm start\`, or point STACK_ORIGIN at it`,
      { cause: error },
    );
  }
}

/**
 * `POST /catalog/reconcile` with the admin key: the catalog lists the buckets and registers the
 * files it lacks (dbt's output), forgets the ones that are gone. Resolves with its summary.
 */
export async function reconcileCatalog(origin, key = adminKey()) {
  const response = await fetch(`${origin}/catalog/reconcile`, { method: "POST", headers: { "x-api-key": key }, signal: AbortSignal.timeout(120_000) });
  const text = await response.text();
  if (!response.ok) throw new DbtRunError(`POST ${origin}/catalog/reconcile answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/**
 * Runs dbt with `args` and, after `run`/`build` (also a failed one: models that did finish wrote
 * files), reconciles the catalog. Resolves with dbt's exit code, its output when `capture` is set,
 * and the reconcile summary.
 * @example const { exitCode } = await runDbt(["build", "--full-refresh"], { origin: "http://127.0.0.1:8788" });
 */
export async function runDbt(args, { origin = stackOrigin(), target, targetPath, capture = false, reconcile = true, env = process.env, log = (line) => process.stdout.write(`\x1b[36m[dbt]\x1b[0m ${line}\n`) } = {}) {
  if (!dbtVenvIsCurrent()) {
    throw new DbtRunError("dbt is not installed in .venv, or dbt/requirements.txt changed since: run `npm run setup` (or any npm start/test)");
  }
  const childEnv = dbtEnvironment({ origin, target, targetPath, env });
  const subcommand = dbtSubcommand(args);
  const local = childEnv.DBT_TARGET === "local";
  if (local && subcommand && !OFFLINE_COMMANDS.has(subcommand) && !args.includes("--help")) await checkStack(origin);

  let output = "";
  const exitCode = await new Promise((done, fail) => {
    const child = spawn(venvBin("dbt"), args, { cwd: dbtProjectDir, env: childEnv, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
    if (capture) {
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
    }
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (error) => fail(new DbtRunError(`could not start dbt: ${error.message}`, { cause: error })));
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      done(code ?? (signal ? 1 : 0));
    });
  });

  let reconciled;
  const catalogOrigin = local ? origin : env.CATALOG_ORIGIN;
  if (reconcile && WRITING_COMMANDS.has(subcommand) && catalogOrigin && !args.includes("--help")) {
    reconciled = await reconcileCatalog(catalogOrigin, adminKey(env));
    log(`catalog reconciled: ${reconciled.registered.length} file(s) registered, ${reconciled.removed.length} removed, ${reconciled.unchanged} unchanged`);
  }
  return { exitCode, output, reconciled };
}

// CLI: `node scripts/dbt.mjs <dbt args>` (scripts/dev.mjs runs it for `npm run dbt`).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  runDbt(args.length > 0 ? args : ["--help"])
    .then(({ exitCode }) => process.exit(exitCode))
    .catch((error) => {
      console.error(`[dbt] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(error?.exitCode ?? 1);
    });
}
