// `npm test`: every gate and every test, cheapest first, all of them even when one fails, then
// one summary. Runs under the pinned Node 22 (scripts/dev.mjs provisions it).
//   1. typecheck (tsc) of the packages and of each Worker with its generated Env
//   2. `wrangler types --check`: the committed Env types match the wrangler configs
//   3. bundle each deployable Worker (`wrangler deploy --dry-run`) and print its gzipped size
//   4. vitest: unit (Node), ingestion (workerd), e2e (the real local stack)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkBundles, checkTypes, typecheck } from "./check.mjs";
import { root, step } from "./lib.mjs";

const results = [];

function gate(name, fn) {
  const ok = fn();
  results.push({ name, ok });
}

gate("typecheck", typecheck);
gate("wrangler types are current", checkTypes);
gate("bundles within the size limit", checkBundles);

step("vitest: unit, ingestion (workerd) and e2e (local stack)");
const reportDir = join(root, ".test-results");
mkdirSync(reportDir, { recursive: true });
const reportFile = join(reportDir, "vitest.json");
const vitest = spawnSync("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${reportFile}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
results.push({ name: "vitest", ok: vitest.status === 0 });

const failedGates = results.filter((r) => !r.ok);
console.log("");
for (const r of results) console.log(`${r.ok ? "✔" : "✘"} ${r.name}`);
// Count failed gates as failures too, so the closing line never reads green when a gate is red.
console.log(`\ntests: ${passed} passed, ${failed + failedGates.filter((g) => g.name !== "vitest").length} failed, ${skipped} skipped`);
process.exit(failedGates.length === 0 ? 0 : 1);
