// Which row groups of a Parquet file can be skipped from their footer statistics alone: the
// lake's writer records min/max of timestamps, numbers and of `type`, `project_id`,
// `environment` (packages/lake STRING_COLUMNS_WITH_STATISTICS), so a planner's time range and
// project skip whole row groups before a byte of them is read.
import type { RowGroup, Statistics } from "hyparquet";

/** A bound value: epoch milliseconds for timestamps, numbers, or text. */
export type BoundValue = number | string;

/**
 * Conditions on one column, all of which a row must meet (NULL meets none). Timestamps are
 * compared as epoch milliseconds.
 */
export interface ColumnBounds {
  readonly gte?: BoundValue;
  readonly gt?: BoundValue;
  readonly lte?: BoundValue;
  readonly lt?: BoundValue;
  /** The value is one of these. */
  readonly in?: readonly BoundValue[];
}

/**
 * Conditions by column name, all of which a row must meet. A row group is skipped when its
 * statistics prove that no row in it can; a column without statistics never causes a skip.
 * @example { timestamp: { gte: Date.parse("2026-11-25T00:00Z"), lt: Date.parse("2026-11-26T00:00Z") }, project_id: { in: ["shop"] } }
 */
export type RowGroupPredicate = Readonly<Record<string, ColumnBounds>>;

const encoder = new TextEncoder();

/** Parquet orders UTF8 min/max by their bytes (unsigned), which JS string order is not beyond the BMP. */
function compareText(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

type Comparable = { kind: "number"; value: number } | { kind: "text"; value: string };

function comparableStatistic(value: unknown): Comparable | undefined {
  if (typeof value === "number" && !Number.isNaN(value)) return { kind: "number", value };
  if (typeof value === "bigint") return { kind: "number", value: Number(value) };
  if (value instanceof Date) return { kind: "number", value: value.getTime() };
  if (typeof value === "string") return { kind: "text", value };
  return undefined;
}

/** `statistic` compared with `bound`, or undefined when they are not comparable. */
function compare(statistic: Comparable, bound: BoundValue): number | undefined {
  if (statistic.kind === "number" && typeof bound === "number") return statistic.value - bound;
  if (statistic.kind === "text" && typeof bound === "string") return compareText(statistic.value, bound);
  return undefined;
}

function minMaxOf(statistics: Statistics, physicalType: string): { min: Comparable; max: Comparable } | undefined {
  // The deprecated min/max of byte arrays were ordered as signed bytes: only min_value/max_value
  // are trusted for text; for numbers both orders agree.
  const text = physicalType === "BYTE_ARRAY" || physicalType === "FIXED_LEN_BYTE_ARRAY";
  const min = comparableStatistic(statistics.min_value ?? (text ? undefined : statistics.min));
  const max = comparableStatistic(statistics.max_value ?? (text ? undefined : statistics.max));
  return min && max ? { min, max } : undefined;
}

/** Whether statistics prove that no row of the chunk meets `bounds`. */
function excludes(bounds: ColumnBounds, statistics: Statistics, physicalType: string, rows: number): boolean {
  if (statistics.null_count !== undefined && Number(statistics.null_count) === rows && rows > 0) return true;
  const range = minMaxOf(statistics, physicalType);
  if (!range) return false;
  const { min, max } = range;
  const below = (bound: BoundValue | undefined, inclusive: boolean): boolean => {
    if (bound === undefined) return false;
    const c = compare(max, bound);
    return c !== undefined && (inclusive ? c < 0 : c <= 0);
  };
  const above = (bound: BoundValue | undefined, inclusive: boolean): boolean => {
    if (bound === undefined) return false;
    const c = compare(min, bound);
    return c !== undefined && (inclusive ? c > 0 : c >= 0);
  };
  if (below(bounds.gte, true) || below(bounds.gt, false) || above(bounds.lte, true) || above(bounds.lt, false)) return true;
  if (bounds.in) {
    const anyInside = bounds.in.some((value) => {
      const low = compare(min, value);
      const high = compare(max, value);
      return low === undefined || high === undefined || (low <= 0 && high >= 0);
    });
    if (!anyInside) return true;
  }
  return false;
}

/**
 * Whether `rowGroup` can be skipped: some column of `predicate` has statistics proving that no
 * row meets its bounds (all values outside the range, or all null). Columns the row group lacks
 * or without min/max never cause a skip.
 */
export function canSkipRowGroup(rowGroup: RowGroup, predicate: RowGroupPredicate): boolean {
  const rows = Number(rowGroup.num_rows);
  for (const [column, bounds] of Object.entries(predicate)) {
    const chunk = rowGroup.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column);
    const meta = chunk?.meta_data;
    if (!meta?.statistics) continue;
    if (excludes(bounds, meta.statistics, meta.type, rows)) return true;
  }
  return false;
}
