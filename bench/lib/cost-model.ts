// The cost-per-million-events run (bench/cost-per-million.mjs starts it under
// `node --experimental-transform-types` and reads its JSON from stdout).
//
// A month at COST_MONTHLY_EVENTS cannot be replayed in real time, so time is simulated: requests
// of COST_BATCH realistic mixed events arrive evenly at the month's rate on a simulated clock, and
// the production code runs on each of them with that clock:
//   - ingestEvents (validation, enrichment, the PipelinesLakeSink's sends), CPU timed per request;
//   - the isolate's AcceptedCountBatcher (production interval), the project's
//     AcceptedCounterStore (its alarm at the production report delay) and the catalog's
//     recordAcceptedCounts, each over node:sqlite (the catalog tests' adapter, with the Durable
//     Object limits), their rows written counted as SQLite reports them;
//   - the Pipelines sink's roll (every PIPELINES_ROLL_SECONDS per table with rows), each file
//     registered with the catalog's registerFile, and the hourly compaction cron's runs through the
//     catalog's compaction protocol (begin, stage, commit, finish), rows written counted the same way;
//   - the Parquet bytes of each table's files, encoded with the lake's writer from the records sent.
// R2 and Queues requests per file, and the compaction Worker's CPU per row, are not executed here:
// they are counted per file from the code's structure and from bench/compaction's measurements,
// and printed as such.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  AcceptedCounterStore,
  beginCompaction,
  commitCompaction,
  finishCompaction,
  recordAcceptedCounts,
  registerFile,
  runMigrations,
  stageCompactionOutputs,
} from "@edge-analytics/catalog";
// The catalog's tests' node:sqlite adapter: Durable Object SQLite limits, and rows written summed.
import { memoryCatalogSql } from "../../packages/catalog/test/fixture.ts";
import { type EventRecord, EVENT_TYPE_BY_TABLE, lakeColumns, TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";
import { AcceptedCountBatcher, type AcceptedTally, DEFAULT_LIMITS, type IngestDependencies, ingestEvents, type PipelineStreamBinding, PipelinesLakeSink } from "@edge-analytics/ingest";
import { encodeLakeRows, hourPartition, initZstd, type LakeRow, rawObjectKey } from "@edge-analytics/lake";
import { batchBodies, REQUEST_HEADERS } from "./events.mjs";

const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a number > 0`);
  return value;
};
const EVENTS = setting("COST_EVENTS", 1_000_000);
const MONTHLY_EVENTS = setting("COST_MONTHLY_EVENTS", 100_000_000);
const BATCH = 100;
// Production settings (wrangler.jsonc env.production, infrastructure/setup-pipelines.sh, wrangler-compaction.toml).
const ACCEPTED_COUNTS_INTERVAL_MS = setting("COST_ACCEPTED_COUNTS_INTERVAL_MS", 1_000);
const ACCEPTED_COUNTS_REPORT_MS = setting("COST_ACCEPTED_COUNTS_REPORT_MS", 60_000);
const ROLL_MS = setting("PIPELINES_ROLL_SECONDS", 300) * 1000;
const COMPACTION_MINUTE = 10;
/** bench/compaction's measured R2 Class B per input file of a run (a HEAD, a footer and row-group reads per pass) plus the look-back window's share. */
const COMPACTION_CLASS_B_PER_INPUT = setting("COST_COMPACTION_CLASS_B_PER_INPUT", 9.2);
/** Compaction throughput on one thread (bench/compaction, docs/benchmarks.md): its CPU per row. */
const COMPACTION_ROWS_PER_CPU_SECOND = setting("COST_COMPACTION_ROWS_PER_SECOND", 60_000);
const MONTH_MS = 30 * 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

// --- The simulated clock: timers run in time order between requests. ---
let now = Date.UTC(2026, 10, 2, 0, 0, 0);
const timers: { at: number; run: () => void | Promise<void> }[] = [];
const at = (time: number, run: () => void | Promise<void>) => timers.push({ at: time, run });
const sleep = (ms: number) => new Promise<void>((resolve) => at(now + ms, resolve));
const settle = () => new Promise((resolve) => setImmediate(resolve));
async function runTimersUntil(time: number): Promise<void> {
  for (;;) {
    timers.sort((a, b) => a.at - b.at);
    const next = timers[0];
    if (!next || next.at > time) break;
    timers.shift();
    now = Math.max(now, next.at);
    await next.run();
    await settle();
  }
  now = time;
}

// --- Counted operations. ---
const ops = {
  workerRequests: { ingestion: 0, catalogQueue: 0, compactionCron: 0, catalogCron: 0 },
  ingestCpuMs: 0,
  compactionCpuMs: 0,
  counterRequests: 0,
  counterRows: 0,
  catalogRequests: 0,
  aePoints: 0,
  pipelinesRequests: 0,
  pipelinesRecords: 0,
  pipelinesBytes: 0,
  r2ClassA: 0,
  r2ClassB: 0,
  queueOperations: 0,
  filesWritten: 0,
  compactionRuns: 0,
  parquetBytes: 0,
  accepted: 0,
};

// --- The counter object of the project and the catalog, over metered SQLite. ---
const counterDb = memoryCatalogSql();
const counter = new AcceptedCounterStore(counterDb);
const catalogDb = memoryCatalogSql();
runMigrations(catalogDb, undefined, now);
const PROJECT = "demo";
/** The catalog's rows written, by what wrote them. */
const catalogRows = { acceptedCounts: 0, registration: 0, compaction: 0, snapshots: 0 };
function metered<T>(what: keyof typeof catalogRows, body: () => T): T {
  const before = catalogDb.rowsWritten();
  try {
    return body();
  } finally {
    catalogRows[what] += catalogDb.rowsWritten() - before;
  }
}

async function counterAlarm(): Promise<void> {
  ops.counterRequests++;
  counter.sweep(now);
  const report = counter.takeReport();
  if (!report) return;
  ops.catalogRequests++;
  metered("acceptedCounts", () => recordAcceptedCounts(catalogDb, report.project, report.counts, now));
}

const batcher = new AcceptedCountBatcher(ACCEPTED_COUNTS_INTERVAL_MS, () => now, sleep);
const pendingFlushes: Promise<void>[] = [];
const flushToCounter = async (project: string, tallies: AcceptedTally[]) => {
  ops.counterRequests++;
  if (counter.add(project, tallies)) {
    ops.counterRows++; // setAlarm is billed as one row written
    at(now + ACCEPTED_COUNTS_REPORT_MS, counterAlarm);
  }
};

// --- The Pipelines sink: records buffered per table, a file per table and roll interval. ---
const buffered = new Map<TableName, EventRecord[]>();
const streams = Object.fromEntries(
  TABLE_NAMES.map((table): [TableName, PipelineStreamBinding] => [
    table,
    {
      async send(records) {
        ops.pipelinesRequests++;
        ops.pipelinesRecords += records.length;
        ops.pipelinesBytes += Buffer.byteLength(JSON.stringify(records));
        // The sink sends EventRecords (PipelinesLakeSink); the binding's type is wider.
        buffered.set(table, [...(buffered.get(table) ?? []), ...(records as EventRecord[])]);
      },
    },
  ]),
) as Record<TableName, PipelineStreamBinding>;

const require = createRequire(import.meta.url);
initZstd(readFileSync(require.resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
const parquetBytesPerRow = new Map<TableName, number>();
/** The lake's writer on the table's first file: its bytes per row, then used for the table's later files. */
function parquetBytes(table: TableName, records: EventRecord[]): number {
  let perRow = parquetBytesPerRow.get(table);
  if (perRow === undefined) {
    const columns = lakeColumns(EVENT_TYPE_BY_TABLE[table]);
    const rows = records.map((record) =>
      columns.map(({ name, kind }) => {
        const value = (record as Record<string, unknown>)[name];
        return value === undefined || value === null ? null : kind === "json" ? JSON.stringify(value) : value;
      }),
    ) as LakeRow[];
    perRow = encodeLakeRows(EVENT_TYPE_BY_TABLE[table], rows).byteLength / records.length;
    parquetBytesPerRow.set(table, perRow);
  }
  return Math.round(perRow * records.length);
}

const columnsOf = (table: TableName) => lakeColumns(EVENT_TYPE_BY_TABLE[table]).map((c) => ({ name: c.name, type: c.kind, nullable: true }));
const rawFilesByPartition = new Map<string, { key: string; rows: number; bytes: number; byHour: Record<string, number> }[]>();
let fileSeq = 0;

function roll(): void {
  let files = 0;
  for (const [table, records] of buffered) {
    if (records.length === 0) continue;
    buffered.set(table, []);
    const key = rawObjectKey(table, new Date(now), `f${++fileSeq}`);
    const byHour: Record<string, number> = {};
    for (const record of records) byHour[record.received_at.slice(0, 13)] = (byHour[record.received_at.slice(0, 13)] ?? 0) + 1;
    const bytes = parquetBytes(table, records);
    ops.parquetBytes += bytes;
    ops.filesWritten++;
    files++;
    ops.r2ClassA++; // the sink's PUT (files stay well below multipart sizes at this rate)
    ops.queueOperations += 3; // its R2 event notification: write, read, delete
    ops.r2ClassB += 2; // the catalog reads the file's facts: a HEAD and the footer's range
    ops.catalogRequests++;
    metered("registration", () => registerFile(catalogDb, "analytics-source", key, { rows: records.length, bytes, minTimestampMs: now - ROLL_MS, maxTimestampMs: now, columns: columnsOf(table), rowsByReceivedHour: byHour }, now));
    const partition = `${table}/${hourPartition(new Date(now))}`;
    rawFilesByPartition.set(partition, [...(rawFilesByPartition.get(partition) ?? []), { key, rows: records.length, bytes, byHour }]);
  }
  if (files > 0) {
    // The notifications of one roll arrive together: one queue batch for the catalog Worker,
    // then one snapshot rewrite (tables.json, partitions.json) from the catalog's debounced alarm.
    // (Its snapshot rows are the catalog Worker's code, not the package's: counted here as it
    // writes them, snapshots_stale set and cleared, schemas_stale cleared, and the alarm.)
    ops.workerRequests.catalogQueue++;
    ops.r2ClassA += 2;
    ops.catalogRequests++;
    catalogRows.snapshots += 4;
  }
  at(now + ROLL_MS, roll);
}

/** The hourly compaction cron: each table's closed hour of the previous hour, through the catalog's protocol. */
function compact(): void {
  ops.workerRequests.compactionCron++;
  ops.catalogRequests++; // compactionCandidates
  const closed = hourPartition(new Date(now - HOUR_MS));
  for (const [partition, files] of rawFilesByPartition) {
    if (!partition.endsWith(closed) || files.length < 2) continue;
    rawFilesByPartition.delete(partition);
    const table = partition.slice(0, partition.indexOf("/")) as TableName;
    const runId = `run-${partition}`;
    const output = `events/${table}/${closed}/compacted-${runId.length}-${ops.compactionRuns}.parquet`;
    const rows = files.reduce((sum, f) => sum + f.rows, 0);
    const byHour: Record<string, number> = {};
    for (const f of files) for (const [h, n] of Object.entries(f.byHour)) byHour[h] = (byHour[h] ?? 0) + n;
    ops.catalogRequests += 5; // partitionFiles, begin, stage, commit, finish
    const begun = metered("compaction", () => beginCompaction(catalogDb, { runId, table, partition: closed, inputs: files.map((f) => f.key), outputs: [output], leaseMs: 15 * 60 * 1000 }, now));
    if (!begun.ok) throw new Error(`compaction refused: ${begun.reason}`);
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    metered("compaction", () => {
      stageCompactionOutputs(catalogDb, runId, [{ key: output, facts: { rows, bytes, minTimestampMs: now - 2 * HOUR_MS, maxTimestampMs: now - HOUR_MS, columns: columnsOf(table), rowsByReceivedHour: byHour } }], now);
      commitCompaction(catalogDb, runId, now);
      finishCompaction(catalogDb, runId, { rows_in: rows }, now);
    });
    ops.compactionRuns++;
    ops.r2ClassB += Math.round(files.length * COMPACTION_CLASS_B_PER_INPUT) + 2; // inputs + the output's facts
    ops.r2ClassA += 1 + 1; // the output's PUT, and the partition listing
    ops.compactionCpuMs += (rows / COMPACTION_ROWS_PER_CPU_SECOND) * 1000;
  }
  at(now + HOUR_MS, compact);
}

/** The catalog's 15-minute reconcile: listings of the three buckets (Class A, 1,000 keys a page). */
function reconcile(): void {
  ops.workerRequests.catalogCron++;
  ops.catalogRequests++;
  ops.r2ClassA += 3 + Math.floor(fileSeq / 1000);
  at(now + 15 * 60 * 1000, reconcile);
}

// --- The run. ---
const bodies = batchBodies();
const userAgent = REQUEST_HEADERS["user-agent"];
const requestGapMs = MONTH_MS / (MONTHLY_EVENTS / BATCH);
const requests = Math.ceil(EVENTS / BATCH);
at(now + ROLL_MS, roll);
at(now - (now % HOUR_MS) + HOUR_MS + COMPACTION_MINUTE * 60 * 1000, compact);
at(now + 15 * 60 * 1000, reconcile);
const start = now;
const deps: IngestDependencies = {
  lake: new PipelinesLakeSink(streams),
  counts: {
    record(projectId: string, tallies: AcceptedTally[]) {
      batcher.add(projectId, tallies);
      const work = batcher.flush(flushToCounter, (_project, error) => {
        throw error;
      });
      if (work) pendingFlushes.push(work);
    },
  },
  hot: {
    async write(points) {
      ops.aePoints += points.length;
    },
  },
  deadLetters: { async record() {} },
  limits: DEFAULT_LIMITS,
};
for (let i = 0; i < requests; i++) {
  await runTimersUntil(start + i * requestGapMs);
  const { text } = bodies.next();
  const cpuBefore = process.cpuUsage();
  const events = (JSON.parse(text) as { events: unknown[] }).events;
  const result = await ingestEvents(events, { keyProjectId: PROJECT, userAgent, country: "DE", receivedAt: new Date(now) }, deps);
  const cpu = process.cpuUsage(cpuBefore);
  ops.ingestCpuMs += (cpu.user + cpu.system) / 1000;
  ops.accepted += result.accepted;
  ops.workerRequests.ingestion++;
  if (result.accepted !== BATCH) throw new Error(`expected ${BATCH} accepted, got ${JSON.stringify(result).slice(0, 300)}`);
}
// Everything the last requests started: the last roll, the counter's report, the next compaction.
await runTimersUntil(now + 2 * HOUR_MS);
await Promise.all(pendingFlushes);

process.stdout.write(
  `${JSON.stringify({
    settings: { events: ops.accepted, monthlyEvents: MONTHLY_EVENTS, batch: BATCH, simulatedHours: (start + requests * requestGapMs - start) / HOUR_MS, acceptedCountsIntervalMs: ACCEPTED_COUNTS_INTERVAL_MS, acceptedCountsReportMs: ACCEPTED_COUNTS_REPORT_MS, rollSeconds: ROLL_MS / 1000, compactionClassBPerInput: COMPACTION_CLASS_B_PER_INPUT, compactionRowsPerCpuSecond: COMPACTION_ROWS_PER_CPU_SECOND },
    ops: { ...ops, counterRows: ops.counterRows + counterDb.rowsWritten(), catalogRows },
    parquetBytesPerRow: Object.fromEntries(parquetBytesPerRow),
  })}\n`,
);
