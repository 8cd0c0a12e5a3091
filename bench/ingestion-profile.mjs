// Diagnostics (on demand: `npm run bench -- ingestion-profile`): where the ingestion Worker's time
// goes, measured in one run next to the same references as ingestion-throughput.
//   1. Request shapes on the REAL ingestion Worker: mixed vs single-type batches, small batches
//      (fixed vs per-event cost), one request at a time, and the 401 fast path (wrong key: no body
//      read, no storage); the parse-only and the durable baseline for reference.
//   2. CPU profiles, through the DevTools inspector, of the ingestion isolate under the mixed load,
//      by stage, module and function; of the probe with no cross-Worker call (the Worker's own
//      code); and of the durable baseline. With several Workers in one process, wrangler's
//      inspector may attach to another Worker's isolate: read the stages only when they appear.
//   3. What-if probes: the same HTTP app and Durable Objects (bench/probe-worker, imported from
//      workers/ingestion/src) with ONE group of bindings replaced per variant by in-isolate objects
//      that drop, so each stage's cost shows as throughput gained.
import {
  API_KEY,
  checkBaselineAnswer,
  checkIngestionAnswer,
  INGESTION_PEERS,
  noisyNeighbours,
  raiseRateLimits,
  startBaselineWorker,
  startDurableBaselineWorker,
  startIngestionWorker,
} from "./ingestion-throughput.mjs";
import { startCpuProfile } from "./lib/cpu-profile.mjs";
import { batchBodies, MIXED_BATCH, REQUEST_HEADERS } from "./lib/events.mjs";
import { runClosedLoop } from "./lib/load.mjs";
import { fixed, int, summarize, table } from "./lib/stats.mjs";
import { startWranglerDev, writeTemporaryConfig } from "./lib/wrangler-dev.mjs";

/**
 * The probe Worker's variants (bench/probe-worker/index.js), with what each one changes. A variant
 * of the request rather than of the Worker names the probe variant it runs on (`on`) and its bodies.
 * @type {[string, string, { on?: string, eventIds?: "time-ordered" }?][]}
 */
export const PROBE_VARIANTS = [
  ["real", "nothing: same code and config as the ingestion Worker (measured between the others)"],
  ["hot-store:none", "no call to the Analytics Engine stand-in (an in-isolate dataset that drops): its RPC and recorder write"],
  ["streams:none", "no call to the Pipelines stand-in (in-isolate streams that drop): six RPCs per mixed request and the buffer's write"],
  ["storage:none", "no cross-Worker call and no Durable Object at all: the Worker's own code only"],
];

/**
 * Functions whose inclusive CPU time is reported per request: [label, function name, module suffix]
 * (an empty function name: the whole module).
 * Durable Object methods run in their own tasks, so their time is not inside the Worker's stages.
 */
const INGESTION_STAGES = [
  ["Worker: POST /events handler (incl. ingestEvents)", "postEvents", "http-app.ts"],
  ["Worker: read + JSON.parse body", "readEventsFromRequest", "read-body.ts"],
  ["Worker: validate (zod)", "validateEvent", "validate-event.ts"],
  ["Worker: enrich", "enrichEvent", "enrich-event.ts"],
  ["Worker: User-Agent parse", "clientFactsFromUserAgent", "enrich-event.ts"],
  ["Worker: map to AE data points", "toAnalyticsEngineDataPoint", "analytics-engine.ts"],
  ["Worker: stream sends (group by table, size chunks, RPC)", "send", "pipelines-lake-sink.ts"],
  ["Worker: AE stand-in write (RPC)", "write", "hot-writers.ts"],
  ["Worker: accepted counts (batched in memory)", "record", "workers/ingestion/src/adapters.ts"],
  ["Worker: auth (sha256)", "authenticate", "http-app.ts"],
  ["Rate limiter binding", "limit", "ratelimit.worker.ts"],
  ["Garbage collector", "(garbage collector)", "(garbage collector)"],
  ["(program): runtime outside JS", "(program)", "(program)"],
];

/** The same for the durable baseline (bench/durable-baseline-worker/src/index.js). */
const DURABLE_BASELINE_STAGES = [
  ["Worker: fetch (read, JSON.parse, JSON.stringify, RPC send)", "fetch", "src/index.js"],
  ["DO EventLog.append (one INSERT … json_each, one transaction)", "append", "src/index.js"],
  ["Garbage collector", "(garbage collector)", "(garbage collector)"],
  ["(program): runtime outside JS", "(program)", "(program)"],
];

/** Starts the probe Worker: a temporary copy of wrangler.jsonc with `main` = bench/probe-worker. */
async function startProbeWorker(ctx, { inspector = false } = {}) {
  const config = await writeTemporaryConfig(
    "wrangler.jsonc",
    (raw) => {
      raw.name = "bench-ingestion-probe";
      raw.main = "bench/probe-worker/index.js";
      raiseRateLimits(raw);
    },
    "probe",
  );
  try {
    const worker = await startWranglerDev({ name: "probe", config: [config.path, ...INGESTION_PEERS], readyPath: "/health", log: ctx.log, inspector });
    const stop = worker.stop;
    return { ...worker, stop: () => stop().finally(config.remove) };
  } catch (error) {
    config.remove();
    throw error;
  }
}

/**
 * Runs a load for `seconds` while sampling a Worker's isolate; returns report lines (per-request
 * CPU by stage, module and function) and the isolate CPU per request.
 */
async function profileUnderLoad(ctx, { worker, headers, label, body, check, stages, seconds, concurrency, client }) {
  ctx.log(`CPU profile, ${label}: ${seconds} s`);
  const profiler = await startCpuProfile(/** @type {string} */ (worker.inspectorOrigin));
  const profiled = await runClosedLoop({
    label: `${label} (profiled)`,
    url: `${worker.origin}/events`,
    headers: { ...REQUEST_HEADERS, ...headers },
    body,
    check,
    concurrency,
    transport: client,
    durationMs: seconds * 1000,
    serverCpuSeconds: worker.cpuSeconds,
  });
  const profile = await profiler.stop();
  const perRequest = (ms) => ms / Math.max(profiled.okRequests, 1);
  const s = summarize(profiled);
  const find = (list, fn, moduleSuffix) => list.find((e) => e.key.startsWith(`${fn}  [`) && e.key.endsWith(`${moduleSuffix}]`));
  const isolateMsPerRequest = perRequest(profile.busyMs);
  const lines = [
    `CPU profile of ${label}: ${int(profiled.okRequests)} requests (${int(s.itemsPerSecond)} events/s while sampling, ${profiled.errors} errors); ` +
      `isolate busy ${fixed(profile.busyMs / 1000)} s of ${fixed(profile.wallMs / 1000)} s (${fixed((profile.busyMs / profile.wallMs) * 100, 0)}%), ` +
      `${fixed(isolateMsPerRequest, 2)} ms of isolate CPU per request ` +
      `(worker process tree while sampling: ${fixed(s.serverCpuMsPerRequest, 2)} ms/request, ${fixed(s.serverCores, 2)} cores)`,
    "",
    table(
      ["stage (inclusive; DO methods run in their own tasks)", "ms/request", "share"],
      stages.map(([stage, fn, suffix]) => {
        // An empty function name means: the whole module, inclusive.
        const entry = fn ? find(profile.inclusiveByFunction, fn, suffix) : profile.inclusiveByModule.find((e) => e.key === suffix);
        return [stage, entry ? fixed(perRequest(entry.ms), 2) : "-", entry ? `${fixed(entry.share * 100)}%` : "-"];
      }),
    ),
    "",
    table(["module (self time)", "ms/request", "share"], profile.selfByModule.slice(0, 14).map((e) => [e.key, fixed(perRequest(e.ms), 2), `${fixed(e.share * 100)}%`])),
    "",
    table(
      ["function (self time)  [module]", "ms/request", "share"],
      profile.selfByFunction.slice(0, 20).map((e) => [e.key, fixed(perRequest(e.ms), 2), `${fixed(e.share * 100)}%`]),
    ),
  ];
  return { lines, isolateMsPerRequest, errors: profiled.errorSamples.map((e) => `${label} (profiled): ${e}`) };
}

/** @type {import("./run.mjs").Bench} */
export default {
  name: "ingestion-profile",
  title: "Where ingestion's time goes: request shapes, CPU profiles, what-if probes",
  defaultEnabled: false,
  async run(ctx) {
    const { seconds, warmupSeconds, concurrency, client } = ctx.settings;
    const mixed = batchBodies({ composition: MIXED_BATCH });
    const shapes = {
      custom: batchBodies({ composition: { custom: 100 } }),
      pageView: batchBodies({ composition: { page_view: 100 } }),
      mixed10: batchBodies({ composition: { page_view: 3, user_action: 2, api_request: 2, video_event: 1, custom: 1, usage: 1 } }),
    };
    ctx.log("starting the baseline, the durable baseline, the ingestion Worker and the probe Worker (the last three with the DevTools inspector)");
    // One after the other (two wrangler dev starting at once race for an internal port).
    /** @type {any[]} */
    const workers = [];
    const start = async (starter) => {
      const worker = await starter();
      workers.push(worker);
      return worker;
    };

    /** @type {string[][]} */
    const rows = [];
    let baselineEventsPerSecond = Number.NaN;
    let baselineRequestsPerSecond = Number.NaN;
    let realEventsPerSecond = Number.NaN;
    /** @type {string[][]} */
    const probeRows = [];
    /** @type {string[]} */
    const problems = [];
    /** @type {string[]} */
    const costLines = [];
    /** @type {string[]} */
    const probeNotes = [];
    /** @type {string[]} */
    const profileLines = [];
    /** @type {import("./lib/load.mjs").LoadResult[]} */
    const results = [];

    /**
     * @param {{ label: string, worker: any, headers?: Record<string, string>, bodies?: ReturnType<typeof batchBodies>,
     *   check?: (status: number, text: string, items: number) => import("./lib/load.mjs").Verdict, countItems?: boolean,
     *   concurrency?: number, warmupMs?: number }} m
     */
    const measure = async (m) => {
      const bodies = m.bodies ?? mixed;
      const options = {
        url: `${m.worker.origin}/events`,
        headers: { ...REQUEST_HEADERS, ...m.headers },
        body: m.countItems === false ? () => ({ ...bodies.next(), items: 0 }) : bodies.next,
        check: m.check ?? checkIngestionAnswer,
        concurrency: m.concurrency ?? concurrency,
        transport: client,
        serverCpuSeconds: m.worker.cpuSeconds,
      };
      await runClosedLoop({ ...options, label: `warm-up ${m.label}`, durationMs: m.warmupMs ?? 1000 });
      ctx.log(`${m.label}: ${seconds} s`);
      const result = await runClosedLoop({ ...options, label: m.label, durationMs: seconds * 1000, progress: ctx.log });
      const s = summarize(result);
      problems.push(...result.errorSamples.map((e) => `${m.label}: ${e}`));
      results.push(result);
      return { result, s };
    };
    const addRow = (label, s, { eventsRatio = true } = {}) => {
      const vsBaseline = eventsRatio ? s.itemsPerSecond / baselineEventsPerSecond : s.requestsPerSecond / baselineRequestsPerSecond;
      rows.push([
        label,
        eventsRatio ? int(s.itemsPerSecond) : "-",
        int(s.requestsPerSecond),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        fixed(s.serverCpuMsPerRequest, 2),
        `${fixed(vsBaseline, 3)}${eventsRatio ? "" : " (req/s)"}`,
        fixed(s.otherCores, 2),
        `${s.errors}/${int(s.requests)}`,
      ]);
    };

    try {
      const baseline = await start(() => startBaselineWorker(ctx));
      const durable = await start(() => startDurableBaselineWorker(ctx, { inspector: true }));
      const ingestion = await start(() => startIngestionWorker(ctx, { inspector: true }));
      const probe = await start(() => startProbeWorker(ctx, { inspector: true }));
      const key = { "x-api-key": API_KEY };

      ctx.log(`warm-up: ${warmupSeconds} s per Worker`);
      for (const [worker, headers, check] of [
        [baseline, {}, checkBaselineAnswer],
        [durable, {}, checkBaselineAnswer],
        [ingestion, key, checkIngestionAnswer],
        [probe, key, checkIngestionAnswer],
      ]) {
        await runClosedLoop({ label: "warm-up", url: `${worker.origin}/events`, headers: { ...REQUEST_HEADERS, ...headers }, body: mixed.next, check, concurrency, transport: client, durationMs: warmupSeconds * 1000 });
      }

      // 1. Request shapes.
      const base = await measure({ label: "baseline: mixed 100", worker: baseline, check: checkBaselineAnswer });
      baselineEventsPerSecond = base.s.itemsPerSecond;
      baselineRequestsPerSecond = base.s.requestsPerSecond;
      addRow("baseline (parse only): mixed 100", base.s);
      addRow("durable baseline (parse + 1 DO append): mixed 100", (await measure({ label: "durable baseline: mixed 100", worker: durable, check: checkBaselineAnswer })).s);
      const real = await measure({ label: "ingestion: mixed 100", worker: ingestion, headers: key });
      realEventsPerSecond = real.s.itemsPerSecond;
      addRow("ingestion: mixed 100 (6 types)", real.s);
      addRow("ingestion: 100 custom", (await measure({ label: "ingestion: 100 custom", worker: ingestion, headers: key, bodies: shapes.custom })).s);
      addRow("ingestion: 100 page_view", (await measure({ label: "ingestion: 100 page_view", worker: ingestion, headers: key, bodies: shapes.pageView })).s);
      const small = await measure({ label: "ingestion: mixed 10", worker: ingestion, headers: key, bodies: shapes.mixed10 });
      addRow("ingestion: mixed 10", small.s);
      const single = await measure({ label: "ingestion: mixed 100, concurrency 1", worker: ingestion, headers: key, concurrency: 1 });
      addRow("ingestion: mixed 100, concurrency 1", single.s);
      const unauthorized = await measure({
        label: "ingestion: wrong key -> 401",
        worker: ingestion,
        headers: { "x-api-key": "not-a-key" },
        countItems: false,
        check: (status, text) => (status === 401 ? { ok: true } : { ok: false, reason: `expected 401, got ${status}: ${text.slice(0, 200)}` }),
      });
      addRow("ingestion: wrong key -> 401 (mixed 100 body)", unauthorized.s, { eventsRatio: false });

      // Fixed vs per-event cost, from worker CPU per request at 10 and at 100 events.
      const perEvent = (real.s.serverCpuMsPerRequest - small.s.serverCpuMsPerRequest) / 90;
      const fixedCost = small.s.serverCpuMsPerRequest - 10 * perEvent;
      costLines.push(
        `fixed vs per-event cost (worker CPU, mixed 10 vs mixed 100): ~${fixed(fixedCost, 2)} ms per request + ~${fixed(perEvent * 1000, 0)} µs per event ` +
          `(a 100-event request: ${fixed((fixedCost / real.s.serverCpuMsPerRequest) * 100, 0)}% fixed); ` +
          `401 path ${fixed(unauthorized.s.serverCpuMsPerRequest, 2)} ms, parse-only baseline ${fixed(base.s.serverCpuMsPerRequest, 2)} ms per request`,
        `one request at a time: p50 ${fixed(single.s.p50Ms)} ms for ${fixed(single.s.serverCpuMsPerRequest, 2)} ms of worker CPU; ` +
          `concurrency 1 reaches ${fixed((single.s.itemsPerSecond / real.s.itemsPerSecond) * 100, 0)}% of concurrency ${concurrency}'s events/s`,
      );

      // 2. CPU profiles.
      const profiles = [
        { worker: ingestion, headers: key, label: "ingestion: mixed 100", check: checkIngestionAnswer, stages: INGESTION_STAGES },
        { worker: probe, headers: { ...key, "x-bench-variant": "storage:none" }, label: "probe storage:none (no cross-Worker call, no Durable Object): mixed 100", check: checkIngestionAnswer, stages: INGESTION_STAGES },
        { worker: durable, headers: {}, label: "durable baseline: mixed 100", check: checkBaselineAnswer, stages: DURABLE_BASELINE_STAGES },
      ];
      for (const p of profiles) {
        const result = await profileUnderLoad(ctx, { ...p, body: mixed.next, seconds, concurrency, client });
        problems.push(...result.errors);
        profileLines.push(...(profileLines.length > 0 ? [""] : []), ...result.lines);
      }

      // 3. What-if probes, each between two runs of the unchanged probe ("real"): a variant is
      // compared with the mean of its two neighbours, so drift (state growing, neighbours on the
      // machine) does not masquerade as a gain or a loss.
      const probeRun = (variant, options = {}) =>
        measure({
          label: `probe ${variant}`,
          worker: probe,
          headers: { ...key, "x-bench-variant": options.on ?? variant },
          ...(options.eventIds ? { bodies: batchBodies({ composition: MIXED_BATCH, eventIds: options.eventIds }) } : {}),
        });
      let before = await probeRun("real");
      const reals = [before.s];
      for (const [variant, , options] of PROBE_VARIANTS.filter(([name]) => name !== "real")) {
        const r = await probeRun(variant, options);
        const after = await probeRun("real");
        reals.push(after.s);
        const refEvents = (before.s.itemsPerSecond + after.s.itemsPerSecond) / 2;
        const refCpu = (before.s.serverCpuMsPerRequest + after.s.serverCpuMsPerRequest) / 2;
        probeRows.push([
          variant,
          int(r.s.itemsPerSecond),
          fixed(r.s.p50Ms),
          fixed(r.s.serverCpuMsPerRequest, 2),
          int(refEvents),
          fixed(refCpu, 2),
          `${fixed(r.s.itemsPerSecond / refEvents, 2)}x`,
          fixed(r.s.serverCpuMsPerRequest - refCpu, 2),
          fixed(r.s.itemsPerSecond / baselineEventsPerSecond, 3),
          fixed(r.s.otherCores, 2),
          `${r.s.errors}/${int(r.s.requests)}`,
        ]);
        before = after;
      }
      const mean = (k) => reals.reduce((sum, x) => sum + x[k], 0) / reals.length;
      probeNotes.push(
        `unchanged probe runs in order: ` +
          `${reals.map((x) => int(x.itemsPerSecond)).join(" → ")} events/s, ${reals.map((x) => fixed(x.serverCpuMsPerRequest, 1)).join(" → ")} worker CPU ms/request`,
      );
      probeRows.unshift([
        `real (mean of ${reals.length} runs)`,
        int(mean("itemsPerSecond")),
        fixed(mean("p50Ms")),
        fixed(mean("serverCpuMsPerRequest"), 2),
        "",
        "",
        "1.00x",
        "0.00",
        fixed(mean("itemsPerSecond") / baselineEventsPerSecond, 3),
        fixed(mean("otherCores"), 2),
        `${reals.reduce((n, x) => n + x.errors, 0)}/${int(reals.reduce((n, x) => n + x.requests, 0))}`,
      ]);

      // Drift check: the baseline again at the end.
      const baseAgain = await measure({ label: "baseline again (drift check)", worker: baseline, check: checkBaselineAnswer });
      addRow("baseline again (drift check)", baseAgain.s);
    } finally {
      ctx.log("stopping the Workers");
      await Promise.all(workers.map((w) => w.stop()));
    }

    const lines = [
      table(["measurement", "events/s", "req/s", "p50 ms", "p99 ms", "worker CPU ms/req", "÷ baseline", "other procs cores", "errors/req"], rows),
      "",
      ...costLines,
      "",
      "What-if probes: the ingestion app and Durable Objects (bench/probe-worker) with one thing changed, mixed 100;",
      "each variant against the mean of the unchanged probe run just before and just after it:",
      "",
      table(
        ["variant", "events/s", "p50 ms", "worker CPU ms/req", "real events/s", "real CPU ms/req", "x real", "Δ CPU ms/req", "÷ baseline", "other procs cores", "errors/req"],
        probeRows,
      ),
      "",
      ...probeNotes,
      ...PROBE_VARIANTS.map(([name, what]) => `  ${name.padEnd(28)} changes: ${what}`),
      "",
      ...profileLines,
      ...noisyNeighbours(results),
    ];
    return {
      name: this.name,
      title: this.title,
      lines,
      valid: problems.length === 0,
      problems,
      headline: {
        figure: `${int(realEventsPerSecond)} events/s (mixed 100)`,
        baseline: `${int(baselineEventsPerSecond)} events/s`,
        ratio: realEventsPerSecond / baselineEventsPerSecond,
        target: "diagnostic",
        status: "INFO",
      },
    };
  },
};
