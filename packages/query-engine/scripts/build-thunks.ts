// Generates packages/query-engine/generated/: the "JS function to wasm" thunk modules DuckDB-WASM
// compiles at start-up, which workerd refuses to compile (fix 4 in src/workerd-fixes.ts).
// It runs the same build in Node (scripts/node-duckdb.ts) with every wasm compilation recorded,
// through the engine and a representative workload (Arrow insert, aggregates, GROUP BY, window
// functions, date_trunc with a time zone, approx_count_distinct, quantiles, bound parameters,
// errors including out-of-memory), then writes each small module as generated/thunks/<key>.wasm,
// generated/thunks.ts (the index the Worker imports) and generated/thunks.json (the manifest the
// stamp test reads), stamped with the @duckdb/duckdb-wasm version.
//
// Run from the repository root after changing @duckdb/duckdb-wasm's version:
//   node packages/query-engine/scripts/build-thunks.ts
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lakeColumns } from "@edge-analytics/event-schema";
import { arrowSchemaOf, columnData, ipcStreamOf, recordBatchOf } from "../src/arrow-vectors.ts";
import { createSqlEngine } from "../src/engine.ts";
import { EngineError } from "../src/engine-error.ts";
import type { SqlValue } from "../src/sql-engine.ts";
import { bytesOf, thunkKey } from "../src/thunk-key.ts";
import { REGENERATE_THUNKS } from "../src/workerd-fixes.ts";
import { installedDuckDBWasmVersion, instantiateDuckDBInNode } from "./node-duckdb.ts";

/** Modules above this size are DuckDB itself (34 MB), not thunks. */
const MAX_THUNK_BYTES = 4096;

interface Captured {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly via: string;
  readonly phase: string;
}

const captured = new Map<string, Captured>();
let phase = "instantiate";

function record(source: unknown, via: string): void {
  const bytes = bytesOf(source);
  if (!bytes || bytes.byteLength > MAX_THUNK_BYTES) return;
  const key = thunkKey(bytes);
  const earlier = captured.get(key);
  if (earlier && !bytesEqual(earlier.bytes, bytes)) throw new Error(`two different thunks share the key ${key}: widen thunkKey`);
  if (!earlier) captured.set(key, { key, bytes: bytes.slice(), via, phase });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

/** Records every wasm compilation from bytes, then lets it proceed (Node may compile). */
function captureCompilations(): void {
  const wasm = WebAssembly as unknown as {
    Module: new (bytes: BufferSource) => WebAssembly.Module;
    compile: (bytes: BufferSource) => Promise<WebAssembly.Module>;
    instantiate: (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
  };
  const { Module, compile, instantiate } = wasm;
  function CapturingModule(bytes: BufferSource): WebAssembly.Module {
    record(bytes, "new WebAssembly.Module");
    return new Module(bytes);
  }
  CapturingModule.prototype = Module.prototype;
  Object.setPrototypeOf(CapturingModule, Module);
  wasm.Module = CapturingModule as unknown as typeof Module;
  wasm.compile = (bytes) => {
    record(bytes, "WebAssembly.compile");
    return compile.call(WebAssembly, bytes);
  };
  wasm.instantiate = (source, imports) => {
    if (!(source instanceof Module)) record(source, "WebAssembly.instantiate");
    return instantiate.call(WebAssembly, source, imports);
  };
}

/** A page_view table of `count` rows built as lake-arrow builds them (strings, nulls, int64, timestamps). */
function pageViewsIpc(count: number): Uint8Array {
  const columns = lakeColumns("page_view");
  const start = Date.parse("2026-03-28T20:00:00.000Z");
  const values = columns.map((column) =>
    Array.from({ length: count }, (_, row) => {
      if (column.nullable && row % 11 === 0) return null;
      switch (column.kind) {
        case "timestamp":
          return BigInt(start + row * 37_000);
        case "int64":
          return BigInt(row % 500);
        case "float64":
          return (row % 97) / 3;
        case "boolean":
          return row % 3 === 0;
        case "json":
          return `{"row":${row}}`;
        case "string":
          return `${column.name}-${row % 13}`;
      }
    }),
  );
  const schema = arrowSchemaOf(columns);
  const batch = recordBatchOf(
    schema,
    columns.map((column, i) => columnData(column.kind, values[i]!)),
    count,
  );
  return ipcStreamOf(schema, [batch]);
}

async function workload(): Promise<void> {
  const duckdb = await instantiateDuckDBInNode();
  phase = "engine start";
  const engine = createSqlEngine(duckdb);
  phase = "workload";
  await engine.insertArrow("page_views", pageViewsIpc(20_000));
  const from = Date.parse("2026-03-28T00:00:00.000Z");
  // Local time in a zone as the planner computes it without ICU: the offsets over the range are
  // bound values (Europe/Berlin: +60 min until 2026-03-29T01:00Z, +120 after).
  const dst = Date.parse("2026-03-29T01:00:00.000Z");
  const local = {
    sql: "make_timestamp((epoch_ms(timestamp) + CASE WHEN epoch_ms(timestamp) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) * 1000)",
    params: [dst, 3_600_000, 7_200_000],
  };
  const statements: [string, SqlValue[]][] = [
    ["SELECT count(*) AS n, sum(time_on_page) AS s, avg(time_on_page) AS a, min(timestamp) AS lo, max(timestamp) AS hi FROM page_views", []],
    ["SELECT page_url, count(*) AS n, count(DISTINCT session_id) AS sessions FROM page_views GROUP BY page_url ORDER BY n DESC", []],
    ["SELECT approx_count_distinct(session_id) AS a, quantile_cont(time_on_page, 0.5) AS p50, quantile_disc(time_on_page, [0.9, 0.99]) AS ps, median(time_on_page) AS m FROM page_views", []],
    ["SELECT session_id, timestamp, row_number() OVER (PARTITION BY session_id ORDER BY timestamp) AS r, lag(timestamp) OVER (PARTITION BY session_id ORDER BY timestamp) AS previous FROM page_views QUALIFY r <= 2", []],
    ["SELECT date_trunc('hour', timestamp) AS hour, count(*) AS n FROM page_views GROUP BY 1 ORDER BY 1", []],
    [`SELECT date_trunc('day', ${local.sql}) AS day, count(*) AS n FROM page_views GROUP BY 1 ORDER BY 1`, local.params],
    ["SELECT strftime(timestamp, '%Y-%m-%d %H') AS h, date_part('dow', timestamp) AS dow, epoch_ms(timestamp) AS ms FROM page_views LIMIT 5", []],
    ["SELECT count(*) AS n FROM page_views WHERE project_id = ? AND timestamp >= epoch_ms(CAST(? AS BIGINT)) AND time_on_page > ? AND is_bot = ?", ["project_id-1", from, 1.5, false]],
    ["SELECT ?::VARCHAR AS injected", ["'; DROP TABLE page_views; --"]],
    ["SELECT regexp_extract(page_url, '-(\\d+)', 1) AS n, lower(country) AS c, string_agg(DISTINCT browser, ',') AS b FROM page_views GROUP BY ALL", []],
    ["SELECT * FROM page_views ORDER BY timestamp DESC LIMIT 3", []],
  ];
  for (const [sql, params] of statements) await engine.query(sql, params);
  for (const bad of ["SELECT * FROM missing_table", "SELEC 1", "SELECT 'x'::INTEGER", "SELECT json_extract('{}', '$.a')"]) {
    await engine.query(bad).then(
      () => {
        throw new Error(`expected ${bad} to fail`);
      },
      (error: unknown) => {
        if (!(error instanceof EngineError) || error.kind !== "sql") throw error;
      },
    );
  }
  engine.configure({ memoryLimit: "16MB" });
  await engine.query("SELECT i % 500000 AS g, list(i) AS l FROM range(5000000) t(i) GROUP BY g ORDER BY g").then(
    () => {
      throw new Error("expected the over-memory query to fail");
    },
    (error: unknown) => {
      if (!(error instanceof EngineError) || error.kind !== "out_of_memory") throw error;
    },
  );
  engine.configure({});
  await engine.query("SELECT count(*) AS n FROM page_views");
  await engine.dropTable("page_views");
}

captureCompilations();
await workload();

const version = installedDuckDBWasmVersion();
const generated = fileURLToPath(new URL("../generated/", import.meta.url));
const thunksDir = `${generated}thunks/`;
rmSync(thunksDir, { recursive: true, force: true });
mkdirSync(thunksDir, { recursive: true });
const thunks = [...captured.values()].sort((a, b) => a.key.localeCompare(b.key));
for (const thunk of thunks) writeFileSync(`${thunksDir}${thunk.key}.wasm`, thunk.bytes);

const header = `// Generated by packages/query-engine/scripts/build-thunks.ts from @duckdb/duckdb-wasm ${version}: do not edit.\n// Regenerate with \`${REGENERATE_THUNKS}\` (test/thunks-stamp.test.ts fails when the version differs).\n`;
const index = [
  header,
  `import type { ThunkIndex } from "../src/workerd-fixes.ts";`,
  ...thunks.map((thunk, i) => `import thunk${i} from "./thunks/${thunk.key}.wasm";`),
  ``,
  `/** The @duckdb/duckdb-wasm version these thunks were captured from. */`,
  `export const THUNKS_DUCKDB_WASM_VERSION = ${JSON.stringify(version)};`,
  ``,
  `/** The ${thunks.length} precompiled "JS function to wasm" thunks by thunkKey(bytes) (src/thunk-key.ts). */`,
  `export const THUNKS: ThunkIndex = new Map([`,
  ...thunks.map((thunk, i) => `  [${JSON.stringify(thunk.key)}, thunk${i}],`),
  `]);`,
  ``,
].join("\n");
writeFileSync(`${generated}thunks.ts`, index);

const manifest = {
  generatedBy: "packages/query-engine/scripts/build-thunks.ts",
  duckdbWasmVersion: version,
  // The bytes again in base64 (30-40 each): tests in workerd, which cannot read files, compile them.
  thunks: thunks.map((thunk) => ({
    key: thunk.key,
    file: `thunks/${thunk.key}.wasm`,
    bytes: thunk.bytes.byteLength,
    base64: Buffer.from(thunk.bytes).toString("base64"),
    via: thunk.via,
    phase: thunk.phase,
  })),
};
writeFileSync(`${generated}thunks.json`, `${JSON.stringify(manifest, null, 2)}\n`);

const byPhase = new Map<string, number>();
for (const thunk of thunks) byPhase.set(thunk.phase, (byPhase.get(thunk.phase) ?? 0) + 1);
console.log(`@duckdb/duckdb-wasm ${version}: ${thunks.length} thunks (${[...byPhase].map(([p, n]) => `${n} during ${p}`).join(", ")}) written to packages/query-engine/generated/`);
