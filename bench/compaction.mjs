// Benchmark: compaction of one hour partition on the real local stack (router + ingestion +
// catalog + compaction in one `wrangler dev`, fresh state): BENCH_COMPACTION_FILES flushes of
// BENCH_COMPACTION_ROWS realistic page views each leave that many small files in the current hour;
// `POST /compact { table, partition }` merges them (read row group by row group, dedup, sort,
// encode, swap through the catalog, delete the inputs).
//
// Figure: compaction rows/s and MB/s (input Parquet bytes per second), the wrangler dev process
// tree's resident memory before/after and its peak. Baseline, same run and same rows: the sink's
// own `POST /admin/flush` that wrote those files (SQLite extraction + encode + put + catalog),
// rows/s. Ratio = compaction rows/s / sink rows/s. Target (issue "Compaction"): INFO, no number set.
//
// The look-back window's cost (same stack, same run, after the figure above): the same hour of
// BENCH_COMPACTION_FILES files x BENCH_COMPACTION_ROWS page views, plus 3% of the previous hour's
// events delivered again (client retries received an hour later), is compacted three times, each
// copy in its own hours (put through the stack's S3 endpoint, registered by POST /catalog/reconcile):
// with `lookback_hours: 0` (the baseline: the partition alone), with the window (DEDUP_LOOKBACK_HOURS
// of wrangler-compaction.toml, or BENCH_COMPACTION_LOOKBACK_HOURS) over raw hours of the same size
// (the window not compacted yet), and over the same hours compacted first (the steady state: the
// cron compacts hours in order). Figures from the runs' reports: object-store read requests (R2
// Class B: a HEAD per input, ranged GETs) and bytes, inputs and window apart, catalog listings, and
// the wall time. Ratio = the run's Class B requests / the window-0 run's. Printed beside the figure
// above; the headline stays the compaction rows/s.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { lakeColumns } from "@edge-analytics/event-schema";
import { encodeLakeRows, hourPartition, initZstd } from "@edge-analytics/lake";
import { AwsClient } from "aws4fetch";
import { repoRoot, startStack } from "../scripts/local-stack.mjs";
import { freePort } from "../scripts/wrangler-process.mjs";
import { processTreeMemory } from "./ae-hot-query.mjs";
import { generatePageViews, toLakeRows } from "./lake-encode.mjs";
import { integerFromEnv } from "./lib/env.mjs";
import { fixed, int, table } from "./lib/stats.mjs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ADMIN = { "x-api-key": "local-admin-key" };
const mb = (bytes) => `${fixed(bytes / 1024 / 1024, 1)} MB`;


async function post(url, body, headers = {}) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(600_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const HOUR_MS = 3_600_000;
/** Share of the previous hour's events a client delivers again into the compacted hour. */
const RETRY_SHARE = 0.03;
/** R2 Class B, USD per million requests (list price; README "Costs"), for the monthly line. */
const CLASS_B_USD_PER_MILLION = 0.36;
const TABLES = 5;

/** DEDUP_LOOKBACK_HOURS as wrangler-compaction.toml sets it (the stack passes no override). */
function configuredLookbackHours() {
  const toml = readFileSync(join(repoRoot, "wrangler-compaction.toml"), "utf8");
  const match = /^DEDUP_LOOKBACK_HOURS\s*=\s*"(\d+)"/m.exec(toml);
  return match ? Number(match[1]) : 1;
}

function initZstdFromNodeModules() {
  const require = createRequire(import.meta.url);
  initZstd(readFileSync(require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm", { paths: [fileURLToPath(new URL("../packages/lake/", import.meta.url))] })));
}

/**
 * The window's cost on the running stack (see the header): three copies of the same hours, each
 * compacted once, with window 0, with the window over raw hours, and over compacted ones.
 */
async function measureWindow(ctx, stack, { files, rowsPerFile, window, problems }) {
  initZstdFromNodeModules();
  const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });
  const objectUrl = (key) => `${stack.origin}/analytics-source/${key.split("/").map(encodeURIComponent).join("/")}`;

  // Hour offset k (0 = the compacted hour, k = the k-th hour before it): its own events, split into
  // files; the compacted hour's files also carry every (1/RETRY_SHARE)-th event of the hour before,
  // received an hour later. Encoded once; every scenario puts the same bytes under its own keys.
  const rowsOfHour = Array.from({ length: window + 1 }, (_, k) => toLakeRows(generatePageViews(files * rowsPerFile, 100 + k)));
  const received = lakeColumns("page_view").findIndex((c) => c.name === "received_at");
  const step = Math.round(1 / RETRY_SHARE);
  const retries = rowsOfHour[1].filter((_, i) => i % step === 0).map((row) => row.map((value, i) => (i === received ? new Date(Date.parse(String(value)) + HOUR_MS).toISOString() : value)));
  const fileBytes = rowsOfHour.map((rows, k) =>
    Array.from({ length: files }, (_, f) => {
      const own = rows.slice(f * rowsPerFile, (f + 1) * rowsPerFile);
      const extra = k === 0 ? retries.filter((_, i) => i % files === f) : [];
      return encodeLakeRows("page_view", [...own, ...extra]);
    }),
  );
  const hourBytes = fileBytes.map((list) => list.reduce((sum, b) => sum + b.byteLength, 0));

  // Each scenario two weeks after the previous one: further apart than any window (168 h).
  const scenarios = [
    { name: "window 0 (baseline)", lookback: 0, compactWindowFirst: false },
    { name: `window ${window} h, raw hour(s) before`, lookback: window, compactWindowFirst: false },
    { name: `window ${window} h, compacted hour(s) before`, lookback: window, compactWindowFirst: true },
  ].map((scenario, i) => {
    const start = Date.UTC(2024, 2, 1 + 14 * i, 12);
    return { ...scenario, partitions: Array.from({ length: window + 1 }, (_, k) => hourPartition(new Date(start - k * HOUR_MS))) };
  });
  const started = performance.now();
  for (const scenario of scenarios) {
    for (const [k, list] of fileBytes.entries()) {
      for (const bytes of list) {
        const key = `events/page_views/${scenario.partitions[k]}/${randomUUID()}.parquet`;
        const response = await s3.fetch(objectUrl(key), { method: "PUT", body: bytes, headers: { "content-type": "application/vnd.apache.parquet" }, signal: AbortSignal.timeout(120_000) });
        if (!response.ok) throw new Error(`PUT ${key}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
      }
    }
  }
  const reconcile = await post(`${stack.origin}/catalog/reconcile`, undefined, ADMIN);
  const expectedFiles = scenarios.length * (window + 1) * files;
  if (reconcile.registered.length < expectedFiles) problems.push(`window: reconcile registered ${reconcile.registered.length} files, expected ${expectedFiles}`);
  ctx.log(`window: ${scenarios.length} x ${window + 1} hours of ${files} files (${mb(hourBytes[0])} the compacted hour, ${int(retries.length)} retried events in it) put and registered in ${fixed((performance.now() - started) / 1000, 1)} s`);

  const results = [];
  for (const scenario of scenarios) {
    let windowFiles = window * files;
    if (scenario.compactWindowFirst) {
      windowFiles = 0;
      for (const partition of scenario.partitions.slice(1)) {
        const summary = await post(`${stack.origin}/compact`, { table: "page_views", partition, lookback_hours: 0 }, ADMIN);
        windowFiles += summary.files_out;
      }
    }
    const t0 = performance.now();
    const summary = await post(`${stack.origin}/compact`, { table: "page_views", partition: scenario.partitions[0], lookback_hours: scenario.lookback }, ADMIN);
    const ms = performance.now() - t0;
    const unique = files * rowsPerFile;
    const expectedRows = scenario.lookback === 0 ? unique + retries.length : unique;
    const expectedDropped = scenario.lookback === 0 ? 0 : retries.length;
    if (summary.rows_out !== expectedRows || summary.lookback_duplicates !== expectedDropped) {
      problems.push(`window: ${scenario.name}: ${summary.rows_out} rows out, ${summary.lookback_duplicates} retries dropped; expected ${expectedRows} and ${expectedDropped}`);
    }
    results.push({ ...scenario, windowFiles, summary, ms, classB: summary.read_requests + summary.lookback_read_requests, bytes: summary.bytes_read + summary.lookback_bytes_read });
  }

  const [base, ...windowed] = results;
  const pct = (extra, of) => `${extra >= 0 ? "+" : ""}${fixed((100 * extra) / of, 1)}%`;
  const lines = [
    "",
    `look-back window of ${window} h (DEDUP_LOOKBACK_HOURS, or BENCH_COMPACTION_LOOKBACK_HOURS): one hour of ${files} files x ${int(rowsPerFile)} rows + ${int(retries.length)} retries of the hour before, compacted once per run`,
    ...table(
      ["run", "window read", "rows out", "retries dropped", "Class B: inputs + window", "MB read: inputs + window", "listings", "time", "Class B ratio"],
      results.map((r) => [
        r.name,
        // A pass scans the window once, listing each of its hours.
        r.lookback === 0 ? "-" : `${r.windowFiles} file(s) x ${fixed(r.summary.lookback_listings / r.lookback, 0)} pass(es)`,
        int(r.summary.rows_out),
        int(r.summary.lookback_duplicates),
        `${int(r.summary.read_requests)} + ${int(r.summary.lookback_read_requests)}`,
        `${fixed(r.summary.bytes_read / 1024 / 1024, 1)} + ${fixed(r.summary.lookback_bytes_read / 1024 / 1024, 1)}`,
        int(r.summary.lookback_listings),
        `${fixed(r.ms)} ms`,
        fixed(r.classB / base.classB, 3),
      ]),
    ).split("\n"),
  ];
  for (const r of windowed) {
    const extra = r.classB - base.classB;
    const monthly = extra * 24 * 30 * TABLES;
    lines.push(
      `${r.name}: ${pct(extra, base.classB)} Class B (${int(extra)} requests a run), ${pct(r.bytes - base.bytes, base.bytes)} bytes read (${fixed(r.summary.lookback_bytes_read / 1024 / 1024, 2)} MB of the window's ${fixed((hourBytes.slice(1).reduce((a, b) => a + b, 0) / 1024 / 1024), 2)} MB raw), ` +
        `time x${fixed(r.ms / base.ms, 2)}; every hour of a month, ${TABLES} tables of this size: +${int(monthly)} Class B = $${fixed((monthly / 1e6) * CLASS_B_USD_PER_MILLION, 4)} at $${CLASS_B_USD_PER_MILLION}/M`,
    );
  }
  return { lines, base, windowed };
}

const compactionBench = {
  name: "compaction",
  title: "Compaction of one hour partition on the local stack vs the sink that wrote its files",
  defaultEnabled: true,
  async run(ctx) {
    const files = integerFromEnv("BENCH_COMPACTION_FILES", 40, 2);
    const rowsPerFile = integerFromEnv("BENCH_COMPACTION_ROWS", 2500, 10);
    const problems = [];
    const workDir = mkdtempSync(join(tmpdir(), "bench-compaction-"));
    ctx.log("starting the local stack (fresh state)");
    const stack = await startStack({ port: await freePort(), stateDir: join(workDir, "state"), registryDir: join(workDir, "registry"), quiet: true });
    try {
      const events = generatePageViews(files * rowsPerFile, 7);
      let flushMs = 0;
      let partition;
      let inputBytes = 0;
      for (let f = 0; f < files; f++) {
        // The stack's key is project `local`; the generator's timestamps are from another day, which is fine (files partition by write hour).
        const chunk = events.slice(f * rowsPerFile, (f + 1) * rowsPerFile).map(({ project_id, received_at, is_bot, ...event }) => event);
        for (let i = 0; i < chunk.length; i += 500) {
          const result = await post(`${stack.origin}/events`, { events: chunk.slice(i, i + 500) }, { "x-api-key": "local-dev-key", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36" });
          if (result.accepted !== Math.min(500, chunk.length - i)) problems.push(`file ${f}: accepted ${result.accepted}`);
        }
        const started = performance.now();
        const flushed = await post(`${stack.origin}/admin/flush`, undefined, ADMIN);
        flushMs += performance.now() - started;
        const file = flushed.files.find((x) => x.table === "page_views");
        if (!file) throw new Error(`flush ${f} wrote no page_views file`);
        inputBytes += file.bytes;
        partition ??= file.key.split("/").slice(2, 6).join("/");
        if (!file.key.includes(partition)) problems.push(`flush ${f} wrote into another hour (${file.key}): rerun away from the top of the hour`);
      }
      const rows = files * rowsPerFile;
      ctx.log(`${files} files of ${int(rowsPerFile)} page views (${mb(inputBytes)}) in ${partition}; the sink's flushes took ${fixed(flushMs)} ms in all`);

      const memoryBefore = processTreeMemory(stack.pid);
      const started = performance.now();
      const summary = await post(`${stack.origin}/compact`, { table: "page_views", partition }, ADMIN);
      const compactMs = performance.now() - started;
      const memoryAfter = processTreeMemory(stack.pid);
      if (summary.rows_out !== rows || summary.files_in !== files) problems.push(`compaction: ${summary.files_in} files / ${summary.rows_out} rows, expected ${files} / ${rows}`);
      const compactRowsPerSecond = rows / (compactMs / 1000);
      const sinkRowsPerSecond = rows / (flushMs / 1000);
      const lines = table(
        ["", "value"],
        [
          ["input", `${files} files, ${int(rows)} rows, ${mb(inputBytes)}`],
          ["output", `${summary.files_out} file(s), ${mb(summary.bytes_out)} (saved ${mb(summary.bytes_saved)})`],
          ["compaction", `${fixed(compactMs)} ms: ${int(compactRowsPerSecond)} rows/s, ${fixed(inputBytes / 1024 / 1024 / (compactMs / 1000), 2)} MB/s`],
          ["baseline: sink flushes of the same rows", `${fixed(flushMs)} ms: ${int(sinkRowsPerSecond)} rows/s`],
          ["wrangler dev tree RSS before / after", `${mb(memoryBefore.rss)} / ${mb(memoryAfter.rss)}: +${mb(memoryAfter.rss - memoryBefore.rss)} (tree peak ${mb(memoryAfter.peak)})`],
        ],
      ).split("\n");
      const lookbackHours = integerFromEnv("BENCH_COMPACTION_LOOKBACK_HOURS", configuredLookbackHours(), 1);
      const windowCost = await measureWindow(ctx, stack, { files, rowsPerFile, window: lookbackHours, problems });
      lines.push(...windowCost.lines);
      const windowContext = windowCost.windowed.map((r) => `${r.compactWindowFirst ? "compacted" : "raw"} window x${fixed(r.classB / windowCost.base.classB, 2)}`).join(", ");
      return {
        name: "compaction",
        title: this.title,
        lines,
        valid: problems.length === 0,
        problems,
        headline: {
          figure: `${int(compactRowsPerSecond)} rows/s, ${fixed(inputBytes / 1024 / 1024 / (compactMs / 1000), 2)} MB/s`,
          baseline: `sink ${int(sinkRowsPerSecond)} rows/s`,
          ratio: compactRowsPerSecond / sinkRowsPerSecond,
          target: "INFO",
          status: "INFO",
          context: `${files} files x ${int(rowsPerFile)} rows -> ${summary.files_out} file(s); workerd+wrangler RSS +${mb(memoryAfter.rss - memoryBefore.rss)} during the run; look-back ${lookbackHours} h, Class B vs window 0: ${windowContext}`,
        },
      };
    } finally {
      await stack.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
export default compactionBench;

// `node bench/compaction.mjs`: this benchmark alone, printed as bench/run.mjs prints it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await compactionBench.run({ settings: {}, log: (line) => console.log(`[compaction] ${line}`) });
  console.log(`\n${report.lines.join("\n")}`);
  if (report.problems.length > 0) console.log(`\nerrors seen:\n  ${report.problems.join("\n  ")}`);
  const { figure, baseline, ratio, context } = report.headline;
  console.log(`\ncompaction: ${figure} | baseline ${baseline} | ratio ${fixed(ratio, 3)}\n${context}`);
  process.exitCode = report.valid ? 0 : 1;
}
