#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test`, `npm run test:reliability`, `npm run bench`
// and `npm run check`.
//
// It must run on the machine's own Node (20 on a fresh machine) with no dependencies installed,
// so it is plain ESM using only node: built-ins. It provisions what the project needs:
//   1. bun (the package manager), from the npm registry into .tools/ (a binary in an npm package);
//   2. the workspace dependencies with `bun install`, which brings the pinned Node 22 runtime
//      (the `node` devDependency) because current wrangler refuses Node < 22.12
//      (`Wrangler requires at least Node.js v22.12.0`);
//   3. .dev.vars from .dev.vars.example (local keys; deployed Workers use secrets);
//   4. the Python venv .venv with the pinned dbt, dbt-duckdb and DuckDB's httpfs extension
//      (scripts/python-venv.mjs; skipped while dbt/requirements.txt is unchanged);
//   5. for `npm test` only: Debian's Chromium for the browser tests (scripts/chromium.mjs).
// Every later step runs with node_modules/.bin first on PATH, so `node`, `wrangler` and `vitest`
// are the pinned ones.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./chromium.mjs";
import { whenParentExits } from "./parent-watch.mjs";
import { ensureDbtVenv } from "./python-venv.mjs";
import { linkSharedDevVars } from "./workers.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const bunVersion = pkg.packageManager.replace(/^bun@/, "");
const toolsDir = join(root, ".tools");
const bunBin = join(toolsDir, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
const isCI = Boolean(process.env.CI);

function log(message) {
  process.stdout.write(`\x1b[36m[dev]\x1b[0m ${message}\n`);
}

/** Environment for child steps: pinned tools first on PATH. */
export function toolEnv(extra = {}) {
  const binDirs = [join(root, "node_modules", ".bin"), join(toolsDir, "node_modules", ".bin")];
  return { ...process.env, PATH: [...binDirs, process.env.PATH ?? ""].join(delimiter), ...extra };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: toolEnv(), ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const error = new Error(`${command} ${args.join(" ")} exited with ${result.status}`);
    error.exitCode = result.status ?? 1;
    throw error;
  }
}

function installedBunVersion() {
  if (!existsSync(bunBin)) return undefined;
  const result = spawnSync(bunBin, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function ensureBun() {
  if (installedBunVersion() === bunVersion) return;
  log(`installing bun ${bunVersion} into .tools/ (from the npm registry)`);
  run("npm", ["install", "--prefix", toolsDir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `bun@${bunVersion}`], {
    env: process.env,
  });
}

function ensureDependencies() {
  log("installing workspace dependencies with bun");
  const args = ["install"];
  if (isCI) args.push("--frozen-lockfile");
  run(bunBin, args);
  const nodeBin = join(root, "node_modules", ".bin", "node");
  const version = spawnSync(nodeBin, ["--version"], { encoding: "utf8" }).stdout?.trim();
  if (!version) throw new Error("the pinned Node runtime did not install (node_modules/.bin/node)");
  log(`using Node ${version} for wrangler and vitest (this bootstrap ran on Node ${process.version})`);
}

/** `KEY=value` lines of a .dev.vars-style text, in order. */
function varsOf(text) {
  return new Map(
    text
      .split("\n")
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/**
 * .dev.vars from .dev.vars.example when missing. An existing .dev.vars is the developer's: it is
 * only completed, never overwritten: variables the example gained are appended, and keys the
 * example's API_KEYS gained (e.g. new key kinds) are added to the developer's API_KEYS.
 */
function ensureDevVars() {
  const target = join(root, ".dev.vars");
  const examplePath = join(root, ".dev.vars.example");
  // The local stand-ins' operator endpoints take the same keys (scripts/workers.mjs).
  for (const link of linkSharedDevVars()) log(`linked ${link} to .dev.vars`);
  if (!existsSync(target)) {
    copyFileSync(examplePath, target);
    log("created .dev.vars from .dev.vars.example (local development keys)");
    return;
  }
  const example = varsOf(readFileSync(examplePath, "utf8"));
  let text = readFileSync(target, "utf8");
  const current = varsOf(text);
  const added = [];
  for (const [name, value] of example) {
    if (!current.has(name)) {
      text = `${text.replace(/\n?$/, "\n")}${name}=${value}\n`;
      added.push(name);
    }
  }
  try {
    const mine = JSON.parse(current.get("API_KEYS") ?? "");
    const theirs = JSON.parse(example.get("API_KEYS") ?? "{}");
    const missing = Object.keys(theirs).filter((key) => !Object.hasOwn(mine, key));
    if (missing.length > 0) {
      const merged = JSON.stringify({ ...mine, ...Object.fromEntries(missing.map((key) => [key, theirs[key]])) });
      text = text.replace(/^API_KEYS=.*$/m, () => `API_KEYS=${merged}`);
      added.push(`API_KEYS: ${missing.join(", ")}`);
    }
  } catch {
    // An API_KEYS that is not JSON is the developer's to fix; the Workers say what is wrong with it.
  }
  if (added.length > 0) {
    writeFileSync(target, text);
    log(`completed .dev.vars from .dev.vars.example (added ${added.join("; ")})`);
  }
}

function ensureDbt() {
  ensureDbtVenv({ log });
}

export function setup() {
  ensureBun();
  ensureDependencies();
  ensureDevVars();
  ensureDbt();
}

/**
 * Runs a Node script of the project under the pinned Node (or, for scripts on node: built-ins only,
 * this Node when the pinned one is not installed yet), forwarding signals and exit code.
 */
function runUnderPinnedNode(script, args, { fallbackToThisNode = false } = {}) {
  const pinned = join(root, "node_modules", ".bin", "node");
  const node = fallbackToThisNode && !existsSync(pinned) ? process.execPath : pinned;
  const child = spawn(node, [join(root, script), ...args], {
    cwd: root,
    stdio: "inherit",
    env: toolEnv(),
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  // npm (our parent) killed without forwarding anything: stop the child as if it were Ctrl-C'd.
  // If this process is the one killed, the child notices its own parent's death the same way.
  whenParentExits(() => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const commands = {
  setup: () => setup(),
  start: (args) => {
    setup();
    runUnderPinnedNode("scripts/stack.mjs", args);
  },
  test: (args) => {
    setup();
    ensureChromium({ log });
    runUnderPinnedNode("scripts/test.mjs", args);
  },
  // `npm run test:reliability`: load, crash and hostile-input tests in their long versions.
  reliability: (args) => {
    setup();
    runUnderPinnedNode("scripts/reliability.mjs", args);
  },
  bench: (args) => {
    setup();
    runUnderPinnedNode("bench/run.mjs", args);
  },
  check: (args) => {
    setup();
    runUnderPinnedNode("scripts/check.mjs", args);
  },
  // `npm run dbt -- <args>`: only the venv and .dev.vars (no bun install per dbt command).
  dbt: (args) => {
    ensureDevVars();
    ensureDbt();
    runUnderPinnedNode("scripts/dbt.mjs", args, { fallbackToThisNode: true });
  },
};

const [command = "start", ...rest] = process.argv.slice(2);
const handler = commands[command];
if (!handler) {
  console.error(`unknown command "${command}"; expected one of ${Object.keys(commands).join(", ")}`);
  process.exit(2);
}
try {
  handler(rest);
} catch (error) {
  console.error(`[dev] ${error.message}`);
  process.exit(error.exitCode ?? 1);
}
