// Diagnostics (on demand: `npm run bench -- ingestion-profile`): where the ingestion Worker's time
// goes, measured in one run next to the same baseline as ingestion-throughput.
//   1. Request shapes on the REAL ingestion Worker: mixed vs single-type batches, small batches,
//      the 401 fast path (wrong key: no body read, no storage), and one request at a time.
//   2. A CPU profile of the ingestion isolate (the Worker and its Durable Objects share it
//      locally) under the mixed load, by module, by function and by stage.
//   3. What-if probes: the same HTTP app and Durable Objects (bench/probe-worker) with ONE stage
//      swapped for a stand-in per variant, so each stage's cost shows as throughput gained.
import { API_KEY, checkBaselineAnswer, checkIngestionAnswer, raiseRateLimits, startBaselineWorker, startIngestionWorker } from "./ingestion-throughput.mjs";
import { startCpuProfile } from "./lib/cpu-profile.mjs";
import { batchBodies, MIXED_BATCH, REQUEST_HEADERS } from "./lib/events.mjs";
import { runClosedLoop } from "./lib/load.mjs";
import { fixed, int, summarize, table } from "./lib/stats.mjs";
import { startWranglerDev, writeTemporaryConfig } from "./lib/wrangler-dev.mjs";

/** The probe Worker's variants (bench/probe-worker/index.js), with what each one changes. */
export const PROBE_VARIANTS = [
  ["real", "nothing: same code and config as the ingestion Worker (measured between the others)"],
  ["hot-store:analytics-engine-binding", "HOT_STORE=analytics-engine: production's AE binding (a no-op locally) instead of the recorder DO"],
  ["lake:dropped", "no LakeBuffer DO: records go to Pipelines stand-ins that drop them"],
  ["lake:one-object", "all six tables into ONE LakeBuffer object (still one append call per table)"],
  ["ledger:none", "no EventIdLedger DO: every id is new, no claim/commit"],
  ["hot-store:json-rows", "candidate recorder DO: same limits checked, each point stored as one JSON text"],
  ["lake:one-call", "candidate lake DO: all tables in ONE call to ONE object, event_id passed beside the record"],
  ["candidates:json-rows+one-call", "both candidates together"],
  ["fused:ledger+lake", "cost estimate: ledger + lake in ONE call and ONE transaction (no claim/commit RPCs)"],
  ["fused+json-rows", "the fused estimate plus the JSON-rows recorder"],
  ["storage:none", "no Durable Object at all: the Worker's own code only"],
];

/**
 * Functions whose inclusive CPU time is reported per request: [label, function name, module suffix]
 * (an empty function name: the whole module).
 * Durable Object methods run in their own tasks, so their time is not inside the Worker's stages.
 */
const STAGES = [
  ["Worker: POST /events handler (incl. ingestEvents)", "postEvents", "http-app.ts"],
  ["Worker: read + JSON.parse body", "readEventsFromRequest", "read-body.ts"],
  ["Worker: validate (zod)", "validateEvent", "validate-event.ts"],
  ["Worker: enrich", "enrichEvent", "enrich-event.ts"],
  ["Worker: User-Agent parse", "clientFactsFromUserAgent", "enrich-event.ts"],
  ["Worker: map to AE data points", "toAnalyticsEngineDataPoint", "analytics-engine.ts"],
  ["Worker: adapters.ts (record stringify, RPC sends)", "", "workers/ingestion/src/adapters.ts"],
  ["Worker: auth (sha256)", "authenticate", "http-app.ts"],
  ["Rate limiter binding", "limit", "ratelimit.worker.ts"],
  ["DO EventIdLedger.claim", "claim", "event-id-ledger.ts"],
  ["DO EventIdLedger.commit", "commit", "event-id-ledger.ts"],
  ["DO LakeBuffer.append", "append", "lake-buffer.ts"],
  ["DO AnalyticsEngineRecorder.writeDataPoints", "writeDataPoints", "analytics-engine-recorder.ts"],
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
      // The candidate Durable Objects of bench/probe-worker/index.js.
      raw.durable_objects.bindings.push({ name: "PROBE_RECORDER", class_name: "ProbeJsonRecorder" }, { name: "PROBE_LAKE", class_name: "ProbeLakeAll" });
      raw.migrations.push({ tag: "bench-probe-v1", new_sqlite_classes: ["ProbeJsonRecorder", "ProbeLakeAll"] });
    },
    "probe",
  );
  try {
    const worker = await startWranglerDev({ name: "probe", config: config.path, readyPath: "/health", log: ctx.log, inspector });
    const stop = worker.stop;
    return { ...worker, stop: () => stop().finally(config.remove) };
  } catch (error) {
    config.remove();
    throw error;
  }
}

/**
 * Runs the mixed load for `seconds` while sampling the Worker's isolate; returns report lines
 * (per-request CPU by stage, module and function).
 */
async function profileUnderLoad(ctx, { worker, headers, label, body, seconds, concurrency, client }) {
  ctx.log(`CPU profile, ${label}: ${seconds} s`);
  const profiler = await startCpuProfile(/** @type {string} */ (worker.inspectorOrigin));
  const profiled = await runClosedLoop({
    label: `${label} (profiled)`,
    url: `${worker.origin}/events`,
    headers: { ...REQUEST_HEADERS, ...headers },
    body,
    check: checkIngestionAnswer,
    concurrency,
    transport: client,
    durationMs: seconds * 1000,
  });
  const profile = await profiler.stop();
  const perRequest = (ms) => ms / Math.max(profiled.okRequests, 1);
  const find = (list, fn, moduleSuffix) => list.find((e) => e.key.startsWith(`${fn}  [`) && e.key.endsWith(`${moduleSuffix}]`));
  return [
    `CPU profile of ${label}: ${int(profiled.okRequests)} requests (${int(summarize(profiled).itemsPerSecond)} events/s while sampling, ${profiled.errors} errors); ` +
      `isolate busy ${fixed(profile.busyMs / 1000)} s of ${fixed(profile.wallMs / 1000)} s (${fixed((profile.busyMs / profile.wallMs) * 100, 0)}%), ` +
      `${fixed(perRequest(profile.busyMs), 2)} ms of isolate CPU per request`,
    "",
    table(
      ["stage (inclusive; DO methods run in their own tasks)", "ms/request", "share"],
      STAGES.map(([stage, fn, suffix]) => {
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
}

/** @type {import("./run.mjs").Bench} */
export default {
  name: "ingestion-profile",
  title: "Where ingestion's time goes: request shapes, CPU profile, what-if probes",
  defaultEnabled: false,
  async run(ctx) {
    const { seconds, warmupSeconds, concurrency, client } = ctx.settings;
    const mixed = batchBodies({ composition: MIXED_BATCH });
    const shapes = {
      mixed,
      custom: batchBodies({ composition: { custom: 100 } }),
      pageView: batchBodies({ composition: { page_view: 100 } }),
      mixed10: batchBodies({ composition: { page_view: 3, user_action: 2, api_request: 2, video_event: 1, custom: 1, usage: 1 } }),
    };
    ctx.log("starting the baseline, the ingestion Worker (with the DevTools inspector) and the probe Worker");
    const baseline = await startBaselineWorker(ctx);
    const ingestion = await startIngestionWorker(ctx, { inspector: true });
    const probe = await startProbeWorker(ctx, { inspector: true });
    const workers = [baseline, ingestion, probe];

    /** @type {string[][]} */
    const rows = [];
    let baselineEventsPerSecond = Number.NaN;
    let baselineRequestsPerSecond = Number.NaN;
    let realEventsPerSecond = Number.NaN;
    /** @type {string[][]} */
    const probeRows = [];
    const problems = [];

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
        `${s.errors}/${int(s.requests)}`,
      ]);
    };

    /** @type {string[]} */
    const profileLines = [];
    try {
      ctx.log(`warm-up: ${warmupSeconds} s per Worker`);
      for (const [worker, headers, check] of [
        [baseline, {}, checkBaselineAnswer],
        [ingestion, { "x-api-key": API_KEY }, checkIngestionAnswer],
        [probe, { "x-api-key": API_KEY }, checkIngestionAnswer],
      ]) {
        await runClosedLoop({ label: "warm-up", url: `${worker.origin}/events`, headers: { ...REQUEST_HEADERS, ...headers }, body: mixed.next, check, concurrency, transport: client, durationMs: warmupSeconds * 1000 });
      }

      // 1. Request shapes.
      const base = await measure({ label: "baseline: mixed 100", worker: baseline, check: checkBaselineAnswer });
      baselineEventsPerSecond = base.s.itemsPerSecond;
      baselineRequestsPerSecond = base.s.requestsPerSecond;
      addRow("baseline: mixed 100", base.s);
      const key = { "x-api-key": API_KEY };
      const real = await measure({ label: "ingestion: mixed 100", worker: ingestion, headers: key });
      realEventsPerSecond = real.s.itemsPerSecond;
      addRow("ingestion: mixed 100 (6 tables)", real.s);
      addRow("ingestion: 100 custom (1 table)", (await measure({ label: "ingestion: 100 custom", worker: ingestion, headers: key, bodies: shapes.custom })).s);
      addRow("ingestion: 100 page_view (1 table)", (await measure({ label: "ingestion: 100 page_view", worker: ingestion, headers: key, bodies: shapes.pageView })).s);
      addRow("ingestion: mixed 10", (await measure({ label: "ingestion: mixed 10", worker: ingestion, headers: key, bodies: shapes.mixed10 })).s);
      addRow("ingestion: mixed 100, concurrency 1", (await measure({ label: "ingestion: mixed 100, concurrency 1", worker: ingestion, headers: key, concurrency: 1 })).s);
      const unauthorized = await measure({
        label: "ingestion: wrong key -> 401",
        worker: ingestion,
        headers: { "x-api-key": "not-a-key" },
        countItems: false,
        check: (status, text) => (status === 401 ? { ok: true } : { ok: false, reason: `expected 401, got ${status}: ${text.slice(0, 200)}` }),
      });
      addRow("ingestion: wrong key -> 401 (mixed 100 body)", unauthorized.s, { eventsRatio: false });

      // 2. CPU profiles: the ingestion isolate under the mixed load, and the probe with no
      // Durable Object (what the Worker's own code costs).
      profileLines.push(...(await profileUnderLoad(ctx, { worker: ingestion, headers: key, label: "ingestion: mixed 100", body: mixed.next, seconds, concurrency, client })));
      profileLines.push("", ...(await profileUnderLoad(ctx, { worker: probe, headers: { ...key, "x-bench-variant": "storage:none" }, label: "probe storage:none (no Durable Object): mixed 100", body: mixed.next, seconds, concurrency, client })));

      // 3. What-if probes, each between two runs of the unchanged probe ("real"): a variant is
      // compared with the mean of its two neighbours, so drift (state growing, neighbours on the
      // machine) does not masquerade as a gain or a loss.
      const probeRun = (variant) => measure({ label: `probe ${variant}`, worker: probe, headers: { ...key, "x-bench-variant": variant } });
      let before = await probeRun("real");
      const reals = [before.s];
      for (const [variant] of PROBE_VARIANTS.filter(([name]) => name !== "real")) {
        const r = await probeRun(variant);
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
          `${r.s.errors}/${int(r.s.requests)}`,
        ]);
        before = after;
      }
      const mean = (key) => reals.reduce((sum, x) => sum + x[key], 0) / reals.length;
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
      table(["measurement", "events/s", "req/s", "p50 ms", "p99 ms", "worker CPU ms/req", "÷ baseline", "errors/req"], rows),
      "",
      "What-if probes: the ingestion app and Durable Objects (bench/probe-worker) with one stage swapped, mixed 100;",
      "each variant against the mean of the unchanged probe run just before and just after it:",
      "",
      table(
        ["variant", "events/s", "p50 ms", "worker CPU ms/req", "real events/s", "real CPU ms/req", "x real", "Δ CPU ms/req", "÷ baseline", "errors/req"],
        probeRows,
      ),
      "",
      ...PROBE_VARIANTS.map(([name, what]) => `  ${name.padEnd(36)} changes: ${what}`),
      "",
      ...profileLines,
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
