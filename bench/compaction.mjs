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
import { performance } from "node:perf_hooks";
import { startStack } from "../scripts/local-stack.mjs";
import { freePort } from "../scripts/wrangler-process.mjs";
import { processTreeMemory } from "./ae-hot-query.mjs";
import { generatePageViews } from "./lake-encode.mjs";
import { integerFromEnv } from "./lib/env.mjs";
import { fixed, int, table } from "./lib/stats.mjs";
import { mkdtempSync, rmSync } from "node:fs";
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

export default {
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
          context: `${files} files x ${int(rowsPerFile)} rows -> ${summary.files_out} file(s); workerd+wrangler RSS +${mb(memoryAfter.rss - memoryBefore.rss)} during the run`,
        },
      };
    } finally {
      await stack.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
