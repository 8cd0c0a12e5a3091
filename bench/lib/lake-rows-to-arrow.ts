// The previous encoder's first half (bench/lib/parquet-wasm-encoder.ts): lake rows to an Arrow
// table, for the lake-encode benchmark's reference. The lake itself writes Parquet straight from
// the rows (packages/lake/src/parquet/writer).
import { type ColumnSpec, EVENT_TYPES, type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { arrowSchemaFor } from "@edge-analytics/event-schema/arrow";
import {
  type Bool,
  type Data,
  type DataType,
  type Float64,
  type Int64,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  Table,
  type Timestamp,
  type Utf8,
} from "apache-arrow";
import { int64Cell, type LakeRow, LakeRowError, timestampCellMs, wrongKind } from "../../packages/lake/src/parquet/lake-row.ts";

const schemaCache = new Map<EventType, Schema>();

function schemaOf(type: EventType): Schema {
  let schema = schemaCache.get(type);
  if (!schema) {
    schema = arrowSchemaFor(type);
    schemaCache.set(type, schema);
  }
  return schema;
}

/**
 * Rows per block: every column consumes a block before the next block is read, so a block's rows
 * and their strings are still in the CPU caches for the next column. Measured on page_view rows:
 * column after column over all rows took twice as long; 1024 beat 256 and 4096.
 */
const BLOCK_ROWS = 1024;

/**
 * Builds the Arrow table of an event type's lake rows (schema `arrowSchemaFor(type)`, one record
 * batch) straight from typed arrays with `makeData`: apache-arrow's `vectorFromArray` and Builders
 * generate code with `new Function`, which workerd forbids, and are slower anyway.
 * Throws a {@link LakeRowError} for a row of the wrong length, a null in a non-nullable column or
 * a value of the wrong kind.
 * @example lakeRowsToArrow("custom", [["custom", id, "2024-01-15T10:30:00.000Z", ...]]).numRows // 1
 */
export function lakeRowsToArrow(type: EventType, rows: readonly LakeRow[]): Table {
  // The type often comes from a partition key or a queue message, not from typed code.
  if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${JSON.stringify(type)}`);
  const columns = lakeColumns(type);
  const schema = schemaOf(type);
  const count = rows.length;
  const builders = columns.map((column, index) => {
    const field = schema.fields[index];
    if (!field || field.name !== column.name) throw new Error(`arrowSchemaFor("${type}") does not match lakeColumns at column ${index}`);
    return columnBuilder(column, index, field.type, count);
  });
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, count);
    for (let r = start; r < end; r++) {
      const length = rows[r]?.length;
      if (length !== columns.length) {
        throw new LakeRowError(undefined, r, `row has ${length ?? "no"} values, the ${type} table has ${columns.length} columns`);
      }
    }
    for (const builder of builders) builder.append(rows, start, end);
  }
  const children = builders.map((builder) => builder.finish());
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: count, nullCount: 0, children }));
  return new Table(schema, [batch]);
}

/** Accumulates one column, block by block, into Arrow buffers. */
interface ColumnBuilder {
  /** Takes the column's values of `rows[start..end)`; blocks come in order. */
  append(rows: readonly LakeRow[], start: number, end: number): void;
  finish(): Data;
}

function columnBuilder(column: ColumnSpec, index: number, type: DataType, count: number): ColumnBuilder {
  switch (column.kind) {
    case "string":
    case "json":
      return new Utf8Builder(column, index, type as Utf8, count);
    case "float64":
      return new Float64Builder(column, index, type as Float64, count);
    case "int64":
      return new Int64Builder(column, index, type as Int64, count);
    case "boolean":
      return new BoolBuilder(column, index, type as Bool, count);
    case "timestamp":
      return new TimestampBuilder(column, index, type as Timestamp, count);
  }
}

/**
 * Validity bits of a column, allocated at its first null: columns without nulls carry no bitmap
 * (Arrow and Parquet both treat a missing bitmap as all valid).
 */
class Validity {
  bitmap: Uint8Array | undefined = undefined;
  nullCount = 0;
  readonly count: number;
  readonly column: ColumnSpec;

  constructor(column: ColumnSpec, count: number) {
    this.column = column;
    this.count = count;
  }

  /** Records row `row` as null, or throws if the column may not hold nulls. */
  setNull(row: number): void {
    if (!this.column.nullable) throw new LakeRowError(this.column.name, row, "null in a non-nullable column");
    this.bitmap ??= new Uint8Array((this.count + 7) >> 3).fill(0xff);
    this.bitmap[row >> 3]! &= ~(1 << (row & 7));
    this.nullCount++;
  }
}

const utf8Encoder = new TextEncoder();
const MAX_UTF8_BYTES = 2 ** 31 - 1;

/**
 * Utf8 data without an encode call per value: a block's strings are concatenated and encoded with
 * one `encodeInto` into a space of exactly as many bytes as the block has UTF-16 units. If it
 * all fits, the block is ASCII and the offsets are the running sums of `.length`; otherwise the
 * block is re-encoded value by value. Measured on page_view rows: per-value `encodeInto` costs
 * 2-5x the concatenated encode, `Array#join` of the block a little more than `+=`, and almost
 * every lake string is ASCII.
 */
class Utf8Builder implements ColumnBuilder {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly type: Utf8;
  readonly count: number;
  readonly validity: Validity;
  readonly offsets: Int32Array;
  bytes = new Uint8Array(0);
  written = 0;

  constructor(column: ColumnSpec, index: number, type: Utf8, count: number) {
    this.column = column;
    this.index = index;
    this.type = type;
    this.count = count;
    this.validity = new Validity(column, count);
    this.offsets = new Int32Array(count + 1);
  }

  append(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, offsets } = this;
    let joined = "";
    let offset = this.written;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      if (typeof value === "string") {
        joined += value;
        offset += value.length;
      } else if (value == null) {
        this.validity.setNull(r);
      } else {
        throw wrongKind(this.column, r, value);
      }
      offsets[r + 1] = offset;
    }
    const units = joined.length;
    this.reserve(units, end);
    if (utf8Encoder.encodeInto(joined, this.bytes.subarray(this.written, this.written + units)).read === units) {
      this.written += units;
      return;
    }
    // Up to 3 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
    this.reserve(3 * units, end);
    let written = this.written;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      if (typeof value === "string") written += utf8Encoder.encodeInto(value, this.bytes.subarray(written)).written;
      offsets[r + 1] = written;
    }
    this.written = written;
  }

  /**
   * Makes room for `needed` more bytes. A new buffer is sized by projecting the bytes per row so
   * far onto all rows (plus 10%), so a column is usually allocated once and rarely copied.
   */
  reserve(needed: number, rowsDone: number): void {
    const required = this.written + needed;
    if (required <= this.bytes.length) return;
    // Arrow Utf8 offsets are int32.
    if (required > MAX_UTF8_BYTES) throw new Error(`column "${this.column.name}": more than 2 GiB of text; encode fewer rows per file`);
    const projected = Math.ceil((required / rowsDone) * this.count * 1.1);
    const capacity = Math.min(MAX_UTF8_BYTES, Math.max(required, projected, Math.ceil(this.bytes.length * 1.25)));
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.written));
    this.bytes = grown;
  }

  finish(): Data<Utf8> {
    return makeData({
      type: this.type,
      length: this.count,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.bitmap,
      valueOffsets: this.offsets,
      data: this.bytes.subarray(0, this.written),
    });
  }
}

class Float64Builder implements ColumnBuilder {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly type: Float64;
  readonly validity: Validity;
  readonly values: Float64Array;

  constructor(column: ColumnSpec, index: number, type: Float64, count: number) {
    this.column = column;
    this.index = index;
    this.type = type;
    this.validity = new Validity(column, count);
    this.values = new Float64Array(count);
  }

  append(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, values } = this;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      if (typeof value === "number") values[r] = value;
      else if (value == null) this.validity.setNull(r);
      else throw wrongKind(this.column, r, value);
    }
  }

  finish(): Data<Float64> {
    const { type, values, validity } = this;
    return makeData({ type, length: values.length, nullCount: validity.nullCount, nullBitmap: validity.bitmap, data: values });
  }
}

const TWO_TO_32 = 2 ** 32;

/**
 * Stores a safe integer into slot `slot` of a BigInt64Array through its Int32Array view
 * (`words`): a BigInt per value would allocate. Low word first: the platform's byte order is the
 * same for both views, and every platform Workers and Node run on is little-endian like Arrow.
 */
function setInt64FromNumber(words: Int32Array, slot: number, value: number): void {
  words[2 * slot] = value | 0;
  words[2 * slot + 1] = Math.floor(value / TWO_TO_32);
}

class Int64Builder implements ColumnBuilder {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly type: Int64;
  readonly validity: Validity;
  readonly values: BigInt64Array;
  readonly words: Int32Array;

  constructor(column: ColumnSpec, index: number, type: Int64, count: number) {
    this.column = column;
    this.index = index;
    this.type = type;
    this.validity = new Validity(column, count);
    this.values = new BigInt64Array(count);
    this.words = new Int32Array(this.values.buffer);
  }

  append(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, values, words, column } = this;
    for (let r = start; r < end; r++) {
      const value = int64Cell(column, r, (rows[r] as LakeRow)[index]);
      if (typeof value === "number") setInt64FromNumber(words, r, value);
      else if (typeof value === "bigint") values[r] = value;
      else this.validity.setNull(r);
    }
  }

  finish(): Data<Int64> {
    const { type, values, validity } = this;
    return makeData({ type, length: values.length, nullCount: validity.nullCount, nullBitmap: validity.bitmap, data: values });
  }
}

class BoolBuilder implements ColumnBuilder {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly type: Bool;
  readonly count: number;
  readonly validity: Validity;
  readonly bits: Uint8Array;

  constructor(column: ColumnSpec, index: number, type: Bool, count: number) {
    this.column = column;
    this.index = index;
    this.type = type;
    this.count = count;
    this.validity = new Validity(column, count);
    this.bits = new Uint8Array((count + 7) >> 3);
  }

  append(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, bits } = this;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      // SQLite has no boolean type: `->>` yields 1/0 for JSON true/false.
      if (value === true || value === 1) bits[r >> 3]! |= 1 << (r & 7);
      else if (value === false || value === 0) continue;
      else if (value == null) this.validity.setNull(r);
      else throw wrongKind(this.column, r, value);
    }
  }

  finish(): Data<Bool> {
    const { type, count, bits, validity } = this;
    return makeData({ type, length: count, nullCount: validity.nullCount, nullBitmap: validity.bitmap, data: bits });
  }
}

class TimestampBuilder implements ColumnBuilder {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly type: Timestamp;
  readonly validity: Validity;
  readonly values: BigInt64Array;
  readonly words: Int32Array;

  constructor(column: ColumnSpec, index: number, type: Timestamp, count: number) {
    this.column = column;
    this.index = index;
    this.type = type;
    this.validity = new Validity(column, count);
    this.values = new BigInt64Array(count);
    this.words = new Int32Array(this.values.buffer);
  }

  append(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, words, column } = this;
    for (let r = start; r < end; r++) {
      const ms = timestampCellMs(column, r, (rows[r] as LakeRow)[index]);
      if (ms === null) this.validity.setNull(r);
      else setInt64FromNumber(words, r, ms);
    }
  }

  finish(): Data<Timestamp> {
    const { type, values, validity } = this;
    return makeData({ type, length: values.length, nullCount: validity.nullCount, nullBitmap: validity.bitmap, data: values });
  }
}
