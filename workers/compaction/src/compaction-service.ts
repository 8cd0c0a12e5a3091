// The compaction Worker's wiring: the catalog over RPC, analytics-source, and the encoder; the
// protocol itself is packages/lake/src/compaction.ts.
import { type CatalogRpc, catalogRpc } from "@edge-analytics/catalog";
import { type EventType, TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";
import {
  type CompactionObjects,
  type CompactionOutcome,
  type CompactionReport,
  compactPartition,
  encodeLakeRows,
  DEFAULT_LOOKBACK_HOURS,
  hourPartition,
  initZstd,
  type LakeRow,
  lookbackHoursError,
  r2RangeReader,
  recoverCompactions,
} from "@edge-analytics/lake";
// wrangler bundles a `.wasm` import as a compiled WebAssembly.Module: workerd forbids compiling at run time.
import zstdWasm from "@foxglove/wasm-zstd/dist/wasm-zstd.wasm";

export type CompactionEnv = Env;


export function sourceObjects(bucket: R2Bucket): CompactionObjects {
  return {
    async reader(key, bytes) {
      // The catalog's size saves the HEAD (a Class B operation); keys are never overwritten.
      if (bytes !== undefined) return r2RangeReader(bucket, key, bytes);
      const head = await bucket.head(key);
      return head ? r2RangeReader(bucket, key, head.size) : undefined;
    },
    async put(key, bytes) {
      await bucket.put(key, bytes);
    },
    async delete(keys) {
      // R2 deletes up to 1,000 keys per call; deleting a missing key is not an error.
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    },
  };
}

/** Row groups of 16k rows: several per output, so readers can skip by timestamp statistics. */
const OUTPUT_ROW_GROUP_ROWS = 16_384;

export function encodeCompacted(type: EventType, rows: LakeRow[]): Uint8Array {
  initZstd(zstdWasm);
  return encodeLakeRows(type, rows, { maxRowGroupRows: OUTPUT_ROW_GROUP_ROWS });
}

export interface CompactionSettings {
  targetBytes: number;
  maxRowsPerFile: number;
  leaseMs: number;
  /** DEDUP_LOOKBACK_HOURS: the hours before a partition whose event_ids its rows must not repeat. */
  lookbackHours: number;
}

export function settingsFrom(env: Pick<Env, "COMPACTION_TARGET_BYTES" | "COMPACTION_MAX_ROWS_PER_FILE" | "COMPACTION_LEASE_SECONDS" | "DEDUP_LOOKBACK_HOURS">): CompactionSettings {
  const targetBytes = Number(env.COMPACTION_TARGET_BYTES || 128 * 1024 * 1024);
  const maxRowsPerFile = Number(env.COMPACTION_MAX_ROWS_PER_FILE || 50_000);
  const leaseSeconds = Number(env.COMPACTION_LEASE_SECONDS || 900);
  for (const [name, value] of [["COMPACTION_TARGET_BYTES", targetBytes], ["COMPACTION_MAX_ROWS_PER_FILE", maxRowsPerFile], ["COMPACTION_LEASE_SECONDS", leaseSeconds]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${String(value)}`);
  }
  // 0 is a valid window (the partition alone), so an unset var, not a falsy one, means the default.
  const lookbackText = env.DEDUP_LOOKBACK_HOURS;
  const lookbackHours = lookbackText === undefined || lookbackText.trim() === "" ? DEFAULT_LOOKBACK_HOURS : Number(lookbackText);
  const invalid = lookbackHoursError(lookbackHours);
  if (invalid) throw new Error(`DEDUP_LOOKBACK_HOURS ${invalid}`);
  return { targetBytes, maxRowsPerFile, leaseMs: leaseSeconds * 1000, lookbackHours };
}

/** The report fields a pass adds up over its partitions. */
const SUMMED = [
  "files_in",
  "files_out",
  "rows_in",
  "rows_out",
  "duplicates_removed",
  "lookback_duplicates",
  "bytes_in",
  "bytes_out",
  "bytes_saved",
  "read_requests",
  "bytes_read",
  "lookback_listings",
  "lookback_files",
  "lookback_ids",
  "lookback_read_requests",
  "lookback_bytes_read",
] as const;

/** One compaction pass's summary (`POST /compact`, the cron's log line): the runs and their totals. */
export type CompactionSummary = {
  recovered: { finished: string[]; undone: string[] };
  runs: CompactionOutcome[];
  /** The window the runs used (DEDUP_LOOKBACK_HOURS, or the request's `lookback_hours`). */
  lookback_hours: number;
  duration_ms: number;
} & Pick<CompactionReport, (typeof SUMMED)[number]>;

/** What `POST /compact` and the cron ask for: one partition, a table's, or all; optionally another window. */
export interface CompactionScope {
  table?: TableName;
  partition?: string;
  lookbackHours?: number;
}

/**
 * The partitions a pass without a partition visits: the catalog's candidates (at least two small
 * files) and, of each raw table, the hour that has just closed whatever its file count: a one-file
 * hour holding retries of the hour before is no candidate, but compactPartition rewrites it
 * without them. Older one-file hours are not visited again (the catalog has no "checked" mark).
 */
async function passTargets(catalog: CatalogRpc, settings: CompactionSettings, now: Date, table: TableName | undefined): Promise<{ table: TableName; partition: string }[]> {
  const open = hourPartition(now);
  const candidates = await catalog.compactionCandidates(open, settings.targetBytes, table);
  const targets: { table: TableName; partition: string }[] = [...candidates];
  if (settings.lookbackHours === 0) return targets;
  const closed = hourPartition(new Date(now.getTime() - 3_600_000));
  for (const t of table ? [table] : TABLE_NAMES) {
    if (!targets.some((target) => target.table === t && target.partition === closed)) targets.push({ table: t, partition: closed });
  }
  return targets;
}

/**
 * Settles what earlier runs left, then compacts the given partition, or every closed partition
 * with small files and the hour just closed (optionally of one table; see passTargets), one after
 * the other, with the configured window or the scope's. Progress goes to the log.
 */
export async function runCompaction(
  env: CompactionEnv,
  scope: CompactionScope,
  log: (line: Record<string, unknown>) => void,
  configured: CompactionSettings = settingsFrom(env),
): Promise<CompactionSummary> {
  const started = Date.now();
  const settings = scope.lookbackHours === undefined ? configured : { ...configured, lookbackHours: scope.lookbackHours };
  const catalog = catalogRpc(env.CATALOG);
  const objects = sourceObjects(env.SOURCE_BUCKET);
  const recovered = await recoverCompactions(catalog, objects, Date.now());
  if (recovered.finished.length + recovered.undone.length > 0) log({ stage: "recover", ...recovered });

  const targets = scope.table && scope.partition ? [{ table: scope.table, partition: scope.partition }] : await passTargets(catalog, settings, new Date(), scope.table);
  log({ stage: "plan", partitions: targets.length, lookback_hours: settings.lookbackHours });
  const runs: CompactionOutcome[] = [];
  for (const [i, target] of targets.entries()) {
    const outcome = await compactPartition({ catalog, objects, encode: encodeCompacted }, target, {
      ...settings,
      newRunId: () => crypto.randomUUID(),
      now: () => Date.now(),
    });
    runs.push(outcome);
    log({ stage: "partition", progress: `${i + 1}/${targets.length}`, ...(outcome.status === "compacted" ? outcome.report : outcome) });
  }
  const reports = runs.flatMap((r) => (r.status === "compacted" ? [r.report] : []));
  const totals = Object.fromEntries(SUMMED.map((field) => [field, reports.reduce((total, r) => total + r[field], 0)])) as Pick<CompactionReport, (typeof SUMMED)[number]>;
  return {
    recovered,
    runs,
    lookback_hours: settings.lookbackHours,
    ...totals,
    duration_ms: Date.now() - started,
  };
}
