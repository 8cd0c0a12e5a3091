import { EVENT_TYPE_BY_TABLE, type EventType, lakeColumns, type TableName } from "@edge-analytics/event-schema";
import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { asyncBufferOf, PARQUET_COMPRESSORS, type RangeReader, TIMESTAMPS_AS_MS } from "./file-facts.ts";
import { tableLocation } from "./layout.ts";
import {
  DEFAULT_LOOKBACK_HOURS,
  emptyLookbackStats,
  fileEventIds,
  LookbackCache,
  type LookbackPorts,
  type LookbackStats,
  lookbackHoursError,
  lookbackPartitions,
  meteredReader,
  type ReadCost,
  visitLookbackEventIds,
} from "./lookback.ts";
import type { LakeRow, LakeValue } from "./parquet/lake-row.ts";

/** What a compaction run reports (and the catalog records). */
export interface CompactionReport {
  run_id: string;
  table: TableName;
  partition: string;
  files_in: number;
  files_out: number;
  rows_in: number;
  rows_out: number;
  /** Every row dropped: copies inside the partition plus `lookback_duplicates`. */
  duplicates_removed: number;
  /** The window: hours before the partition whose event_ids its rows must not repeat (0: none). */
  lookback_hours: number;
  /** Rows dropped because their event_id is already in a partition of the window (part of duplicates_removed). */
  lookback_duplicates: number;
  /** Catalog listings of the window's partitions (one per partition per pass). */
  lookback_listings: number;
  /** Files of the window read (their event_id column only), summed over passes. */
  lookback_files: number;
  /** Event ids of the window read, summed over passes. */
  lookback_ids: number;
  /** Object-store requests reading the window (R2 Class B: ranged GETs) and their bytes. */
  lookback_read_requests: number;
  lookback_bytes_read: number;
  /** Object-store requests reading the inputs (R2 Class B: a HEAD per input, ranged GETs) and their bytes. */
  read_requests: number;
  bytes_read: number;
  bytes_in: number;
  bytes_out: number;
  bytes_saved: number;
  /** Passes over the inputs: one per output, each keeping the rows whose event_id hashes to it. */
  outputs: string[];
  duration_ms: number;
}

export type CompactionOutcome = { status: "compacted"; report: CompactionReport } | { status: "skipped"; table: TableName; partition: string; reason: string };

/** An unfinished run as the catalog lists it. */
export interface UnfinishedRun {
  run_id: string;
  table: string;
  partition: string;
  state: "planned" | "staged" | "swapped" | "done" | "aborting" | "aborted";
  inputs: string[];
  outputs: string[];
  lease_until: string;
}

/** The catalog's side of a run (the catalog Worker's RPC methods). */
export interface CompactionCatalog {
  partitionFiles(table: TableName, partition: string): Promise<{ key: string; rows: number; bytes: number }[]>;
  beginCompaction(run: { runId: string; table: TableName; partition: string; inputs: string[]; outputs: string[]; leaseMs: number }): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Reads the written outputs' facts from R2 and records them, still invisible. Outputs not listed are dropped from the run. */
  stageCompactionOutputs(runId: string, written: string[]): Promise<void>;
  /** The atomic swap: outputs visible, inputs retired. */
  commitCompaction(runId: string): Promise<void>;
  finishCompaction(runId: string, report: Record<string, unknown>): Promise<void>;
  /** Starts undoing a run that has not swapped; refuses once it has. */
  abortCompaction(runId: string, reason: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** After the aborted run's output objects are deleted. */
  closeAbortedCompaction(runId: string): Promise<void>;
  unfinishedCompactions(): Promise<UnfinishedRun[]>;
}

/** The bucket's side (analytics-source). */
export interface CompactionObjects {
  /**
   * A reader of the object, undefined when it is missing. Without `bytes` the size is looked up
   * first (on R2 a HEAD, counted as one read request); with it (the catalog lists every file's
   * size) no lookup is made and a missing object fails on its first read instead.
   */
  reader(key: string, bytes?: number): Promise<RangeReader | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

export type EncodeRows = (type: EventType, rows: LakeRow[]) => Uint8Array;

export interface CompactionOptions {
  /** Files at least this large are left alone; outputs aim at it (default 128 MiB). */
  targetBytes: number;
  /** Rows per output at most: the memory budget of one pass (rows held + their Parquet encoding). */
  maxRowsPerFile: number;
  /** How long a run may hold its partition before another run may undo it. */
  leaseMs: number;
  /**
   * The look-back window in hours (default DEFAULT_LOOKBACK_HOURS, 1): a row is dropped when its
   * event_id is in one of the partitions H-1 … H-hours. 0 deduplicates the partition alone.
   */
  lookbackHours?: number;
  newRunId: () => string;
  now: () => number;
}

const OUTPUT_HEADROOM = 1.5;


/** FNV-1a of the id: which output (of `outputs`) a row belongs to, so duplicates always meet. */
export function outputOfEventId(eventId: string, outputs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % outputs;
}

/** The output key of a run: in the partition's folder, named so the sink's keys never collide. */
export function compactedObjectKey(table: TableName, partition: string, runId: string, index: number): string {
  return `${tableLocation(table).prefix}${partition}/compacted-${runId}-${index}.parquet`;
}

function toLakeValue(value: unknown): LakeValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "object") return JSON.stringify(value);
  return value as LakeValue;
}

/** A copy's received time for choosing the first copy; a copy without one never wins. */
function receivedMs(value: LakeValue | undefined): number {
  return typeof value === "number" ? value : Number.POSITIVE_INFINITY;
}

/** Calls its argument with every event_id of the look-back window (see lookback.ts). */
export type LookbackScan = (visit: (eventId: string) => void) => Promise<void>;

/**
 * One pass: the rows of every input whose event_id hashes to `output`, read row group by row
 * group, deduplicated by event_id, mapped onto the table's current columns (columns an older file
 * lacks are null: the newest schema wins), sorted by timestamp. Of the copies of an event inside
 * the partition the first received is kept (earliest received_at, then the catalog's file order),
 * as dbt's staging models choose. With `lookback`, a row whose event_id the window holds is
 * dropped altogether: the earlier partition's copy is the first one. The window is scanned after
 * the inputs, so the pass holds nothing of it but one decoded row group of ids.
 */
export async function mergeOutput(
  inputs: RangeReader[],
  type: EventType,
  output: number,
  outputs: number,
  lookback?: LookbackScan,
): Promise<{ rows: LakeRow[]; duplicates: number; lookbackDuplicates: number }> {
  const columns = lakeColumns(type);
  const timestampIndex = columns.findIndex((c) => c.name === "timestamp");
  const idIndex = columns.findIndex((c) => c.name === "event_id");
  const receivedIndex = columns.findIndex((c) => c.name === "received_at");
  const byId = new Map<string, LakeValue[]>();
  let duplicates = 0;
  for (const reader of inputs) {
    const file = asyncBufferOf(reader);
    const metadata = await parquetMetadataAsync(file, { parsers: TIMESTAMPS_AS_MS });
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors: PARQUET_COMPRESSORS, parsers: TIMESTAMPS_AS_MS });
      for (const object of objects) {
        const id = String(object.event_id);
        if (outputOfEventId(id, outputs) !== output) continue;
        const row = columns.map((column) => toLakeValue(object[column.name]));
        const kept = byId.get(id);
        if (kept === undefined) {
          byId.set(id, row);
          continue;
        }
        duplicates += 1;
        if (receivedMs(row[receivedIndex]) < receivedMs(kept[receivedIndex])) byId.set(id, row);
      }
      start = end;
    }
  }
  let lookbackDuplicates = 0;
  if (lookback && byId.size > 0) {
    await lookback((id) => {
      if (byId.delete(id)) lookbackDuplicates += 1;
    });
  }
  const rows = [...byId.values()];
  rows.sort((a, b) => Number(a[timestampIndex]) - Number(b[timestampIndex]) || String(a[idIndex]).localeCompare(String(b[idIndex])));
  return { rows, duplicates: duplicates + lookbackDuplicates, lookbackDuplicates };
}

/** Abort first: the catalog refuses once the swap happened, and then the outputs must stay. */
async function undo(catalog: CompactionCatalog, objects: CompactionObjects, runId: string, outputs: string[], reason: string): Promise<void> {
  const aborted = await catalog.abortCompaction(runId, reason);
  if (!aborted.ok) throw new Error(aborted.reason);
  await objects.delete(outputs);
  await catalog.closeAbortedCompaction(runId);
}

/**
 * Settles what earlier runs left: a swapped run gets its inputs deleted and is finished; a run
 * that never swapped is undone (outputs deleted, run aborted) once its lease has expired, so a
 * run still in progress elsewhere is left alone.
 */
export async function recoverCompactions(catalog: CompactionCatalog, objects: CompactionObjects, now: number): Promise<{ finished: string[]; undone: string[] }> {
  const result = { finished: [] as string[], undone: [] as string[] };
  for (const run of await catalog.unfinishedCompactions()) {
    if (run.state === "swapped") {
      await objects.delete(run.inputs);
      await catalog.finishCompaction(run.run_id, { recovered: true, finished_after_crash: true });
      result.finished.push(run.run_id);
    } else if (run.state === "aborting" || ((run.state === "planned" || run.state === "staged") && Date.parse(run.lease_until) <= now)) {
      await undo(catalog, objects, run.run_id, run.outputs, "lease expired before the swap (the run crashed or timed out)");
      result.undone.push(run.run_id);
    }
  }
  return result;
}

function lookbackReport(hours: number, duplicates: number, stats: LookbackStats) {
  return {
    lookback_hours: hours,
    lookback_duplicates: duplicates,
    lookback_listings: stats.listings,
    lookback_files: stats.files,
    lookback_ids: stats.ids,
    lookback_read_requests: stats.reads.requests,
    lookback_bytes_read: stats.reads.bytes,
  };
}

/**
 * Whether a partition's only small file holds an event twice, or an event the window holds too:
 * then it is rewritten without the copies, although there is nothing to merge. A client's retry
 * lands in the same file as its original whenever both reach the sink within one roll (300 s by
 * default on Cloudflare Pipelines), so one file is no proof of one copy each. Reads the file's
 * event_id column only (the ids of one file below the target size), then streams the window's
 * ids past them.
 */
async function holdsCopies(objects: CompactionObjects, file: { key: string; bytes: number }, lookback: LookbackScan | undefined, reads: ReadCost): Promise<boolean> {
  const reader = await objects.reader(file.key, file.bytes);
  if (!reader) throw new Error(`input ${file.key} is in the catalog but not in the bucket`);
  const { ids, repeated: twiceInFile } = await fileEventIds(meteredReader(reader, reads), file.key);
  if (twiceInFile || !lookback) return twiceInFile;
  let repeated = false;
  await lookback((id) => {
    if (ids.has(id)) repeated = true;
  });
  return repeated;
}

/**
 * Compacts one closed hour partition of a raw table. Steps, each safe to crash after:
 *   1. begin: the catalog records the run, its inputs and output keys (a lease per partition)
 *   2. write each output (one pass over the inputs per output, row group by row group)
 *   3. stage: the catalog reads the outputs' facts; they stay invisible
 *   4. swap: in one catalog transaction the outputs become the partition's files, inputs retire
 *   5. delete the inputs' objects, 6. finish: the catalog forgets them and records the report.
 * Catalog readers see the inputs until 4 and the outputs after it: every row exactly once. A
 * failure before 4 undoes the run at once (or, after a crash, the next run once the lease
 * expires); after 4, the next run finishes it.
 *
 * The look-back window (`lookbackHours`, w): each pass also drops the rows whose event_id is in
 * one of the w partitions before (their event_id column only, as the catalog lists them at that
 * moment). The rule looks only backwards, so the earliest partition holding an event never drops
 * it, whatever order partitions are compacted in and however often: never a row lost, and no two
 * copies within w hours of each other survive. A partition whose only small file holds an event
 * twice, or repeats the window, is rewritten too.
 */
export async function compactPartition(
  ports: { catalog: CompactionCatalog; objects: CompactionObjects; encode: EncodeRows },
  target: { table: TableName; partition: string },
  options: CompactionOptions,
): Promise<CompactionOutcome> {
  const { catalog, objects, encode } = ports;
  const started = options.now();
  const lookbackHours = options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS;
  const invalidWindow = lookbackHoursError(lookbackHours);
  if (invalidWindow) throw new Error(`lookbackHours ${invalidWindow}`);
  const window = lookbackPartitions(target.partition, lookbackHours);
  const lookbackStats = emptyLookbackStats();
  const lookbackPorts: LookbackPorts = { partitionFiles: (table, partition) => catalog.partitionFiles(table, partition), reader: (key, bytes) => objects.reader(key, bytes) };
  const lookbackCache = new LookbackCache();
  const lookback: LookbackScan | undefined = window.length === 0 ? undefined : (visit) => visitLookbackEventIds(lookbackPorts, target.table, window, visit, lookbackStats, lookbackCache);
  const inputReads: ReadCost = { requests: 0, bytes: 0 };

  const files = await catalog.partitionFiles(target.table, target.partition);
  const inputs = files.filter((file) => file.bytes < options.targetBytes);
  if (inputs.length === 0) return { status: "skipped", ...target, reason: "0 file(s) below the target size: nothing to merge" };
  const only = inputs.length === 1 ? inputs[0] : undefined;
  if (only && !(await holdsCopies(objects, only, lookback, inputReads))) {
    const window = lookback ? `, none of its events in the ${lookbackHours} hour(s) before` : "";
    return { status: "skipped", ...target, reason: `1 file(s) below the target size, no event twice in it${window}: nothing to merge` };
  }

  const rowsIn = inputs.reduce((sum, f) => sum + f.rows, 0);
  const bytesIn = inputs.reduce((sum, f) => sum + f.bytes, 0);
  // Ids hash evenly, but not exactly: 1.5x headroom keeps every pass under maxRowsPerFile (a pass
  // of n expected rows exceeds 1.5n with a probability below 1e-6 from ~100 rows on).
  const outputCount = Math.max(1, Math.ceil((rowsIn * OUTPUT_HEADROOM) / options.maxRowsPerFile), Math.ceil(bytesIn / options.targetBytes));
  const runId = options.newRunId();
  const outputKeys = Array.from({ length: outputCount }, (_, i) => compactedObjectKey(target.table, target.partition, runId, i));
  const inputKeys = inputs.map((f) => f.key);
  const begun = await catalog.beginCompaction({ runId, ...target, inputs: inputKeys, outputs: outputKeys, leaseMs: options.leaseMs });
  if (!begun.ok) return { status: "skipped", ...target, reason: begun.reason };

  const written: string[] = [];
  let bytesOut = 0;
  let rowsOut = 0;
  let duplicates = 0;
  let lookbackDuplicates = 0;
  let swapped = false;
  try {
    const readers: RangeReader[] = [];
    for (const key of inputKeys) {
      // Looked up by key (a HEAD on R2): a missing input stops the run before any output is written.
      inputReads.requests += 1;
      const reader = await objects.reader(key);
      if (!reader) throw new Error(`input ${key} is in the catalog but not in the bucket`);
      readers.push(meteredReader(reader, inputReads));
    }
    const type = EVENT_TYPE_BY_TABLE[target.table];
    for (let output = 0; output < outputCount; output++) {
      const merged = await mergeOutput(readers, type, output, outputCount, lookback);
      duplicates += merged.duplicates;
      lookbackDuplicates += merged.lookbackDuplicates;
      if (merged.rows.length === 0) continue;
      const bytes = encode(type, merged.rows);
      const key = outputKeys[output] as string;
      await objects.put(key, bytes);
      written.push(key);
      bytesOut += bytes.byteLength;
      rowsOut += merged.rows.length;
    }
    await catalog.stageCompactionOutputs(runId, written);
    await catalog.commitCompaction(runId);
    swapped = true;
  } catch (error) {
    if (!swapped) {
      // Undo now rather than after the lease: the catalog never showed the outputs.
      try {
        await undo(catalog, objects, runId, outputKeys, error instanceof Error ? error.message : String(error));
      } catch {
        // The swap may have happened after all (its answer was lost), or the catalog is away: the
        // next run's recovery finishes or undoes it from the catalog's record.
      }
    }
    throw error;
  }
  await objects.delete(inputKeys);
  const report: CompactionReport = {
    run_id: runId,
    ...target,
    files_in: inputs.length,
    files_out: written.length,
    rows_in: rowsIn,
    rows_out: rowsOut,
    duplicates_removed: duplicates,
    ...lookbackReport(lookbackHours, lookbackDuplicates, lookbackStats),
    read_requests: inputReads.requests,
    bytes_read: inputReads.bytes,
    bytes_in: bytesIn,
    bytes_out: bytesOut,
    bytes_saved: bytesIn - bytesOut,
    outputs: written,
    duration_ms: options.now() - started,
  };
  await catalog.finishCompaction(runId, { ...report });
  return { status: "compacted", report };
}
