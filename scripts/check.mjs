// Static gates, also runnable alone with `npm run check`: typecheck, generated-type drift, and
// bundle sizes. Each returns true when it passes and prints why when it does not.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root, step } from "./lib.mjs";
import { PAID_PLAN_GZIP_LIMIT_BYTES, WORKERS } from "./workers.mjs";

/** Runs a command; with `quiet`, its output is shown only when it fails. */
function run(command, args, { quiet = false } = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
  if (quiet && result.status !== 0) process.stdout.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
  return result.status === 0;
}

/** tsc over the packages/tests and over each Worker with its own generated Env. */
export function typecheck() {
  step("typecheck");
  // Test Workers with their own Env (workerd test harnesses) are typechecked like the Workers.
  const projects = ["tsconfig.json", ...WORKERS.map((w) => join(w.dir, "tsconfig.json")), "packages/ae-sql/test-workerd/tsconfig.json"].filter((p) => existsSync(join(root, p)));
  let ok = true;
  for (const project of projects) {
    process.stdout.write(`  tsc -p ${project}\n`);
    ok = run("tsc", ["-p", project]) && ok;
  }
  return ok;
}

/**
 * The Workers runtime types, generated once for all Workers (they share the compatibility date
 * and flags); each Worker's own file holds only its `Env`.
 */
export const RUNTIME_TYPES = "types/workers-runtime.d.ts";

/** The wrangler types commands that generate the runtime types and each Worker's Env. */
export function typesCommands(extra = []) {
  return [
    { label: RUNTIME_TYPES, args: ["types", RUNTIME_TYPES, "-c", "wrangler.jsonc", "--include-env=false", ...extra] },
    ...WORKERS.map((worker) => ({
      label: join(worker.dir, "worker-configuration.d.ts"),
      args: ["types", join(worker.dir, "worker-configuration.d.ts"), "-c", worker.config, "--strict-vars=false", "--include-runtime=false", ...extra],
    })),
  ];
}

/** Fails when a committed worker-configuration.d.ts no longer matches its wrangler config. */
export function checkTypes() {
  step("wrangler types --check (regenerate with: npm run check -- --write-types)");
  let ok = true;
  const write = process.argv.includes("--write-types");
  for (const { label, args } of typesCommands(write ? [] : ["--check"])) {
    const passed = run("wrangler", args, { quiet: true });
    console.log(`  ${passed ? "✔" : "✘"} ${label} ${write ? "written" : passed ? "is current" : "is stale: run `npm run check -- --write-types`"}`);
    ok = passed && ok;
  }
  return ok;
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile());
}

/** Bundles each deployable Worker like `wrangler deploy` would and prints its gzipped size. */
export function checkBundles() {
  step(`bundle each Worker (wrangler deploy --dry-run) against the ${PAID_PLAN_GZIP_LIMIT_BYTES / 1024 / 1024} MB gzipped limit`);
  let ok = true;
  for (const worker of WORKERS.filter((w) => w.deploy)) {
    const outdir = mkdtempSync(join(tmpdir(), `bundle-${worker.name}-`));
    const args = ["deploy", "--dry-run", "--outdir", outdir, "-c", worker.config];
    if (worker.env) args.push("--env", worker.env);
    if (!run("wrangler", args, { quiet: true })) {
      ok = false;
      continue;
    }
    const files = filesUnder(outdir).filter((f) => !f.endsWith(".map") && !f.endsWith("README.md"));
    const raw = files.reduce((sum, f) => sum + statSync(f).size, 0);
    const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).byteLength, 0);
    const share = ((gzipped / PAID_PLAN_GZIP_LIMIT_BYTES) * 100).toFixed(1);
    const within = gzipped <= PAID_PLAN_GZIP_LIMIT_BYTES;
    console.log(`  ${within ? "✔" : "✘"} ${worker.name.padEnd(22)} ${(raw / 1024).toFixed(1).padStart(9)} KiB raw  ${(gzipped / 1024).toFixed(1).padStart(8)} KiB gzip  (${share}% of 10 MB)`);
    ok = within && ok;
    rmSync(outdir, { recursive: true, force: true });
  }
  return ok;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const ok = [typecheck(), checkTypes(), checkBundles()].every(Boolean);
  process.exit(ok ? 0 : 1);
}
