// Micro benchmark (no Worker, no network): how fast `encodeLakeRows` turns realistic page_view lake
// rows into Parquet bytes, and how small the file is, next to a baseline measured in the same run:
// JSON.stringify of the same events as NDJSON (what a JSON lake would write); and, as a second
// reference, the previous encoder (Arrow + parquet-wasm, bench/lib/parquet-wasm-encoder.ts).
//
//   node bench/lake-encode.mjs                 200,000 rows
//   BENCH_LAKE_ROWS=500000 node bench/lake-encode.mjs
//
// Targets (the lake encoder's issue): >= 500,000 rows/s and <= 40 bytes per page_view on disk.
// Node 22 strips the TypeScript of packages/lake/src, so this file imports the sources directly.
// Register it in bench/run.mjs by importing the default export (a `Bench`).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { lakeColumns } from "@edge-analytics/event-schema";
import { parquetMetadata } from "hyparquet";
import { encodeLakeRows } from "../packages/lake/src/parquet/encode-lake-rows.ts";
import { initZstd } from "../packages/lake/src/parquet/writer/zstd.ts";
import { encodeWithParquetWasm, parquetWasmMemoryBytes } from "./lib/parquet-wasm-encoder.ts";
import { randomKit, seededRandom } from "./lib/seeded-random.mjs";

/** Rows per second the encoder must reach. */
export const TARGET_ROWS_PER_SECOND = 500_000;
/** Parquet bytes per page_view the encoder must stay under. */
export const TARGET_BYTES_PER_ROW = 40;

const DEFAULT_ROWS = 200_000;
const DEFAULT_RUNS = 7;

/**
 * `count` realistic page_view events as ingestion stores them (objects, absent fields left out):
 * 300 pages (URL + title, some titles non-ASCII) with a skewed popularity, 200 referrers, about
 * 3,000 sessions (200 active at a time, each with its own user, country, browser, os, device,
 * bot flag), UUIDv7 event ids in time order, timestamps 0-9 ms apart, received_at 20-300 ms
 * later, and 5% of every optional field absent.
 * @param {number} count
 * @param {number} [seed]
 */
export function generatePageViews(count, seed = 42) {
  const random = seededRandom(seed);
  const { pick, pickSkewed, uuidV4, uuidV7 } = randomKit(random);
  const optional = (value) => (random() < 0.05 ? undefined : value);

  const sections = ["products", "blog", "docs", "pricing", "account", "cart", "search", "help"];
  const titleWords = ["Café crème", "Größe & Passform", "Naïve Bayes", "Cloud ☁️ Storage", "Pricing", "Checkout", "Getting started", "Release notes"];
  const pages = Array.from({ length: 300 }, (_, i) => {
    const section = sections[i % sections.length];
    const query = i % 7 === 0 ? `?ref=${pick(["home", "nav", "footer", "email"])}` : "";
    const word = titleWords[i % titleWords.length];
    return { url: `https://shop.example/${section}/${1000 + i}${query}`, title: `${word} ${1000 + i} | Shop Example` };
  });
  const referrers = [
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://news.ycombinator.com/",
    "https://t.co/",
    ...Array.from({ length: 195 }, (_, i) => `https://blog${i % 40}.example.org/posts/${i}`),
  ];
  const countries = ["US", "US", "US", "DE", "GB", "FR", "IN", "BR", "CA", "JP", "NL", "ES", "IT", "PL", "SE", "AU"];
  const clients = [
    ["Chrome", "Windows", "desktop"],
    ["Chrome", "Windows", "desktop"],
    ["Chrome", "macOS", "desktop"],
    ["Safari", "macOS", "desktop"],
    ["Mobile Safari", "iOS", "mobile"],
    ["Mobile Safari", "iOS", "mobile"],
    ["Chrome", "Android", "mobile"],
    ["Firefox", "Windows", "desktop"],
    ["Edge", "Windows", "desktop"],
    ["Mobile Safari", "iOS", "tablet"],
  ];
  const propertySets = [
    { logged_in: true, plan: "pro" },
    { logged_in: false },
    { logged_in: true, plan: "free", ab_test: "checkout_v2" },
    { logged_in: false, ab_test: "checkout_v1" },
    { logged_in: true, plan: "team", seats: 5 },
  ];
  const utm = [
    ["newsletter", "email", "spring_sale"],
    ["google", "cpc", "brand"],
    ["twitter", "social", "launch"],
    ["partner", "referral", "affiliates"],
  ];

  const newSession = () => {
    const [browser, os, device] = pick(clients);
    const bot = random() < 0.02;
    return {
      id: uuidV4(),
      user: random() < 0.6 ? `user_${Math.floor(random() * 2000)}` : undefined,
      country: pick(countries),
      browser: bot ? "Googlebot" : browser,
      os: bot ? undefined : os,
      device: bot ? "bot" : device,
      bot,
      campaign: random() < 0.3 ? pick(utm) : undefined,
    };
  };
  const active = Array.from({ length: 200 }, newSession);

  let ms = Date.UTC(2026, 10, 25, 8, 0, 0);
  const events = new Array(count);
  for (let i = 0; i < count; i++) {
    ms += Math.floor(random() * 10);
    // About 3,000 sessions over 200,000 events: each event ends a session with probability 1.5%.
    if (random() < 0.015) active[Math.floor(random() * active.length)] = newSession();
    const session = pick(active);
    const page = pickSkewed(pages);
    const campaign = session.campaign ?? [undefined, undefined, undefined];
    const fields = {
      type: "page_view",
      event_id: uuidV7(ms),
      timestamp: new Date(ms).toISOString(),
      session_id: session.id,
      user_id: optional(session.user),
      project_id: "shop",
      environment: random() < 0.97 ? "production" : "staging",
      version: optional(pick(["2.14.0", "2.14.1", "2.15.0"])),
      country: optional(session.country),
      browser: optional(session.browser),
      os: optional(session.os),
      device_type: optional(session.device),
      properties: optional(pick(propertySets)),
      received_at: new Date(ms + 20 + Math.floor(random() * 280)).toISOString(),
      is_bot: session.bot,
      page_url: page.url,
      page_title: optional(page.title),
      referrer: optional(pickSkewed(referrers)),
      utm_source: optional(campaign[0]),
      utm_medium: optional(campaign[1]),
      utm_campaign: optional(campaign[2]),
      // Seconds with millisecond precision, as an SDK measures it (`(Date.now() - shown) / 1000`).
      time_on_page: optional(Math.floor(random() * random() * 300_000) / 1000),
    };
    // Copied without the absent fields: `delete` would leave slow dictionary-mode objects behind.
    const event = {};
    for (const key in fields) if (fields[key] !== undefined) event[key] = fields[key];
    events[i] = event;
  }
  return events;
}

/**
 * The lake rows of page_view events, as SQLite's `->>` extraction returns them: values in
 * `lakeColumns("page_view")` order, null for absent fields, `properties` as JSON text and
 * `is_bot` as 0/1. Each row goes through JSON text once so that, as with rows read from SQLite,
 * every string is its own flat string allocated next to its row: the generator's strings are
 * shared and partly concatenation trees (V8 ropes), which would flatter or penalise the encoder.
 * @param {Record<string, unknown>[]} events
 */
export function toLakeRows(events) {
  const columns = lakeColumns("page_view");
  return events.map((event) =>
    JSON.parse(
      JSON.stringify(
        columns.map(({ name, kind }) => {
          const value = event[name];
          if (value === undefined || value === null) return null;
          if (kind === "json") return JSON.stringify(value);
          if (kind === "boolean") return value ? 1 : 0;
          return value;
        }),
      ),
    ),
  );
}

/** Initialises the zstd compressor from the package's wasm bytes, as the unit tests do. */
function initWasmFromNodeModules() {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm", { paths: [fileURLToPath(new URL("../packages/lake/", import.meta.url))] });
  initZstd(readFileSync(wasmPath));
}

/** Median of the timings of `runs` calls of `fn` after one warm-up call, in milliseconds. */
function medianMs(runs, fn) {
  fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Measures encodeLakeRows on `rows` generated page views (median of `runs`), the previous encoder
 * (Arrow + parquet-wasm) on the same rows, and the NDJSON baseline: JSON.stringify of the same events as objects (keys included, absent
 * fields left out), one per line, which is what a JSON lake would store.
 * @param {{ rows?: number, runs?: number, log?: (line: string) => void }} [options]
 */
export async function runLakeEncodeBench({ rows = DEFAULT_ROWS, runs = DEFAULT_RUNS, log = () => {} } = {}) {
  initWasmFromNodeModules();
  log(`generating ${rows.toLocaleString("en-US")} page_view rows`);
  const events = generatePageViews(rows);
  const lakeRows = toLakeRows(events);

  let parquet = new Uint8Array(0);
  const encodeMs = medianMs(runs, () => {
    parquet = encodeLakeRows("page_view", lakeRows);
  });
  let previous = new Uint8Array(0);
  const parquetWasmMs = medianMs(runs, () => {
    previous = encodeWithParquetWasm("page_view", lakeRows);
  });
  let ndjson = "";
  const ndjsonMs = medianMs(runs, () => {
    ndjson = events.map((event) => JSON.stringify(event)).join("\n") + "\n";
  });
  const ndjsonBytes = Buffer.byteLength(ndjson);
  const ndjsonGzipBytes = gzipSync(ndjson).length;
  // A file that does not hold the rows would make every figure meaningless.
  const storedRows = Number(parquetMetadata(parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.length)).num_rows);
  const problems = storedRows === rows ? [] : [`the Parquet file holds ${storedRows} rows, expected ${rows}`];

  const encodeRowsPerSecond = rows / (encodeMs / 1000);
  const ndjsonRowsPerSecond = rows / (ndjsonMs / 1000);
  return {
    rows,
    runs,
    problems,
    encodeMs,
    encodeRowsPerSecond,
    parquetWasmMs,
    parquetWasmRowsPerSecond: rows / (parquetWasmMs / 1000),
    parquetWasmBytesPerRow: previous.length / rows,
    /** parquet-wasm's linear memory after the runs: it never shrinks (a Worker has 128 MB). */
    wasmMemoryBytes: parquetWasmMemoryBytes(),
    parquetBytes: parquet.length,
    parquetBytesPerRow: parquet.length / rows,
    ndjsonMs,
    ndjsonRowsPerSecond,
    ndjsonBytesPerRow: ndjsonBytes / rows,
    ndjsonGzipBytesPerRow: ndjsonGzipBytes / rows,
    /** encodeLakeRows time divided by JSON.stringify time: how much dearer Parquet is than NDJSON. */
    encodeToNdjsonTimeRatio: encodeMs / ndjsonMs,
    rowsPerSecondTargetMet: encodeRowsPerSecond >= TARGET_ROWS_PER_SECOND,
    bytesPerRowTargetMet: parquet.length / rows <= TARGET_BYTES_PER_ROW,
  };
}

const int = (n) => Math.round(n).toLocaleString("en-US");
const fixed = (n, digits = 1) => n.toFixed(digits);

/** The figures as the lines the bench runner and the direct run print. */
export function describeLakeEncode(r) {
  return [
    `page_view rows:            ${int(r.rows)} (median of ${r.runs} runs)`,
    `encodeLakeRows:            ${fixed(r.encodeMs)} ms, ${int(r.encodeRowsPerSecond)} rows/s (target >= ${int(TARGET_ROWS_PER_SECOND)}: ${r.rowsPerSecondTargetMet ? "MET" : "MISSED"})`,
    `previous encoder:          ${fixed(r.parquetWasmMs)} ms, ${int(r.parquetWasmRowsPerSecond)} rows/s, ${fixed(r.parquetWasmBytesPerRow)} bytes/row (Arrow + parquet-wasm; its wasm memory ${fixed(r.wasmMemoryBytes / 2 ** 20)} MiB); encodeLakeRows is ${fixed(r.parquetWasmMs / r.encodeMs, 2)}x as fast`,
    `Parquet:                   ${int(r.parquetBytes)} bytes, ${fixed(r.parquetBytesPerRow)} bytes/row (target <= ${TARGET_BYTES_PER_ROW}: ${r.bytesPerRowTargetMet ? "MET" : "MISSED"})`,
    `NDJSON baseline (objects): ${fixed(r.ndjsonMs)} ms JSON.stringify, ${int(r.ndjsonRowsPerSecond)} rows/s, ${fixed(r.ndjsonBytesPerRow)} bytes/row (${fixed(r.ndjsonGzipBytesPerRow)} gzipped)`,
    `Parquet / NDJSON:          ${fixed(r.encodeToNdjsonTimeRatio, 2)}x the time, ${fixed(r.parquetBytesPerRow / r.ndjsonBytesPerRow, 3)}x the bytes`,
  ];
}

const TITLE = "Parquet encoding of page_view lake rows (encodeLakeRows) vs JSON.stringify to NDJSON";

/** @type {import("./run.mjs").Bench} */
export default {
  name: "lake-encode",
  title: TITLE,
  defaultEnabled: true,
  async run(ctx) {
    const r = await runLakeEncodeBench({ rows: rowsFromEnv(), log: ctx.log });
    const met = r.rowsPerSecondTargetMet && r.bytesPerRowTargetMet;
    return {
      name: "lake-encode",
      title: TITLE,
      lines: describeLakeEncode(r),
      valid: r.problems.length === 0,
      problems: r.problems,
      headline: {
        figure: `${int(r.encodeRowsPerSecond)} rows/s, ${fixed(r.parquetBytesPerRow)} B/row`,
        baseline: `NDJSON ${int(r.ndjsonRowsPerSecond)} rows/s, ${fixed(r.ndjsonBytesPerRow)} B/row`,
        ratio: r.encodeToNdjsonTimeRatio,
        target: `>= ${int(TARGET_ROWS_PER_SECOND)} rows/s, <= ${TARGET_BYTES_PER_ROW} B/row`,
        status: r.problems.length > 0 ? "INVALID" : met ? "MET" : "MISSED",
      },
    };
  },
};

function rowsFromEnv() {
  const raw = process.env.BENCH_LAKE_ROWS;
  const rows = raw ? Number(raw) : DEFAULT_ROWS;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`BENCH_LAKE_ROWS=${raw}: expected a positive integer`);
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runLakeEncodeBench({ rows: rowsFromEnv(), log: (line) => console.log(line) });
  for (const line of describeLakeEncode(r)) console.log(line);
  for (const problem of r.problems) console.log(`PROBLEM: ${problem}`);
  process.exitCode = r.problems.length > 0 ? 1 : 0;
}
