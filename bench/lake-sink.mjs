// Benchmark: the local lake sink inside workerd, from accepted events to Parquet in R2.
//
// A `wrangler dev` runs bench/lake-sink-worker (a subclass of the REAL StreamBuffer of the Pipelines
// stand-in that only adds timing helpers) together with the REAL catalog Worker
// (wrangler-catalog.toml). Each round loads BENCH_LAKE_ROWS realistic page views through the
// buffer's real `appendBatch` (what a stream's send() writes; untimed), then times from this
// process, with the request overhead (< 1 ms) included:
//   extraction    the buffer reads the stored JSON records in pages and picks the lake columns
//   encode        extraction + encodeLakeFile (the lake's Parquet writer, zstd), encode part = difference
//   NDJSON        the same records as JSON lines (what a JSON sink would write), no put
//   sink          the real flush(): plan, extract, encode, R2 put, catalog registration (which reads
//                 the file back from R2), commit; baseline: NDJSON + the R2 put
// and reports bytes per event on disk vs NDJSON.
//
// Targets (issue "The lake"): encode >= 500,000 rows/s; <= 40 bytes per page_view.
// Settings: BENCH_LAKE_ROWS (default 25,000 = one file at the default LAKE_ROLL_MAX_ROWS),
// BENCH_LAKE_ROUNDS (default 3).
import { performance } from "node:perf_hooks";
import { generatePageViews } from "./lake-encode.mjs";
import { integerFromEnv } from "./lib/env.mjs";
import { fixed, int, table } from "./lib/stats.mjs";
import { startWranglerDev } from "./lib/wrangler-dev.mjs";

const TARGET_ENCODE_ROWS_PER_SECOND = 500_000;
const TARGET_BYTES_PER_PAGE_VIEW = 40;
const LOAD_CHUNK = 5_000;


async function call(origin, path, body) {
  const started = performance.now();
  const response = await fetch(`${origin}${path}`, { method: "POST", body, signal: AbortSignal.timeout(600_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return { ms, value: JSON.parse(text) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export default {
  name: "lake-sink",
  title: "Lake sink in workerd: a stream's page views to Parquet in R2 (the Pipelines stand-in's real buffer + catalog) vs NDJSON",
  defaultEnabled: true,
  async run(ctx) {
    const rows = integerFromEnv("BENCH_LAKE_ROWS", 25_000, 1000);
    const rounds = integerFromEnv("BENCH_LAKE_ROUNDS", 3, 1);
    const problems = [];
    ctx.log("starting bench/lake-sink-worker (the real StreamBuffer) + the catalog Worker in one wrangler dev");
    const worker = await startWranglerDev({
      name: "lake-sink",
      config: ["bench/lake-sink-worker/wrangler.jsonc", "wrangler-catalog.toml"],
      readyPath: "/",
      log: ctx.log,
    });
    const figures = { extract: [], encode: [], ndjson: [], sink: [], ndjsonSink: [], parquetBytes: [], ndjsonBytes: [] };
    try {
      for (let round = 1; round <= rounds; round++) {
        await call(worker.origin, "/clear");
        const events = generatePageViews(rows, 1000 + round);
        let accepted = 0;
        const loadStarted = performance.now();
        for (let from = 0; from < rows; from += LOAD_CHUNK) {
          const records = events.slice(from, from + LOAD_CHUNK).map((record) => ({ ...record, project_id: "bench" }));
          accepted += (await call(worker.origin, "/load", JSON.stringify(records))).value.accepted;
        }
        if (accepted !== rows) problems.push(`round ${round}: the buffer took ${accepted} of ${rows} rows`);
        ctx.log(`round ${round}/${rounds}: loaded ${int(accepted)} page views through appendBatch() in ${fixed((performance.now() - loadStarted) / 1000)} s`);

        await call(worker.origin, "/extract"); // warm: the first encode also instantiates the zstd wasm
        await call(worker.origin, "/encode?repeat=1");
        const extractMs = median([(await call(worker.origin, "/extract")).ms, (await call(worker.origin, "/extract")).ms, (await call(worker.origin, "/extract")).ms]);
        const encodeAnswer = await call(worker.origin, "/encode?repeat=3");
        const encodeMs = (encodeAnswer.ms - extractMs) / 3;
        // The DELETE of the written rows in one statement, rolled back: what the purge spreads over pages.
        const deleteMs = (await call(worker.origin, "/delete-rolled-back")).ms;
        const ndjson = await call(worker.origin, "/ndjson");
        const ndjsonPut = await call(worker.origin, "/ndjson?put=1");
        const sink = await call(worker.origin, "/flush");
        const written = sink.value.files.reduce((s, f) => s + f.rows, 0);
        const bytes = sink.value.files.reduce((s, f) => s + f.bytes, 0);
        if (written !== rows) problems.push(`round ${round}: flush wrote ${written} rows, expected ${rows}`);
        if (encodeAnswer.value.rows !== rows) problems.push(`round ${round}: encoded ${encodeAnswer.value.rows} rows`);

        figures.extract.push(rows / (extractMs / 1000));
        figures.encode.push(rows / (encodeMs / 1000));
        figures.ndjson.push(rows / (ndjson.ms / 1000));
        figures.sink.push(rows / (sink.ms / 1000));
        figures.ndjsonSink.push(rows / (ndjsonPut.ms / 1000));
        figures.parquetBytes.push(bytes / rows);
        figures.ndjsonBytes.push(ndjson.value.bytes / rows);
        ctx.log(
          `  extraction ${fixed(extractMs)} ms, rows DELETE ${fixed(deleteMs)} ms (purged in pages), encode ${fixed(encodeMs)} ms (${int(rows / (encodeMs / 1000))} rows/s), NDJSON ${fixed(ndjson.ms)} ms, ` +
            `sink flush ${fixed(sink.ms)} ms (${int(rows / (sink.ms / 1000))} rows/s, ${sink.value.files.length} file(s)), NDJSON + put ${fixed(ndjsonPut.ms)} ms; ` +
            `${fixed(bytes / rows)} B/row Parquet vs ${fixed(ndjson.value.bytes / rows)} B/row NDJSON`,
        );
      }
    } finally {
      await worker.stop();
    }
    const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, median(v)]));
    const met = m.encode >= TARGET_ENCODE_ROWS_PER_SECOND && m.parquetBytes <= TARGET_BYTES_PER_PAGE_VIEW;
    return {
      name: "lake-sink",
      title: this.title,
      lines: table(
        ["median of rounds", "rows/s", "bytes/row"],
        [
          ["extraction of the lake columns", int(m.extract), ""],
          ["encode (lake Parquet writer, zstd)", int(m.encode), fixed(m.parquetBytes)],
          ["sink: flush() to R2 + catalog", int(m.sink), fixed(m.parquetBytes)],
          ["baseline: NDJSON of the records", int(m.ndjson), fixed(m.ndjsonBytes)],
          ["baseline: NDJSON + R2 put", int(m.ndjsonSink), fixed(m.ndjsonBytes)],
        ],
      ).split("\n"),
      valid: problems.length === 0,
      problems,
      headline: {
        figure: `encode ${int(m.encode)} rows/s, sink ${int(m.sink)} rows/s, ${fixed(m.parquetBytes)} B/page_view`,
        baseline: `NDJSON + put ${int(m.ndjsonSink)} rows/s, ${fixed(m.ndjsonBytes)} B/row`,
        ratio: m.sink / m.ndjsonSink,
        target: `encode >= ${int(TARGET_ENCODE_ROWS_PER_SECOND)} rows/s, <= ${TARGET_BYTES_PER_PAGE_VIEW} B/page_view`,
        status: met ? "MET" : "MISSED",
        context: `${int(rows)} rows per round, ${rounds} rounds; ratio = sink rows/s / NDJSON-sink rows/s; Parquet is ${fixed(m.ndjsonBytes / m.parquetBytes)}x smaller`,
      },
    };
  },
};
