// Benchmark: `dbt run --full-refresh` of the lake's dbt project (dbt/) over BENCH_DBT_EVENTS raw
// events (default 1,000,000) on the local stack, against the same SQL run directly in native
// DuckDB over the same files.
//
// The raw lake: demo events (scripts/demo-data.mjs, the shapes users send; generated in chunks of
// one raw hour each) converted by DuckDB (bench/lib/dbt_bench.py generate) into Parquet files with
// the lake's columns and layout, BENCH_DBT_HOURS hour partitions (24) x BENCH_DBT_FILES_PER_HOUR
// files per table (4), zstd, then PUT through the stack's S3 endpoint into a fresh stack's
// `analytics-source`. Not through ingestion: at ~8k events/s its ingestion plus the sink's
// Parquet encoding would add minutes that measure ingestion (bench/ingestion-throughput.mjs and
// bench/lake-sink.mjs do), and the figure here is what dbt does with files already in the lake;
// the files have the same columns, types, compression and folders as the sink's.
//
// Figure: wall time of `dbt run --full-refresh` (scripts/dbt.mjs, the venv's dbt; the catalog
// reconcile is timed separately), and the models' own time from run_results.json.
// Baseline, same run, same files, same stack: the SQL dbt compiled (manifest.json), model after
// model in one native DuckDB process (bench/lib/dbt_bench.py native): views as views, each mart
// written once with one COPY; no dbt, no lake_parquet plan, per-partition files or hashes.
// Ratio = dbt / native (> 1: dbt's overhead). Also shown: the same native SQL over local copies of
// the files (no S3 endpoint), i.e. what the local endpoint (workerd, R2 on disk) costs.
// Target: INFO (issue 7 asks for the ratio, sets no number).
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { AwsClient } from "aws4fetch";
import { dbtEnvironment, localS3Credentials, reconcileCatalog, runDbt } from "../scripts/dbt.mjs";
import { countByType, generateDemoEvents } from "../scripts/demo-data.mjs";
import { startStack } from "../scripts/local-stack.mjs";
import { dbtVenvIsCurrent, venvBin } from "../scripts/python-venv.mjs";
import { freePort } from "../scripts/wrangler-process.mjs";
import { integerFromEnv } from "./lib/env.mjs";
import { fixed, int, table } from "./lib/stats.mjs";

const HELPER = fileURLToPath(new URL("./lib/dbt_bench.py", import.meta.url));
const DAY_MS = 86_400_000;
const mb = (bytes) => `${fixed(bytes / 1024 / 1024, 1)} MB`;

const two = (n) => String(n).padStart(2, "0");
const partitionOf = (at) => `year=${at.getUTCFullYear()}/month=${two(at.getUTCMonth() + 1)}/day=${two(at.getUTCDate())}/hour=${two(at.getUTCHours())}`;

/** Writes the demo events as NDJSON, one file per raw table and hour, with ingestion's enrichment. */
async function writeNdjson(dir, { events, hours, now }) {
  const perHour = Math.ceil(events / hours);
  const firstHour = Math.floor(now / 3_600_000) * 3_600_000 - hours * 3_600_000;
  const counts = {};
  for (let h = 0; h < hours; h++) {
    const count = Math.min(perHour, events - h * perHour);
    if (count <= 0) break;
    const hourStart = firstHour + h * 3_600_000;
    const partition = partitionOf(new Date(hourStart));
    // Each hour's events are a complete demo data set of their own (own sessions and users'
    // activity over the week before that hour), received during that hour.
    const batch = generateDemoEvents({ seed: 90_000 + h, count, now: hourStart, days: 7 });
    for (const [type, n] of Object.entries(countByType(batch))) counts[type] = (counts[type] ?? 0) + n;
    const streams = new Map();
    batch.forEach((event, i) => {
      const tableName = TABLE_BY_EVENT_TYPE[event.type];
      let stream = streams.get(tableName);
      if (!stream) streams.set(tableName, (stream = createWriteStream(join(dir, `${tableName}__${partition.replaceAll("/", "+")}.ndjson`))));
      // Ingestion's enrichment: received during the hour; one session in 50 is a bot.
      const bot = Number(/-(\d+)$/.exec(event.session_id)?.[1] ?? 1) % 50 === 0;
      stream.write(`${JSON.stringify({ ...event, environment: "production", received_at: new Date(hourStart + Math.floor((i / batch.length) * 3_599_000)).toISOString(), is_bot: bot })}\n`);
    });
    await Promise.all([...streams.values()].map((stream) => new Promise((done) => stream.end(done))));
  }
  return counts;
}

function python(args, env) {
  const result = spawnSync(venvBin("python"), [HELPER, ...args], { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`dbt_bench.py ${args[0]} failed (${result.status}):\n${(result.stderr || result.stdout).slice(-4000)}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}");
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

export default {
  name: "dbt-full-refresh",
  title: "dbt run --full-refresh over the raw lake vs the same SQL in native DuckDB",
  defaultEnabled: true,
  async run(ctx) {
    if (!dbtVenvIsCurrent()) throw new Error("dbt is not installed in .venv: run `npm run setup`");
    const events = integerFromEnv("BENCH_DBT_EVENTS", 1_000_000, 100);
    const hours = integerFromEnv("BENCH_DBT_HOURS", 24, 1);
    const filesPerHour = integerFromEnv("BENCH_DBT_FILES_PER_HOUR", 4, 1);
    const problems = [];
    const workDir = mkdtempSync(join(tmpdir(), "bench-dbt-"));
    const lakeDir = join(workDir, "lake");
    const ndjsonDir = join(workDir, "ndjson");
    mkdirSync(ndjsonDir, { recursive: true });
    try {
      let started = performance.now();
      const counts = await writeNdjson(ndjsonDir, { events, hours, now: Date.now() - DAY_MS });
      const generated = python(["generate", ndjsonDir, lakeDir, String(filesPerHour)], process.env);
      rmSync(ndjsonDir, { recursive: true, force: true });
      const rawFiles = filesUnder(lakeDir);
      const rawBytes = rawFiles.reduce((sum, file) => sum + statSync(file).size, 0);
      ctx.log(`generated ${int(events)} events (${Object.entries(counts).map(([t, n]) => `${int(n)} ${t}`).join(", ")}) into ${generated.files} Parquet files, ${mb(rawBytes)}, in ${fixed((performance.now() - started) / 1000)} s`);

      ctx.log("starting the local stack (fresh state)");
      const stack = await startStack({ port: await freePort(), stateDir: join(workDir, "state"), registryDir: join(workDir, "registry"), quiet: true });
      try {
        const { accessKeyId, secretAccessKey } = localS3Credentials();
        const s3 = new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region: "auto" });
        started = performance.now();
        const queue = [...rawFiles];
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let file = queue.pop(); file; file = queue.pop()) {
              const key = relative(lakeDir, file).split("\\").join("/");
              const response = await s3.fetch(`${stack.origin}/analytics-source/${key}`, { method: "PUT", body: readFileSync(file) });
              if (!response.ok) throw new Error(`PUT ${key}: ${response.status} ${(await response.text()).slice(0, 300)}`);
            }
          }),
        );
        ctx.log(`uploaded them through the stack's S3 endpoint in ${fixed((performance.now() - started) / 1000)} s`);

        const targetPath = join(workDir, "target");
        ctx.log("dbt run --full-refresh");
        started = performance.now();
        const dbt = await runDbt(["run", "--full-refresh"], { origin: stack.origin, targetPath, capture: true, reconcile: false });
        const dbtSeconds = (performance.now() - started) / 1000;
        if (dbt.exitCode !== 0) throw new Error(`dbt run failed (${dbt.exitCode}):\n${dbt.output.slice(-4000)}`);
        const results = JSON.parse(readFileSync(join(targetPath, "run_results.json"), "utf8"));
        const modelSeconds = results.results.reduce((sum, r) => sum + r.execution_time, 0);
        const slowest = [...results.results].sort((a, b) => b.execution_time - a.execution_time).slice(0, 5);
        const factRows = /lake_parquet fact_page_views: .*?\((\d+) rows\)/.exec(dbt.output)?.[1];
        if (factRows === undefined) problems.push("dbt did not report fact_page_views' plan");
        else if (Number(factRows) !== counts.page_view) problems.push(`fact_page_views has ${factRows} rows, expected ${counts.page_view}`);

        started = performance.now();
        const reconciled = await reconcileCatalog(stack.origin);
        const reconcileSeconds = (performance.now() - started) / 1000;

        ctx.log("the same SQL in native DuckDB, through the S3 endpoint");
        const env = dbtEnvironment({ origin: stack.origin, targetPath });
        const nativeDir = join(workDir, "native");
        mkdirSync(nativeDir, { recursive: true });
        const manifest = join(targetPath, "manifest.json");
        started = performance.now();
        const native = python(["native", manifest, nativeDir, "s3://analytics-processed/temp/bench-native", "s3://analytics-source", env.LOCAL_S3_ENDPOINT ?? ""], env);
        const nativeSeconds = (performance.now() - started) / 1000;

        ctx.log("the same SQL in native DuckDB over local copies of the files");
        const localDir = join(workDir, "native-local");
        mkdirSync(localDir, { recursive: true });
        started = performance.now();
        const nativeLocal = python(["native", manifest, localDir, join(localDir, "out"), lakeDir], env);
        const nativeLocalSeconds = (performance.now() - started) / 1000;

        const ratio = dbtSeconds / nativeSeconds;
        const perSecond = (seconds) => `${int(events / seconds)} events/s`;
        const lines = table(
          ["", "value"],
          [
            ["raw lake", `${int(events)} events, ${generated.files} files (${hours} hours x ${filesPerHour} per table), ${mb(rawBytes)}`],
            ["dbt run --full-refresh (wall, scripts/dbt.mjs)", `${fixed(dbtSeconds, 2)} s: ${perSecond(dbtSeconds)}`],
            ["  of which models (run_results.json)", `${fixed(modelSeconds, 2)} s; slowest: ${slowest.map((r) => `${r.unique_id.split(".").pop()} ${fixed(r.execution_time, 2)} s`).join(", ")}`],
            ["baseline: same SQL, native DuckDB, S3 endpoint", `${fixed(nativeSeconds, 2)} s (in-process ${fixed(native.seconds, 2)} s): ${perSecond(nativeSeconds)}`],
            ["same SQL, native DuckDB, local files", `${fixed(nativeLocalSeconds, 2)} s (in-process ${fixed(nativeLocal.seconds, 2)} s)`],
            ["catalog reconcile afterwards", `${fixed(reconcileSeconds, 2)} s: ${reconciled.registered.length} files registered`],
          ],
        ).split("\n");
        return {
          name: "dbt-full-refresh",
          title: this.title,
          lines,
          valid: problems.length === 0,
          problems,
          headline: {
            figure: `${fixed(dbtSeconds, 1)} s (${perSecond(dbtSeconds)})`,
            baseline: `native DuckDB ${fixed(nativeSeconds, 1)} s`,
            ratio,
            target: "INFO",
            status: "INFO",
            context: `${int(events)} raw events in ${generated.files} files; models ${fixed(modelSeconds, 1)} s of dbt's ${fixed(dbtSeconds, 1)} s; native over local files ${fixed(nativeLocalSeconds, 1)} s`,
          },
        };
      } finally {
        await stack.stop();
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
