import type { ColumnSpec } from "@edge-analytics/event-schema";
import { parseTimestampMs } from "./parse-timestamp-ms.ts";

/**
 * One cell of a lake row as the sink's extraction (a parsed JSON record), a Parquet reader
 * (compaction) or SQL hands it over: text (also JSON text for `json` columns and ISO-8601 for
 * timestamps), a number (also epoch ms for timestamps, 0/1 for booleans from SQL), a bigint for
 * large int64 values, a boolean, or null.
 */
export type LakeValue = string | number | bigint | boolean | null;

/** One row of an event type's lake table: values in `lakeColumns(type)` order. */
export type LakeRow = readonly LakeValue[];

/**
 * A row that cannot be stored: names the row (index into the input) and, when one column is at
 * fault, the column.
 */
export class LakeRowError extends Error {
  override readonly name = "LakeRowError";
  readonly column: string | undefined;
  readonly row: number;

  constructor(column: string | undefined, row: number, problem: string) {
    super(column === undefined ? `row ${row}: ${problem}` : `column "${column}", row ${row}: ${problem}`);
    this.column = column;
    this.row = row;
  }
}

/** The error for a cell whose value is not of its column's kind. */
export function wrongKind(column: ColumnSpec, row: number, value: unknown): LakeRowError {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : String(value);
  return new LakeRowError(column.name, row, `expected a value of kind ${column.kind}, got ${typeof value} ${shown}`);
}

/**
 * Epoch milliseconds of a timestamp cell (ISO-8601 text with a zone, or integer epoch ms), or
 * null for a null cell. Throws a {@link LakeRowError} for anything else.
 */
export function timestampCellMs(column: ColumnSpec, row: number, value: LakeValue | undefined): number | null {
  if (typeof value === "string") {
    const ms = parseTimestampMs(value);
    if (ms !== ms) throw new LakeRowError(column.name, row, `not an ISO-8601 timestamp with Z or an offset: ${JSON.stringify(value)}`);
    return ms;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new LakeRowError(column.name, row, `epoch milliseconds must be an integer, got ${value}`);
    return value;
  }
  if (value == null) return null;
  throw wrongKind(column, row, value);
}

const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An int64 cell as a number when it is a safe integer (whichever form it came in, so equal
 * integers compare equal), as a bigint beyond that, or null for a null cell. Throws a
 * {@link LakeRowError} for a fraction, an unsafe number (it would be stored changed), a bigint
 * outside int64, or another kind.
 */
export function int64Cell(column: ColumnSpec, row: number, value: LakeValue | undefined): number | bigint | null {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new LakeRowError(column.name, row, `expected an integer, got ${value}`);
    return value;
  }
  if (typeof value === "bigint") {
    if (BigInt.asIntN(64, value) !== value) throw new LakeRowError(column.name, row, `${value} does not fit in int64`);
    return value >= MIN_SAFE_BIGINT && value <= MAX_SAFE_BIGINT ? Number(value) : value;
  }
  if (value == null) return null;
  throw wrongKind(column, row, value);
}
