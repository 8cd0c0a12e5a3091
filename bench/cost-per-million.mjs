// Benchmark: what a million events cost on Cloudflare's bill, at COST_MONTHLY_EVENTS a month
// (default 100M) in 100-event batches of the realistic mix, free tiers excluded.
//
// Figure: the dollars our design controls per million events (Workers requests and CPU, Durable
// Object requests and rows written, R2 Class A/B and a month of storage, Queues), with the
// breakdown; Analytics Engine's points and Pipelines' own price are printed beside it at list price
// (Pipelines' is unknown until CLOUDFLARE_PRICES sets `pipelines_usd_per_gb`). Baseline, same run:
// the ledger design this replaced (one Durable Object row per event at ingest and its deletion a
// day later, one ledger request per batch), modelled from the run's own counts, since its code is
// gone. Ratio = figure / baseline. Target (issue "One ingest path"): <= $0.05 per million events.
//
// How the operations are counted: bench/lib/cost-model.ts (production code on a simulated clock;
// what is executed and what is counted per file is listed there). Prices: `DEFAULT_CLOUDFLARE_PRICES`
// and `DEFAULT_R2_PRICES` (packages/lake), overridable with CLOUDFLARE_PRICES / R2_PRICES (JSON).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { cloudflarePricesFrom, priceListFrom } from "@edge-analytics/lake";
import { repoRoot } from "../scripts/local-stack.mjs";
import { fixed, int, table } from "./lib/stats.mjs";

const TITLE = "Cost per million events (Cloudflare's bill, 100M events a month)";
const TARGET_USD = 0.05;

/** Runs the cost model and answers its counts. */
export function runCostModel(env = {}) {
  const result = spawnSync(process.execPath, ["--experimental-transform-types", "--no-warnings", join(repoRoot, "bench/lib/cost-model.ts")], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench/lib/cost-model.ts failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
}

/**
 * Prices a run's counts per million events. Each line: [what, quantity per million, unit, USD].
 * @param {ReturnType<typeof runCostModel>} run
 */
export function priceRun(run, cloudflare = cloudflarePricesFrom(process.env.CLOUDFLARE_PRICES), r2 = priceListFrom(process.env.R2_PRICES)) {
  const o = run.ops;
  const per = 1_000_000 / o.accepted;
  const m = (n) => n * per;
  const usd = (quantity, perMillion) => (quantity / 1_000_000) * perMillion;
  const workerRequests = m(Object.values(o.workerRequests).reduce((a, b) => a + b, 0));
  const cpuMs = m(o.ingestCpuMs + o.compactionCpuMs);
  const doRequests = m(o.counterRequests + o.catalogRequests);
  const catalogRows = Object.values(o.catalogRows).reduce((a, b) => a + b, 0);
  const doRows = m(o.counterRows + catalogRows);
  // An object is billed 128 MB while active; a counter add or a catalog call is active for a few ms.
  const doGbSeconds = doRequests * 0.01 * 0.128;
  const storageGb = m(o.parquetBytes) / r2.bytes_per_gb;
  const controlled = [
    ["Workers requests (ingestion; catalog queue batches; crons)", workerRequests, "requests", usd(workerRequests, cloudflare.workers_requests_usd_per_million)],
    ["Workers CPU (ingest path, timed; compaction, from its rows/s)", cpuMs, "CPU ms", usd(cpuMs, cloudflare.workers_cpu_usd_per_million_ms)],
    ["Durable Object requests (counter adds and alarms; catalog calls)", doRequests, "requests", usd(doRequests, cloudflare.durable_objects_requests_usd_per_million)],
    [
      `Durable Object rows written (counter ${int(m(o.counterRows))}; catalog: accepted counts ${int(m(o.catalogRows.acceptedCounts))}, files ${int(m(o.catalogRows.registration))}, compaction ${int(m(o.catalogRows.compaction))}, snapshots ${int(m(o.catalogRows.snapshots))})`,
      doRows,
      "rows",
      usd(doRows, cloudflare.durable_objects_rows_written_usd_per_million),
    ],
    ["Durable Object duration (estimate: 10 ms active per request)", doGbSeconds, "GB-s", usd(doGbSeconds, cloudflare.durable_objects_gb_seconds_usd_per_million)],
    ["R2 Class A (sink PUTs, compaction outputs and listings, snapshots, reconcile)", m(o.r2ClassA), "requests", usd(m(o.r2ClassA), r2.class_a_usd_per_million)],
    ["R2 Class B (catalog fact reads, compaction reads)", m(o.r2ClassB), "requests", usd(m(o.r2ClassB), r2.class_b_usd_per_million)],
    ["R2 storage, one month (Parquet, the lake's writer)", storageGb, "GB-month", storageGb * r2.storage_usd_per_gb_month],
    ["Queues (R2 event notifications)", m(o.queueOperations), "operations", usd(m(o.queueOperations), cloudflare.queues_operations_usd_per_million)],
  ];
  const controlledUsd = controlled.reduce((sum, line) => sum + line[3], 0);
  const pipelinesGb = m(o.pipelinesBytes) / 1e9;
  const listPrice = [
    ["Analytics Engine data points", m(o.aePoints), "points", usd(m(o.aePoints), cloudflare.analytics_engine_data_points_usd_per_million)],
    ["Pipelines ingested (JSON records sent)", pipelinesGb, "GB", cloudflare.pipelines_usd_per_gb === null ? null : pipelinesGb * cloudflare.pipelines_usd_per_gb],
  ];
  // The ledger design: everything above but the counter and its reports, plus per event a ledger
  // row written at ingest and deleted a day later, and one ledger request per batch.
  const counterUsd =
    usd(m(o.counterRequests), cloudflare.durable_objects_requests_usd_per_million) +
    usd(m(o.counterRows + o.catalogRows.acceptedCounts), cloudflare.durable_objects_rows_written_usd_per_million);
  const ledgerRows = 2 * 1_000_000;
  const ledgerRequests = m(o.workerRequests.ingestion);
  const ledgerUsd =
    controlledUsd -
    counterUsd +
    usd(ledgerRows, cloudflare.durable_objects_rows_written_usd_per_million) +
    usd(ledgerRequests, cloudflare.durable_objects_requests_usd_per_million);
  return { controlled, controlledUsd, listPrice, ledgerUsd, ledgerRows, ledgerRequests };
}

const money = (value) => (value === null ? "unknown" : value < 0.0001 && value > 0 ? `$${value.toExponential(1)}` : `$${fixed(value, 4)}`);
const quantity = (value) => (value >= 100 ? int(value) : fixed(value, 3));

export default {
  name: "cost-per-million",
  title: TITLE,
  defaultEnabled: true,
  async run(ctx) {
    ctx.log("simulating a million events at 100M a month with the production code (bench/lib/cost-model.ts)...");
    const started = Date.now();
    const run = runCostModel();
    const priced = priceRun(run);
    const s = run.settings;
    const lines = [
      `${int(s.events)} events in ${int(s.events / s.batch)} requests of ${s.batch} (the realistic mix), ${fixed(s.simulatedHours, 1)} simulated hours at ${int(s.monthlyEvents)} events a month; ` +
        `accepted counts flushed every ${s.acceptedCountsIntervalMs} ms and reported ${s.acceptedCountsReportMs / 1000} s after a change, files rolled every ${s.rollSeconds} s (production settings); ran in ${fixed((Date.now() - started) / 1000, 1)} s`,
      "",
      "What the design controls, per million events:",
      table(
        ["operation", "per 1M events", "unit", "USD"],
        priced.controlled.map(([what, q, unit, cost]) => [what, quantity(q), unit, money(cost)]),
      ),
      `Total controlled: ${money(priced.controlledUsd)} per million events (target <= $${TARGET_USD}).`,
      "",
      "At list price, outside the target:",
      table(
        ["operation", "per 1M events", "unit", "USD"],
        priced.listPrice.map(([what, q, unit, cost]) => [what, quantity(q), unit, money(cost)]),
      ),
      "",
      `The ledger design, same counts: ${money(priced.ledgerUsd)} per million events (${int(priced.ledgerRows)} ledger rows written and deleted, ${int(priced.ledgerRequests)} ledger requests); ` +
        `this design costs ${fixed(priced.controlledUsd / priced.ledgerUsd, 4)} of it.`,
      `Parquet bytes per row by table (the lake's writer): ${Object.entries(run.parquetBytesPerRow)
        .map(([t, b]) => `${t} ${fixed(b, 1)}`)
        .join(", ")}.`,
      `Ingest CPU here is Node's V8 on this machine (${fixed(run.ops.ingestCpuMs / (s.events / s.batch), 2)} ms a request); workerd runs the same V8.`,
    ];
    return {
      name: "cost-per-million",
      title: TITLE,
      lines,
      valid: true,
      problems: [],
      headline: {
        figure: `${money(priced.controlledUsd)} per 1M events`,
        baseline: `ledger design ${money(priced.ledgerUsd)}`,
        ratio: priced.controlledUsd / priced.ledgerUsd,
        target: `<= $${TARGET_USD} per 1M events`,
        status: priced.controlledUsd <= TARGET_USD ? "MET" : "MISSED",
      },
    };
  },
};
