// An in-memory lake for compaction's unit tests: a bucket of Parquet objects that counts its
// requests, and a catalog that keeps the protocol's file states (active, staged, retired) and its
// one-unfinished-run-per-partition lease the way workers/catalog's Durable Object does. The real
// catalog and R2 are exercised by workers/compaction/test in workerd.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { lakeColumns, type TableName } from "@edge-analytics/event-schema";
import { parquetMetadata } from "hyparquet";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import type { CompactionCatalog, CompactionObjects, CompactionOptions, EncodeRows, UnfinishedRun } from "../src/compaction.ts";
import type { RangeReader } from "../src/file-facts.ts";
import { hourPartition, rawObjectKey } from "../src/layout.ts";
import { encodeLakeRows } from "../src/parquet/encode-lake-rows.ts";
import type { LakeRow, LakeValue } from "../src/parquet/lake-row.ts";
import { initZstd } from "../src/parquet/writer/zstd.ts";

initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));

const COLUMNS = lakeColumns("page_view");
export const ID = COLUMNS.findIndex((c) => c.name === "event_id");
export const RECEIVED = COLUMNS.findIndex((c) => c.name === "received_at");
export const URL_COLUMN = COLUMNS.findIndex((c) => c.name === "page_url");
const HOUR_MS = 3_600_000;

/** The first hour of the tests' lake; hour n is BASE + n hours. */
export const BASE = Date.UTC(2025, 5, 1, 0);
export const hourOf = (n: number) => hourPartition(new Date(BASE + n * HOUR_MS));

let sequence = 0;
/** A page view received in hour `n` (its id from `id`, or a fresh one). */
export function pageView(n: number, id?: string, url?: string): LakeRow {
  sequence += 1;
  const received = BASE + n * HOUR_MS + 1000 + (sequence % 3_000_000);
  return COLUMNS.map((column): LakeValue => {
    switch (column.name) {
      case "type":
        return "page_view";
      case "event_id":
        return id ?? crypto.randomUUID();
      case "timestamp":
        return received - 500;
      case "received_at":
        return received;
      case "project_id":
        return "local";
      case "session_id":
        return `s-${sequence % 5}`;
      case "environment":
        return "production";
      case "is_bot":
        return false;
      case "page_url":
        return url ?? `https://shop.example/p/${sequence % 11}`;
      default:
        return null;
    }
  });
}

/** The same event again, as a client's retry delivers it `hoursLater` (a new received_at). */
export function retryOf(row: LakeRow, hoursLater: number, url?: string): LakeRow {
  const copy = [...row];
  copy[RECEIVED] = Number(row[RECEIVED]) + hoursLater * HOUR_MS + 7;
  if (url !== undefined) copy[URL_COLUMN] = url;
  return copy;
}

interface FileRecord {
  table: TableName;
  partition: string;
  rows: number;
  bytes: number;
  state: "active" | "staged" | "retired";
}

interface RunRecord {
  run_id: string;
  table: TableName;
  partition: string;
  inputs: string[];
  outputs: string[];
  state: UnfinishedRun["state"];
  lease_until: number;
  report?: Record<string, unknown>;
}

export class MemoryLake {
  readonly objects = new Map<string, Uint8Array>();
  readonly files = new Map<string, FileRecord>();
  readonly runs = new Map<string, RunRecord>();
  /** Requests the bucket answered: lookups by key (HEAD) and ranged reads (GET). */
  heads = 0;
  gets = 0;
  now = BASE + 1000 * HOUR_MS;

  /** Writes a raw file of `rows` into hour n and registers it, as the sink does. */
  put(n: number, rows: LakeRow[], options?: { maxRowGroupRows?: number }): string {
    const key = rawObjectKey("page_views", new Date(BASE + n * HOUR_MS), crypto.randomUUID());
    const bytes = encodeLakeRows("page_view", rows, options);
    this.objects.set(key, bytes);
    this.files.set(key, { table: "page_views", partition: hourOf(n), rows: rows.length, bytes: bytes.byteLength, state: "active" });
    return key;
  }

  /** Replaces a registered file's rows (the catalog's record follows). */
  rewrite(key: string, rows: LakeRow[]): void {
    const record = this.files.get(key);
    if (!record) throw new Error(`no file ${key}`);
    const bytes = encodeLakeRows("page_view", rows);
    this.objects.set(key, bytes);
    this.files.set(key, { ...record, rows: rows.length, bytes: bytes.byteLength });
  }

  activeKeys(partition: string): string[] {
    return [...this.files.entries()].filter(([, f]) => f.partition === partition && f.state === "active").map(([key]) => key).sort();
  }

  /** The event_ids a catalog reader sees in hour n (every row of every active file). */
  async ids(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (const key of this.activeKeys(hourOf(n))) for (const row of await this.rows(key)) ids.push(String(row.event_id));
    return ids;
  }

  async rows(key: string): Promise<Record<string, unknown>[]> {
    const bytes = this.objects.get(key);
    if (!bytes) throw new Error(`no object ${key}`);
    return (await readParquetBytes(bytes.slice().buffer)).rows;
  }

  readonly catalog: CompactionCatalog = {
    partitionFiles: async (table, partition) =>
      this.activeKeys(partition)
        .map((key) => ({ key, ...(this.files.get(key) as FileRecord) }))
        .filter((f) => f.table === table)
        .map(({ key, rows, bytes }) => ({ key, rows, bytes })),
    beginCompaction: async (run) => {
      const busy = [...this.runs.values()].find((r) => r.table === run.table && r.partition === run.partition && ["planned", "staged", "swapped", "aborting"].includes(r.state));
      if (busy) return { ok: false, reason: `run ${busy.run_id} on ${run.table}/${run.partition} is unfinished` };
      if (!run.inputs.every((key) => this.files.get(key)?.state === "active")) return { ok: false, reason: "an input is no longer active" };
      this.runs.set(run.runId, { run_id: run.runId, table: run.table, partition: run.partition, inputs: run.inputs, outputs: run.outputs, state: "planned", lease_until: this.now + run.leaseMs });
      return { ok: true };
    },
    stageCompactionOutputs: async (runId, written) => {
      const run = this.run(runId);
      for (const key of written) {
        const bytes = this.objects.get(key);
        if (!bytes) throw new Error(`output ${key} not written`);
        this.files.set(key, { table: run.table, partition: run.partition, rows: Number(parquetMetadata(bytes.slice().buffer).num_rows), bytes: bytes.byteLength, state: "staged" });
      }
      run.outputs = written;
      run.state = "staged";
    },
    commitCompaction: async (runId) => {
      const run = this.run(runId);
      for (const key of run.outputs) (this.files.get(key) as FileRecord).state = "active";
      for (const key of run.inputs) (this.files.get(key) as FileRecord).state = "retired";
      run.state = "swapped";
    },
    finishCompaction: async (runId, report) => {
      const run = this.run(runId);
      for (const key of run.inputs) this.files.delete(key);
      run.state = "done";
      run.report = report;
    },
    abortCompaction: async (runId) => {
      const run = this.run(runId);
      if (run.state === "swapped" || run.state === "done") return { ok: false, reason: "already swapped" };
      run.state = "aborting";
      return { ok: true };
    },
    closeAbortedCompaction: async (runId) => {
      const run = this.run(runId);
      for (const key of run.outputs) this.files.delete(key);
      run.state = "aborted";
    },
    unfinishedCompactions: async () =>
      [...this.runs.values()]
        .filter((r) => r.state !== "done" && r.state !== "aborted")
        .map((r) => ({ run_id: r.run_id, table: r.table, partition: r.partition, state: r.state, inputs: r.inputs, outputs: r.outputs, lease_until: new Date(r.lease_until).toISOString() })),
  };

  readonly bucket: CompactionObjects = {
    reader: async (key, bytes) => {
      if (bytes !== undefined) return this.rangeReader(key, bytes);
      this.heads += 1;
      const object = this.objects.get(key);
      return object ? this.rangeReader(key, object.byteLength) : undefined;
    },
    put: async (key, bytes) => {
      this.objects.set(key, bytes);
    },
    delete: async (keys) => {
      for (const key of keys) this.objects.delete(key);
    },
  };

  private rangeReader(key: string, size: number): RangeReader {
    return {
      byteLength: size,
      read: async (offset, length) => {
        this.gets += 1;
        const object = this.objects.get(key);
        if (!object) throw new Error(`${key} disappeared while it was read`);
        return object.slice(offset, offset + length).buffer;
      },
    };
  }

  private run(runId: string): RunRecord {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }
}

export const encode: EncodeRows = (type, rows) => encodeLakeRows(type, rows, { maxRowGroupRows: 16_384 });

export function options(lookbackHours: number | undefined, overrides: Partial<CompactionOptions> = {}): CompactionOptions {
  return {
    targetBytes: 128 * 2 ** 20,
    maxRowsPerFile: 50_000,
    leaseMs: 60_000,
    ...(lookbackHours === undefined ? {} : { lookbackHours }),
    newRunId: () => crypto.randomUUID(),
    now: () => Date.now(),
    ...overrides,
  };
}
