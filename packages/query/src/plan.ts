import type { TimeRange } from "./time-range.ts";

/** A lake file as the catalog lists it (CONTRACT: GET /catalog/files). */
export interface CatalogFileRef {
  key: string;
  rows: number;
  bytes: number;
  /** The file's earliest and latest event timestamps (ISO), null when unknown. */
  min_timestamp: string | null;
  max_timestamp: string | null;
}

/** Which files a question reads, and what the catalog says about the rest. */
export interface FilePlan {
  read: CatalogFileRef[];
  skipped: number;
  /** Rows in the files read (before row-group pruning and filters): the budget check's figure. */
  rows: number;
  bytes: number;
  /** The latest event timestamp in any file of the table: how fresh the raw tier is. */
  rawThrough: string | null;
}

/**
 * Picks the files whose events may fall in `range` by their min/max timestamps (a file without
 * them is read: better slow than wrong). Pure: the catalog's listing in, the plan out.
 * @example planFiles(files, { fromMs: Date.parse("2024-01-01"), toMs: Date.parse("2024-02-01") })
 */
export function planFiles(files: readonly CatalogFileRef[], range: TimeRange): FilePlan {
  const read: CatalogFileRef[] = [];
  let rawThroughMs = Number.NEGATIVE_INFINITY;
  for (const file of files) {
    const min = file.min_timestamp ? Date.parse(file.min_timestamp) : Number.NaN;
    const max = file.max_timestamp ? Date.parse(file.max_timestamp) : Number.NaN;
    if (!Number.isNaN(max)) rawThroughMs = Math.max(rawThroughMs, max);
    const overlaps = Number.isNaN(min) || Number.isNaN(max) || (max >= range.fromMs && min < range.toMs);
    if (overlaps) read.push(file);
  }
  return {
    read,
    skipped: files.length - read.length,
    rows: read.reduce((sum, file) => sum + file.rows, 0),
    bytes: read.reduce((sum, file) => sum + file.bytes, 0),
    rawThrough: Number.isFinite(rawThroughMs) ? new Date(rawThroughMs).toISOString() : null,
  };
}
