// `npm run bench` (scripts/dev.mjs runs this file under the pinned Node 22): runs the registered
// benchmarks one after the other and prints a summary. Each benchmark measures its figure next to
// a baseline measured in the same run and reports the ratio against its target (docs/benchmarks.md).
//
//   npm run bench                          every benchmark with defaultEnabled
//   npm run bench -- ingestion-profile     only the named ones (any registered name)
//   npm run bench -- --list                the registered benchmarks
//
// Settings (environment): BENCH_SECONDS (measured seconds per round and target, default 10),
// BENCH_WARMUP_SECONDS (3), BENCH_CONCURRENCY (requests in flight, 8), BENCH_ROUNDS (2),
// BENCH_CLIENT (http | fetch: the load generator's transport, default http; bench/lib/load.mjs).
//
// Exit code: 0 when every benchmark produced a valid measurement, whether or not it met its target
// (a benchmark is a measurement, not a gate); 1 when one failed or measured errors.
import { cpus } from "node:os";
import aeHotQuery from "./ae-hot-query.mjs";
import compaction from "./compaction.mjs";
import costPerMillion from "./cost-per-million.mjs";
import dbtFullRefresh from "./dbt-full-refresh.mjs";
import graphqlPageViews from "./graphql-page-views.mjs";
import ingestionPerEvent from "./ingestion-per-event.mjs";
import ingestionProfile from "./ingestion-profile.mjs";
import ingestionThroughput from "./ingestion-throughput.mjs";
import lakeEncode from "./lake-encode.mjs";
import lakeSink from "./lake-sink.mjs";
import { cleanupAll } from "./lib/cleanup.mjs";
import { describeMachineLoad } from "./lib/machine.mjs";
import { fixed, table } from "./lib/stats.mjs";

/**
 * @typedef {{ seconds: number, warmupSeconds: number, concurrency: number, rounds: number, client: "http" | "fetch" }} BenchSettings
 * @typedef {{ settings: BenchSettings, log: (line: string) => void }} BenchContext
 * @typedef {{
 *   name: string,
 *   title: string,
 *   lines: string[],
 *   valid: boolean,
 *   problems: string[],
 *   headline: { figure: string, baseline: string, ratio: number, target: string, status: "MET" | "MISSED" | "INVALID" | "INFO", context?: string },
 * }} BenchReport
 * @typedef {{ name: string, title: string, defaultEnabled: boolean, run: (ctx: BenchContext) => Promise<BenchReport> }} Bench
 */

/** Every benchmark, in run order. Add a module here to register it. */
export const BENCHES = /** @type {Bench[]} */ ([ingestionThroughput, aeHotQuery, lakeEncode, lakeSink, compaction, graphqlPageViews, dbtFullRefresh, costPerMillion, ingestionProfile, ingestionPerEvent]);

function numberFromEnv(name, fallback, { min = 1, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name}=${raw}: expected ${integer ? "an integer" : "a number"} >= ${min}`);
  }
  return value;
}

/** @returns {BenchSettings} */
export function settingsFromEnv() {
  return {
    seconds: numberFromEnv("BENCH_SECONDS", 10, { min: 0.5 }),
    warmupSeconds: numberFromEnv("BENCH_WARMUP_SECONDS", 3, { min: 0 }),
    concurrency: numberFromEnv("BENCH_CONCURRENCY", 8, { integer: true }),
    rounds: numberFromEnv("BENCH_ROUNDS", 2, { integer: true }),
    client: clientFromEnv(),
  };
}

function clientFromEnv() {
  const client = process.env.BENCH_CLIENT || "http";
  if (client !== "http" && client !== "fetch") throw new Error(`BENCH_CLIENT=${client}: expected http or fetch`);
  return client;
}

const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line) => process.stdout.write(`\x1b[2m${stamp()}\x1b[0m ${line}\n`);

async function main(args) {
  if (args.includes("--list")) {
    for (const bench of BENCHES) console.log(`${bench.name.padEnd(24)} ${bench.defaultEnabled ? "default " : "on demand"}  ${bench.title}`);
    return 0;
  }
  const names = args.filter((a) => !a.startsWith("-"));
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s) ${unknown.join(", ")}; registered: ${BENCHES.map((b) => b.name).join(", ")}`);
    return 2;
  }
  const selected = names.length > 0 ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES.filter((b) => b.defaultEnabled);
  const settings = settingsFromEnv();
  log(
    `bench: ${selected.map((b) => b.name).join(", ")} | ${settings.seconds} s x ${settings.rounds} rounds per target, ` +
      `warm-up ${settings.warmupSeconds} s, concurrency ${settings.concurrency}, client ${settings.client} | Node ${process.version}, ${cpus().length} cores`,
  );
  log(`machine before: ${describeMachineLoad()}`);

  /** @type {BenchReport[]} */
  const reports = [];
  let failed = false;
  for (const bench of selected) {
    console.log(`\n=== ${bench.name}: ${bench.title}`);
    try {
      const report = await bench.run({ settings, log: (line) => log(`[${bench.name}] ${line}`) });
      reports.push(report);
      console.log(`\n${report.lines.join("\n")}`);
      if (report.problems.length > 0) console.log(`\nerrors seen:\n  ${report.problems.join("\n  ")}`);
      if (!report.valid) failed = true;
    } catch (error) {
      failed = true;
      console.error(`\n${bench.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reports.push({
        name: bench.name,
        title: bench.title,
        lines: [],
        valid: false,
        problems: [String(error)],
        headline: { figure: "-", baseline: "-", ratio: Number.NaN, target: "-", status: "INVALID" },
      });
    } finally {
      await cleanupAll();
    }
  }

  log(`machine after: ${describeMachineLoad()}`);
  console.log("\n=== summary");
  console.log(
    table(
      ["benchmark", "figure", "baseline (same run)", "ratio", "target", "status"],
      reports.map((r) => [r.name, r.headline.figure, r.headline.baseline, fixed(r.headline.ratio, 3), r.headline.target, r.headline.status]),
    ),
  );
  for (const r of reports) if (r.headline.context) console.log(`${r.name}: ${r.headline.context}`);
  if (failed) console.log("\nat least one benchmark did not produce a valid measurement (see above)");
  return failed ? 1 : 0;
}

main(process.argv.slice(2))
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await cleanupAll();
    process.exit(1);
  });
