// A bounded, closed-loop HTTP load generator: `concurrency` loops, each sending one request,
// awaiting the whole answer, checking it, and sending the next, until the duration is over.
// Closed loop = the load adapts to the server (no queue builds up in the client), so the
// throughput measured is what the server sustains at that concurrency.
//
// Transport: node:http with a keep-alive agent (default) or fetch (undici, keep-alive too). Measured
// on the 2-core machine against the baseline Worker, fetch costs 3-4x the client CPU per request
// (~1.3-1.5 ms vs ~0.4 ms for a 46 kB body): CPU the Workers under test do not get, which would cap
// the baseline more than ingestion and flatter the ratio. Choose with BENCH_CLIENT=http|fetch.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { otherProcessesCpuMeter } from "./machine.mjs";

/**
 * @typedef {{ ok: true } | { ok: false, reason: string }} Verdict
 * @typedef {{
 *   label: string,
 *   seconds: number,
 *   requests: number,
 *   okRequests: number,
 *   errors: number,
 *   errorSamples: string[],
 *   items: number,
 *   latenciesMs: Float64Array,
 *   clientCpuSeconds: number,
 *   serverCpuSeconds: number,
 *   otherCpuSeconds: number,
 *   bytesSent: number,
 * }} LoadResult
 */

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * A POST function over one transport: resolves with the status and the whole answer as text.
 * @param {"http" | "fetch"} transport
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {number} concurrency
 * @param {number} timeoutMs
 * @returns {{ post: (body: string) => Promise<{ status: number, text: string }>, close: () => void }}
 */
export function poster(transport, url, headers, concurrency, timeoutMs) {
  const allHeaders = { "content-type": "application/json", ...headers };
  if (transport === "fetch") {
    return {
      post: async (body) => {
        const response = await fetch(url, { method: "POST", headers: allHeaders, body, signal: AbortSignal.timeout(timeoutMs) });
        return { status: response.status, text: await response.text() };
      },
      close: () => {},
    };
  }
  if (transport !== "http") throw new Error(`unknown transport "${transport}": expected http or fetch`);
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    post: (body) =>
      new Promise((done, fail) => {
        const request = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: `${target.pathname}${target.search}`,
            method: "POST",
            headers: { ...allHeaders, "content-length": Buffer.byteLength(body) },
            timeout: timeoutMs,
          },
          (response) => {
            const chunks = [];
            response.on("data", (chunk) => chunks.push(chunk));
            response.on("end", () => done({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            response.on("error", fail);
          },
        );
        request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        request.on("error", fail);
        request.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/**
 * Runs a closed-loop load for `durationMs` and returns what completed. Requests still in flight at
 * the end are awaited and counted; `seconds` runs from the start to the last completion.
 *
 * @param {{
 *   label: string,
 *   url: string,
 *   headers?: Record<string, string>,
 *   body: () => { text: string, items: number },
 *   check: (status: number, text: string, items: number) => Verdict,
 *   durationMs: number,
 *   concurrency: number,
 *   timeoutMs?: number,
 *   transport?: "http" | "fetch",
 *   serverCpuSeconds?: () => number,
 *   progress?: (line: string) => void,
 *   progressEveryMs?: number,
 * }} options
 * @returns {Promise<LoadResult>}
 */
export async function runClosedLoop({
  label,
  url,
  headers = {},
  body,
  check,
  durationMs,
  concurrency,
  timeoutMs = 30_000,
  transport = "http",
  serverCpuSeconds = () => 0,
  progress,
  progressEveryMs = 2_500,
}) {
  /** @type {number[]} */
  const latencies = [];
  const errorSamples = new Set();
  let requests = 0;
  let okRequests = 0;
  let errors = 0;
  let items = 0;
  let bytesSent = 0;

  const client = poster(transport, url, headers, concurrency, timeoutMs);
  const cpuStart = process.cpuUsage();
  const serverCpuStart = serverCpuSeconds();
  const otherCpu = otherProcessesCpuMeter();
  const start = performance.now();
  const end = start + durationMs;
  let lastCompletion = start;

  const ticker =
    progress &&
    setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      const rate = items / Math.max(elapsed, 1e-9);
      progress(`${label}: ${elapsed.toFixed(1)}/${(durationMs / 1000).toFixed(0)} s, ${Math.round(rate).toLocaleString("en-US")} items/s so far, ${errors} errors`);
    }, progressEveryMs);

  const loop = async () => {
    while (performance.now() < end) {
      const { text, items: n } = body();
      bytesSent += text.length;
      const t0 = performance.now();
      let verdict;
      try {
        const answer = await client.post(text);
        verdict = check(answer.status, answer.text, n);
      } catch (error) {
        verdict = { ok: false, reason: `request failed: ${error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error)}` };
      }
      const t1 = performance.now();
      lastCompletion = Math.max(lastCompletion, t1);
      requests++;
      if (verdict.ok) {
        okRequests++;
        items += n;
        latencies.push(t1 - t0);
      } else {
        errors++;
        if (errorSamples.size < 5) errorSamples.add(verdict.reason.slice(0, 300));
        // Do not spin on a failing server.
        await sleep(20);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    if (ticker) clearInterval(ticker);
    client.close();
  }
  const cpu = process.cpuUsage(cpuStart);
  const other = otherCpu();
  return {
    label,
    seconds: (lastCompletion - start) / 1000,
    requests,
    okRequests,
    errors,
    errorSamples: [...errorSamples],
    items,
    latenciesMs: Float64Array.from(latencies),
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    serverCpuSeconds: serverCpuSeconds() - serverCpuStart,
    otherCpuSeconds: other.cpuSeconds,
    bytesSent,
  };
}

/**
 * Merges several runs of the same target (e.g. alternating rounds) into one result.
 * @param {string} label
 * @param {LoadResult[]} runs
 * @returns {LoadResult}
 */
export function mergeResults(label, runs) {
  const latencies = new Float64Array(runs.reduce((n, r) => n + r.latenciesMs.length, 0));
  let offset = 0;
  for (const r of runs) {
    latencies.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  const sum = (key) => runs.reduce((total, r) => total + r[key], 0);
  return {
    label,
    seconds: sum("seconds"),
    requests: sum("requests"),
    okRequests: sum("okRequests"),
    errors: sum("errors"),
    errorSamples: [...new Set(runs.flatMap((r) => r.errorSamples))].slice(0, 5),
    items: sum("items"),
    latenciesMs: latencies,
    clientCpuSeconds: sum("clientCpuSeconds"),
    serverCpuSeconds: sum("serverCpuSeconds"),
    otherCpuSeconds: sum("otherCpuSeconds"),
    bytesSent: sum("bytesSent"),
  };
}
