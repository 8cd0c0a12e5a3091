// Compaction's look-back window: the event_ids of the hour partitions just before the one being
// compacted, read column-projected (event_id only), so a client retry that landed in the next
// hour is dropped there. The rule and its guarantee are in README "Compaction"; the passes that
// use it are in compaction.ts.
import type { TableName } from "@edge-analytics/event-schema";
import { type AsyncBuffer, type FileMetaData, parquetMetadata, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { PARQUET_COMPRESSORS, type RangeReader, TIMESTAMPS_AS_MS } from "./file-facts.ts";
import { hourPartition, parseHourPartition } from "./layout.ts";

/** A retry lands in the same hour or the next one (the sink writes the hour it received the rows). */
export const DEFAULT_LOOKBACK_HOURS = 1;
/**
 * A week. Each hour of the window costs every pass a catalog listing and a read of that hour's
 * event_id column, so a window is kept small; the cap catches a mistyped setting, not a budget.
 */
export const MAX_LOOKBACK_HOURS = 168;

const HOUR_MS = 3_600_000;

/** Checks a window (hours) from a setting or a request; answers the reason when it is not one. */
export function lookbackHoursError(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_LOOKBACK_HOURS) {
    return `must be an integer from 0 to ${MAX_LOOKBACK_HOURS} (hours), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** The hour partitions a run of `partition` looks back over: H-1 … H-hours, nearest first. */
export function lookbackPartitions(partition: string, hours: number): string[] {
  const parsed = parseHourPartition(partition);
  if ("error" in parsed) throw new Error(parsed.error);
  return Array.from({ length: hours }, (_, i) => hourPartition(new Date(parsed.start.getTime() - (i + 1) * HOUR_MS)));
}

/** What reads from the object store cost: requests (on R2 each a Class B operation, HEAD or ranged GET) and bytes. */
export interface ReadCost {
  requests: number;
  bytes: number;
}

/** Counts a reader's requests and bytes into `cost`; a request that fails is still a request. */
export function meteredReader(reader: RangeReader, cost: ReadCost): RangeReader {
  return {
    byteLength: reader.byteLength,
    async read(offset, length) {
      cost.requests += 1;
      const bytes = await reader.read(offset, length);
      cost.bytes += bytes.byteLength;
      return bytes;
    },
  };
}

/**
 * A file up to this size is read whole by its first request: its event_id column then costs no
 * request of its own (requests are what R2 bills; bytes are not billed). A larger file has its
 * footer read (FOOTER_BYTES, more if the footer is larger), then one request per row group for
 * the event_id column chunk: bytes stay near the column's own size.
 */
const WHOLE_FILE_BYTES = 512 * 1024;
const FOOTER_BYTES = 64 * 1024;

/**
 * hyparquet's view of a reader that keeps the reads of the file's end (the footer, or all of a
 * small file) and answers later reads inside them from memory; `footer()` then answers the
 * footer's own bytes (the Thrift metadata, its length and the magic) without another request.
 */
function tailCachedBuffer(reader: RangeReader): AsyncBuffer & { footer(metadataLength: number): ArrayBuffer } {
  // Contiguous pieces ending at the end of the file, the first one lowest.
  const pieces: { start: number; bytes: ArrayBuffer }[] = [];
  const tailStart = () => pieces[0]?.start ?? reader.byteLength;
  const within = (start: number, end: number) => start >= tailStart() && end <= reader.byteLength;
  const copy = (start: number, end: number) => {
    const out = new Uint8Array(end - start);
    for (const piece of pieces) {
      const from = Math.max(start, piece.start);
      const to = Math.min(end, piece.start + piece.bytes.byteLength);
      if (from < to) out.set(new Uint8Array(piece.bytes, from - piece.start, to - from), from - start);
    }
    return out.buffer;
  };
  return {
    byteLength: reader.byteLength,
    async slice(start, end = reader.byteLength) {
      if (pieces.length > 0 && within(start, end)) return copy(start, end);
      const bytes = await reader.read(start, end - start);
      // hyparquet reads the footer first, then the rest of a large footer just before it.
      if (end === tailStart()) pieces.unshift({ start, bytes });
      return bytes;
    },
    footer(metadataLength) {
      const start = reader.byteLength - metadataLength - 8;
      if (!within(start, reader.byteLength)) throw new Error("the footer was not read");
      return copy(start, reader.byteLength);
    },
  };
}

/**
 * The window's bytes a run keeps between its passes, so each file of the window is read from the
 * bucket once per run rather than once per pass: per file, its footer's bytes and the byte ranges
 * its event_id column was read from (compressed: ~15 bytes an id). Files are kept while their
 * bytes stay within the budget (LOOKBACK_CACHE_BYTES); the others are read again by every pass.
 */
export class LookbackCache {
  readonly #files = new Map<string, { footer: ArrayBuffer; ranges: Map<string, ArrayBuffer> }>();
  #bytes = 0;
  readonly budgetBytes: number;
  // No parameter property: Node runs this package with type stripping only (the benchmarks).
  constructor(budgetBytes: number = LOOKBACK_CACHE_BYTES) {
    this.budgetBytes = budgetBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string) {
    return this.#files.get(key);
  }

  keep(key: string, footer: ArrayBuffer, ranges: Map<string, ArrayBuffer>): void {
    let bytes = footer.byteLength;
    for (const range of ranges.values()) bytes += range.byteLength;
    if (this.#files.has(key) || this.#bytes + bytes > this.budgetBytes) return;
    this.#files.set(key, { footer, ranges });
    this.#bytes += bytes;
  }
}

/**
 * 8 MiB: the event_id column of about half a million rows. Part of a run's memory beside a pass's
 * rows (README "Compaction", memory bounds); a larger window is still scanned, by re-reading.
 */
export const LOOKBACK_CACHE_BYTES = 8 * 1024 * 1024;

const rangeKey = (start: number, end: number) => `${start}:${end}`;

/**
 * Calls `visit` with each event_id of one file, row group by row group, reading that column only:
 * from the cache when an earlier pass kept it (no request; the footer is parsed again), otherwise
 * through `open()`, keeping the footer and the column's ranges for the next pass when there is room.
 */
async function visitFileEventIds(
  key: string,
  size: number,
  open: () => Promise<RangeReader>,
  visit: (eventId: string) => void,
  cache: LookbackCache | undefined,
): Promise<number> {
  let opened: Promise<RangeReader> | undefined;
  const reader = () => (opened ??= open());
  const kept = cache?.get(key);
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  let keep: (() => void) | undefined;
  if (kept) {
    metadata = parquetMetadata(kept.footer, { parsers: TIMESTAMPS_AS_MS });
    // A range the cache lacks (hyparquet planned differently) is read after all.
    file = { byteLength: size, slice: async (start, end = size) => kept.ranges.get(rangeKey(start, end)) ?? (await reader()).read(start, end - start) };
  } else {
    const source = await reader();
    const tailed = tailCachedBuffer(source);
    const initialFetchSize = source.byteLength <= WHOLE_FILE_BYTES ? source.byteLength : FOOTER_BYTES;
    metadata = await parquetMetadataAsync(tailed, { parsers: TIMESTAMPS_AS_MS, initialFetchSize });
    const ranges = new Map<string, ArrayBuffer>();
    // Each answer is its own buffer of the range's size (a copy out of the tail, or a fresh read),
    // so keeping it keeps nothing else of the file alive.
    file = {
      byteLength: source.byteLength,
      async slice(start, end = source.byteLength) {
        const bytes = await tailed.slice(start, end);
        ranges.set(rangeKey(start, end), bytes);
        return bytes;
      },
    };
    const parsed = metadata;
    if (cache) keep = () => cache.keep(key, tailed.footer(parsed.metadata_length), ranges);
  }
  if (!parquetSchema(metadata).children.some((child) => child.element.name === "event_id")) throw new Error(`${key} has no event_id column`);
  let ids = 0;
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns: ["event_id"], rowStart: start, rowEnd: end, compressors: PARQUET_COMPRESSORS });
    for (const row of rows) {
      const id: unknown = row.event_id;
      if (id === null || id === undefined) continue;
      visit(String(id));
      ids += 1;
    }
    start = end;
  }
  keep?.();
  return ids;
}

/** The catalog's and the bucket's sides a look-back needs (compaction.ts passes its own ports). */
export interface LookbackPorts {
  partitionFiles(table: TableName, partition: string): Promise<{ key: string; rows: number; bytes: number }[]>;
  /** With the size known (the catalog lists it), the bucket needs no lookup (on R2, no HEAD). */
  reader(key: string, bytes?: number): Promise<RangeReader | undefined>;
}

/** What look-back scans cost, summed over a run's passes. */
export interface LookbackStats {
  /** Catalog listings of look-back partitions (one per partition per scan, more after a retry). */
  listings: number;
  /** Files whose event_id column was read. */
  files: number;
  /** Event ids read. */
  ids: number;
  reads: ReadCost;
}

export function emptyLookbackStats(): LookbackStats {
  return { listings: 0, files: 0, ids: 0, reads: { requests: 0, bytes: 0 } };
}

/**
 * How often one partition's listing is retried when a file vanished under the scan. A retry only
 * happens when that partition's own compaction swapped and deleted the file meanwhile; two such
 * swaps during one scan would need two runs of the partition back to back.
 */
const ATTEMPTS = 3;

/**
 * Calls `visit` with the event_id of every row of the partition's active files (all of them, the
 * large ones too). The partition may be compacted meanwhile: when a listed file vanishes, the
 * listing is read again and the files that replaced it are read instead (visiting an id twice is
 * harmless). A file that fails while the catalog still lists it is a real failure and is thrown.
 */
async function visitPartitionEventIds(
  ports: LookbackPorts,
  table: TableName,
  partition: string,
  visit: (eventId: string) => void,
  stats: LookbackStats,
  cache: LookbackCache | undefined,
): Promise<void> {
  const list = async () => {
    stats.listings += 1;
    return ports.partitionFiles(table, partition);
  };
  const scanned = new Set<string>();
  let files = await list();
  for (let attempt = 1; ; attempt++) {
    let failed: { key: string; error: unknown } | undefined;
    for (const file of files) {
      if (scanned.has(file.key)) continue;
      try {
        const open = async () => {
          const reader = await ports.reader(file.key, file.bytes);
          if (!reader) throw new Error(`look-back file ${file.key} is in the catalog but not in the bucket`);
          return meteredReader(reader, stats.reads);
        };
        stats.ids += await visitFileEventIds(file.key, file.bytes, open, visit, cache);
        stats.files += 1;
        scanned.add(file.key);
      } catch (error) {
        failed = { key: file.key, error };
        break;
      }
    }
    if (!failed) return;
    files = await list();
    const key = failed.key;
    if (attempt >= ATTEMPTS || files.some((file) => file.key === key)) throw failed.error;
  }
}

/**
 * Visits the event_ids of every partition of the window, in order; see visitPartitionEventIds.
 * Pass one `cache` to all of a run's scans so that each file is read from the bucket once.
 */
export async function visitLookbackEventIds(
  ports: LookbackPorts,
  table: TableName,
  partitions: string[],
  visit: (eventId: string) => void,
  stats: LookbackStats,
  cache?: LookbackCache,
): Promise<void> {
  for (const partition of partitions) await visitPartitionEventIds(ports, table, partition, visit, stats, cache);
}

/**
 * The event_ids of one file (its event_id column only) and whether one of them is there more than
 * once: a one-file partition's check for copies, within itself and against the window.
 */
export async function fileEventIds(reader: RangeReader, key: string): Promise<{ ids: Set<string>; repeated: boolean }> {
  const ids = new Set<string>();
  let repeated = false;
  await visitFileEventIds(
    key,
    reader.byteLength,
    async () => reader,
    (id) => {
      if (ids.has(id)) repeated = true;
      else ids.add(id);
    },
    undefined,
  );
  return { ids, repeated };
}
