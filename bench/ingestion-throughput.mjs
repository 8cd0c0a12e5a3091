// Benchmark: how many events per second the REAL ingestion Worker (wrangler.jsonc, run by
// `wrangler dev` exactly as `npm start` runs it) accepts, measured in the same run next to two
// reference Workers fed the same bodies:
//   - the durable baseline (bench/durable-baseline-worker): parses, then ONE call to ONE SQLite
//     Durable Object that inserts the batch's events as JSON text in one transaction: the minimum
//     a durable request costs locally. The headline ratio and the target are against this one.
//   - the baseline (bench/baseline-worker): reads and parses the body, answers 202. Its ratio is
//     printed as context (without a durable baseline, e.g. a deployment that has none, the
//     headline falls back to it).
//
// Target (docs/benchmarks.md, issue 14): ingestion sustains at least half the durable baseline's events/s.
import { batchBodies, MIXED_BATCH, REQUEST_HEADERS } from "./lib/events.mjs";
import { mergeResults, runClosedLoop } from "./lib/load.mjs";
import { fixed, int, summarize, table } from "./lib/stats.mjs";
import { linkSharedDevVars } from "../scripts/workers.mjs";
import { startWranglerDev, writeTemporaryConfig } from "./lib/wrangler-dev.mjs";

/** The local development project key of `.dev.vars` (project "local"). */
export const API_KEY = "local-dev-key";
/** Ingestion events/s divided by the durable baseline's events/s must be at least this. */
export const TARGET_RATIO = 0.5;
/** Far above what a benchmark sends in a minute; the real limit is 1200/min per key. */
const BENCH_RATE_LIMIT = 1_000_000_000;

/**
 * Raises every `ratelimits` limit of a raw wrangler config (in place): the real 1200 requests/min
 * per key would throttle any benchmark.
 * @param {Record<string, any>} raw
 */
export function raiseRateLimits(raw) {
  if (!Array.isArray(raw.ratelimits)) throw new Error("wrangler.jsonc has no ratelimits: update bench/ingestion-throughput.mjs");
  raw.ratelimits = raw.ratelimits.map((r) => ({ ...r, simple: { ...r.simple, limit: BENCH_RATE_LIMIT } }));
}

/**
 * The Workers ingestion's bindings reach, started beside it in one process as in the stack: the
 * catalog (parity's counts) and the local stand-ins for Pipelines (its stream bindings: the
 * buffer, and the sink that rolls it into Parquet) and Analytics Engine (its dataset binding).
 */
export const INGESTION_PEERS = ["wrangler-catalog.toml", "workers/pipelines-local/wrangler.jsonc", "workers/analytics-engine-local/wrangler.jsonc"];

/**
 * Starts the real ingestion Worker from a temporary copy of wrangler.jsonc whose RATE_LIMITER
 * limit is raised (the 1200 requests/min per key would throttle any benchmark); everything else
 * (code, bindings, vars, Durable Objects, .dev.vars secrets) is the real configuration, and the
 * Workers its bindings reach run beside it as in the stack (INGESTION_PEERS).
 * @param {import("./run.mjs").BenchContext} ctx
 * @param {{ name?: string, inspector?: boolean }} [options] `inspector`: open the DevTools protocol (CPU profiles)
 */
export async function startIngestionWorker(ctx, { name = "ingestion", inspector = false } = {}) {
  const config = await writeTemporaryConfig("wrangler.jsonc", raiseRateLimits, name);
  // wrangler dev watches its config: the copy stays until the Worker is stopped.
  let worker;
  try {
    // The stand-ins' operator endpoints read the stack's keys through a linked .dev.vars.
    linkSharedDevVars();
    worker = await startWranglerDev({ name, config: [config.path, ...INGESTION_PEERS], readyPath: "/health", log: ctx.log, inspector });
  } catch (error) {
    config.remove();
    throw error;
  }
  const stop = worker.stop;
  return { ...worker, stop: () => stop().finally(config.remove) };
}

/**
 * Starts the baseline Worker (bench/baseline-worker).
 * @param {import("./run.mjs").BenchContext} ctx
 */
export function startBaselineWorker(ctx) {
  return startWranglerDev({ name: "baseline", config: "bench/baseline-worker/wrangler.jsonc", readyPath: "/", log: ctx.log });
}

/**
 * Starts the durable baseline Worker (bench/durable-baseline-worker): parse + one SQLite Durable
 * Object append per request. It answers like the baseline (checkBaselineAnswer).
 * @param {import("./run.mjs").BenchContext} ctx
 * @param {{ inspector?: boolean }} [options] `inspector`: open the DevTools protocol (CPU profiles)
 */
export function startDurableBaselineWorker(ctx, { inspector = false } = {}) {
  return startWranglerDev({ name: "durable-baseline", config: "bench/durable-baseline-worker/wrangler.jsonc", readyPath: "/", log: ctx.log, inspector });
}

/**
 * Checks an ingestion answer: a benchmark that counts failures as throughput is wrong.
 * @returns {import("./lib/load.mjs").Verdict}
 */
export function checkIngestionAnswer(status, text, items) {
  if (status !== 202) return { ok: false, reason: `HTTP ${status}: ${text.slice(0, 200)}` };
  try {
    const body = JSON.parse(text);
    if (body.accepted !== items || body.duplicates !== 0 || body.rejected?.length !== 0) {
      return { ok: false, reason: `202 but accepted=${body.accepted} duplicates=${body.duplicates} rejected=${JSON.stringify(body.rejected).slice(0, 200)}` };
    }
    return { ok: true };
  } catch {
    return { ok: false, reason: `202 with a body that is not JSON: ${text.slice(0, 200)}` };
  }
}

/** @returns {import("./lib/load.mjs").Verdict} */
export function checkBaselineAnswer(status, text, items) {
  if (status !== 202) return { ok: false, reason: `HTTP ${status}: ${text.slice(0, 200)}` };
  return text === JSON.stringify({ accepted: items }) ? { ok: true } : { ok: false, reason: `unexpected answer ${text.slice(0, 200)}` };
}

/** Cores other processes may use during a measured round before the run is flagged as noisy. */
export const NOISY_OTHER_CORES = 0.15;

/**
 * A warning line when processes this benchmark did not start used CPU during a measured round
 * (on 2 cores, even half a core of a neighbour's tests moves the figures).
 * @param {import("./lib/load.mjs").LoadResult[]} results
 */
export function noisyNeighbours(results) {
  const noisy = results.map((r) => ({ label: r.label, cores: summarize(r).otherCores })).filter((r) => r.cores > NOISY_OTHER_CORES);
  if (noisy.length === 0) return [];
  return [
    `WARNING: other processes used CPU during ${noisy.map((r) => `${r.label} (${fixed(r.cores, 2)} cores)`).join(", ")}: ` +
      "figures are noisy; rerun when the machine is quiet",
  ];
}

/**
 * Deployed targets instead of local ones, from the environment: the same bodies, client and
 * closed loop against Workers someone deployed (a staging account), which is where the target can
 * be judged for production (docs/benchmarks.md, "Measuring a deployment").
 *   BENCH_INGESTION_URL  origin of a deployed ingestion Worker (its POST /events)
 *   BENCH_BASELINE_URL   origin of the deployed bench/baseline-worker (required with the first)
 *   BENCH_DURABLE_BASELINE_URL  origin of the deployed bench/durable-baseline-worker (optional)
 *   BENCH_API_KEY        a project key of that deployment (required with the first)
 * Returns null when BENCH_INGESTION_URL is unset (the local Workers are started instead).
 * @param {Record<string, string | undefined>} env
 * @returns {{ ingestion: string, baseline: string, durableBaseline?: string, apiKey: string } | null}
 */
export function deployedTargetsFromEnv(env) {
  const ingestion = env.BENCH_INGESTION_URL;
  if (!ingestion) {
    const stray = ["BENCH_BASELINE_URL", "BENCH_DURABLE_BASELINE_URL", "BENCH_API_KEY"].filter((name) => env[name]);
    if (stray.length > 0) throw new Error(`${stray.join(", ")} set without BENCH_INGESTION_URL: set it too, or unset them to start local Workers`);
    return null;
  }
  const origin = (name) => {
    const value = env[name];
    if (!value) throw new Error(`BENCH_INGESTION_URL is set, so ${name} must be too`);
    let url;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name}=${value} is not a URL; give the Worker's origin, e.g. https://analytics-ingestion.example.workers.dev`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${name}=${value}: expected an http(s) origin`);
    if (url.pathname !== "/" || url.search) throw new Error(`${name}=${value}: give the origin only (the benchmark posts to <origin>/events)`);
    return url.origin;
  };
  const apiKey = env.BENCH_API_KEY;
  if (!apiKey) throw new Error("BENCH_INGESTION_URL is set, so BENCH_API_KEY must be too: a project key of that deployment");
  const targets = { ingestion: origin("BENCH_INGESTION_URL"), baseline: origin("BENCH_BASELINE_URL"), apiKey };
  return env.BENCH_DURABLE_BASELINE_URL ? { ...targets, durableBaseline: origin("BENCH_DURABLE_BASELINE_URL") } : targets;
}

/**
 * The measured targets, local or deployed alike: each Worker's POST /events with the same
 * headers, the ingestion key, and the answer check of its kind. The durable baseline is optional.
 * @param {{ baseline: { origin: string, cpuSeconds: () => number }, durable?: { origin: string, cpuSeconds: () => number }, ingestion: { origin: string, cpuSeconds: () => number }, apiKey: string }} workers
 */
function loadTargets({ baseline, durable, ingestion, apiKey }) {
  const target = (worker, label, check, headers = {}) => ({ worker, label, url: `${worker.origin}/events`, headers: { ...REQUEST_HEADERS, ...headers }, check });
  return [
    target(baseline, "baseline", checkBaselineAnswer),
    ...(durable ? [target(durable, "durable baseline", checkBaselineAnswer)] : []),
    target(ingestion, "ingestion", checkIngestionAnswer, { "x-api-key": apiKey }),
  ];
}

/** A deployed Worker: reachable at `origin`; its CPU is not measurable from here. */
const deployedWorker = (origin) => ({ origin, startSeconds: 0, cpuSeconds: () => Number.NaN, stop: async () => {} });

/** @type {import("./run.mjs").Bench} */
export default {
  name: "ingestion-throughput",
  title: "Ingestion throughput vs a durable baseline (and a parse-only baseline, as context)",
  defaultEnabled: true,
  async run(ctx) {
    const { seconds, warmupSeconds, concurrency, rounds, client } = ctx.settings;
    const bodies = batchBodies({ composition: MIXED_BATCH });
    ctx.log(
      `batches of ${bodies.batchSize} mixed events (${Object.entries(MIXED_BATCH).map(([t, n]) => `${n} ${t}`).join(", ")}), ` +
        `~${int(bodies.bodyBytes)} B per body (~${int(bodies.averageEventBytes)} B per event); concurrency ${concurrency}`,
    );

    const deployed = deployedTargetsFromEnv(process.env);
    /** @type {Awaited<ReturnType<typeof startWranglerDev>>[]} */
    const started = [];
    /** @type {{ worker: { origin: string, cpuSeconds: () => number }, label: string, url: string, headers: Record<string, string>, check: typeof checkBaselineAnswer }[]} */
    let targets;
    if (deployed) {
      ctx.log(
        `deployed Workers (BENCH_INGESTION_URL): ingestion ${deployed.ingestion}, baseline ${deployed.baseline}` +
          `${deployed.durableBaseline ? `, durable baseline ${deployed.durableBaseline}` : ""}; their CPU is not measured from here`,
      );
      targets = loadTargets({
        baseline: deployedWorker(deployed.baseline),
        durable: deployed.durableBaseline ? deployedWorker(deployed.durableBaseline) : undefined,
        ingestion: deployedWorker(deployed.ingestion),
        apiKey: deployed.apiKey,
      });
    } else {
      ctx.log("starting the baseline, the durable baseline and the ingestion Worker (wrangler dev, --log-level warn)");
      // One after the other: two wrangler dev starting at once can race for the same internal port
      // ("Address already in use (socket direct:1:default)").
      try {
        started.push(await startBaselineWorker(ctx));
        started.push(await startDurableBaselineWorker(ctx));
        started.push(await startIngestionWorker(ctx));
      } catch (error) {
        await Promise.all(started.map((w) => w.stop()));
        throw error;
      }
      const [baseline, durable, ingestion] = /** @type {[any, any, any]} */ (started);
      ctx.log(
        `baseline on ${baseline.origin} (ready after ${fixed(baseline.startSeconds)} s), durable baseline on ${durable.origin} (${fixed(durable.startSeconds)} s), ` +
          `ingestion on ${ingestion.origin} (${fixed(ingestion.startSeconds)} s)`,
      );
      targets = loadTargets({ baseline, durable, ingestion, apiKey: API_KEY });
    }
    const load = (target, label, durationMs, progress) =>
      runClosedLoop({
        label,
        url: target.url,
        headers: target.headers,
        body: bodies.next,
        check: target.check,
        durationMs,
        concurrency,
        transport: client,
        serverCpuSeconds: target.worker.cpuSeconds,
        progress,
      });

    try {
      for (const target of targets) {
        ctx.log(`warm-up ${target.label}: ${warmupSeconds} s`);
        const warm = await load(target, `warm-up ${target.label}`, warmupSeconds * 1000);
        if (warm.errors > 0) ctx.log(`warm-up ${target.label}: ${warm.errors} errors, e.g. ${warm.errorSamples[0]}`);
      }
      /** @type {Record<string, import("./lib/load.mjs").LoadResult[]>} */
      const runs = Object.fromEntries(targets.map((t) => [t.label, []]));
      for (let round = 1; round <= rounds; round++) {
        // Alternate the order of the targets so drift in machine load affects all alike.
        for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
          const label = `${target.label} round ${round}/${rounds}`;
          ctx.log(`${label}: ${seconds} s`);
          const result = await load(target, label, seconds * 1000, ctx.log);
          const s = summarize(result);
          ctx.log(
            `${label}: ${int(s.itemsPerSecond)} events/s, p50 ${fixed(s.p50Ms)} ms, p99 ${fixed(s.p99Ms)} ms, ${result.errors} errors, ` +
              `other processes ${fixed(s.otherCores, 2)} cores`,
          );
          runs[target.label]?.push(result);
        }
      }

      const all = Object.values(runs).flat();
      const perRound = all.map((r) => {
        const s = summarize(r);
        return [r.label, int(s.itemsPerSecond), fixed(s.p50Ms), fixed(s.p99Ms), fixed(s.otherCores, 2), String(r.errors)];
      });
      const base = summarize(mergeResults("baseline", runs.baseline ?? []));
      const durableRuns = runs["durable baseline"];
      const durableBase = durableRuns ? summarize(mergeResults("durable baseline", durableRuns)) : undefined;
      const ingest = summarize(mergeResults("ingestion", runs.ingestion ?? []));
      const parseRatio = ingest.itemsPerSecond / base.itemsPerSecond;
      const durableRatio = durableBase ? ingest.itemsPerSecond / durableBase.itemsPerSecond : Number.NaN;
      // The headline is against the durable baseline; against the parse-only one when there is none.
      const reference = durableBase ?? base;
      const ratio = durableBase ? durableRatio : parseRatio;
      const errors = all.reduce((sum, r) => sum + r.errors, 0);
      const valid = errors === 0 && ingest.requests > 0 && base.requests > 0 && (!durableBase || durableBase.requests > 0);
      const met = valid && ratio >= TARGET_RATIO;
      const row = (s) => [
        s.label,
        int(s.itemsPerSecond),
        int(s.requestsPerSecond),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        fixed(s.serverCpuMsPerRequest, 2),
        fixed(s.serverCores, 2),
        fixed(s.clientCores, 2),
        fixed(s.otherCores, 2),
        `${s.errors}/${int(s.requests)}`,
      ];
      const lines = [
        table(["round", "events/s", "p50 ms", "p99 ms", "other procs cores", "errors"], perRound),
        "",
        table(
          ["target (all rounds)", "events/s", "req/s", "p50 ms", "p99 ms", "worker CPU ms/req", "worker cores", "client cores", "other procs cores", "errors/req"],
          [row(base), ...(durableBase ? [row(durableBase)] : []), row(ingest)],
        ),
        "",
        `ratio ingestion/${durableBase ? "durable baseline" : "baseline"} (events/s): ${fixed(ratio, 3)}   target >= ${TARGET_RATIO}   ${valid ? (met ? "MET" : "MISSED") : "INVALID"}`,
        `ratio ingestion/baseline (events/s): ${fixed(parseRatio, 3)}   context, no target: against parsing alone` +
          (durableBase ? `; durable baseline/baseline ${fixed(durableBase.itemsPerSecond / base.itemsPerSecond, 3)}` : ""),
        ...(deployed
          ? [
              `deployed Workers: throughput at concurrency ${concurrency} from this machine, bounded by network latency as much as by the ` +
                "Workers (which scale out); compare p50 latencies too, and raise BENCH_CONCURRENCY until the baseline stops gaining",
            ]
          : noisyNeighbours(all)),
      ];
      const problems = all.flatMap((r) => r.errorSamples.map((e) => `${r.label}: ${e}`));
      return {
        name: this.name,
        title: this.title,
        lines,
        valid,
        problems,
        headline: {
          figure: `${int(ingest.itemsPerSecond)} events/s (p50 ${fixed(ingest.p50Ms)} ms, p99 ${fixed(ingest.p99Ms)} ms)`,
          baseline: `${durableBase ? "durable " : ""}${int(reference.itemsPerSecond)} events/s (p50 ${fixed(reference.p50Ms)} ms, p99 ${fixed(reference.p99Ms)} ms)`,
          ratio,
          target: `>= ${TARGET_RATIO}`,
          status: valid ? (met ? "MET" : "MISSED") : "INVALID",
          context: [
            deployed ? `deployed Workers at ${deployed.ingestion} and ${deployed.baseline}` : "",
            `ingestion/parse-only baseline ${fixed(parseRatio, 3)} (baseline ${int(base.itemsPerSecond)} events/s, ` +
              `p50 ${fixed(base.p50Ms)} ms, p99 ${fixed(base.p99Ms)} ms): context, no target`,
          ]
            .filter(Boolean)
            .join("; "),
        },
      };
    } finally {
      ctx.log("stopping the Workers");
      await Promise.all(started.map((w) => w.stop()));
    }
  },
};
