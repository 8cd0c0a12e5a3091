/**
 * One cell of a lake row as SQLite's `->>` JSON extraction hands it over: text (also JSON text
 * for `json` columns and ISO-8601 for timestamps), a number (also epoch ms for timestamps, 0/1
 * for booleans), a bigint for large int64 values, a boolean, or null.
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
