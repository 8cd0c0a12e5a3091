// One column of one row group: collect the rows' values (validating them), choose the encoding,
// and write the dictionary and data pages, each zstd-compressed.
import type { ColumnSpec } from "@edge-analytics/event-schema";
import { int64Cell, LakeRowError, type LakeRow, timestampCellMs, wrongKind } from "../lake-row.ts";
import { ByteSink } from "./byte-sink.ts";
import {
  bitWidthOf,
  utf8Block,
  writeDeltaBinaryPacked,
  writeDeltaByteArray,
  writePlainBooleans,
  writePlainByteArrays,
  writeRleBitPackedHybrid,
  type Utf8Block,
} from "./encodings.ts";
import {
  type ColumnChunkMeta,
  Encoding,
  pageHeaderBytes,
  PhysicalType,
  Repetition,
  type SchemaLeaf,
  type Statistics,
} from "./parquet-format.ts";
import { zstdCompress } from "./zstd.ts";

/** How a string column's values are stored. */
export type StringEncoding = "dictionary" | "delta";

/** Per-column choices of the writer (see encode-lake-rows.ts for why each). */
export interface ColumnPolicy {
  /** String columns: a dictionary (falling back to PLAIN when it grows too large) or DELTA_BYTE_ARRAY. */
  readonly stringEncoding: StringEncoding;
  /** Whether min/max statistics are written (the null count always is). */
  readonly minMax: boolean;
}

/**
 * Rows per data page. One page per column for the files a sink roll writes (25k rows), and
 * bounded pages for compaction's larger row groups, so a reader never inflates more than this at a
 * time.
 */
export const PAGE_ROWS = 32_768;
/**
 * A dictionary larger than this (entries, or UTF-16 units of its strings) is dropped for PLAIN, as
 * parquet-rs does at 1 MiB. 65,536 entries keep every index in 16 bits: the index arrays (one
 * entry per dictionary column and row) are the largest allocation of an encode, and garbage
 * collection was the largest cost after the dictionary lookups in the Node benchmark.
 */
const MAX_DICTIONARY_ENTRIES = 65_536;
const MAX_DICTIONARY_UNITS = 1 << 20;

export function schemaLeafOf(column: ColumnSpec): SchemaLeaf {
  const repetition = column.nullable ? Repetition.Optional : Repetition.Required;
  switch (column.kind) {
    case "string":
    case "json":
      return { name: column.name, type: PhysicalType.ByteArray, repetition, logical: "string" };
    case "float64":
      return { name: column.name, type: PhysicalType.Double, repetition, logical: undefined };
    case "int64":
      return { name: column.name, type: PhysicalType.Int64, repetition, logical: undefined };
    case "boolean":
      return { name: column.name, type: PhysicalType.Boolean, repetition, logical: undefined };
    case "timestamp":
      return { name: column.name, type: PhysicalType.Int64, repetition, logical: "timestamp-millis-utc" };
  }
}

/** Appends the file's bytes and tracks the offset of the next one. */
export class FileParts {
  readonly parts: Uint8Array[] = [];
  offset = 0;
  /** Where each page is assembled before compression; chunks are written one after another, so one serves all. */
  readonly pageScratch = new ByteSink(64 * 1024);

  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.offset += bytes.length;
  }

  concat(): Uint8Array {
    const file = new Uint8Array(this.offset);
    let at = 0;
    for (const part of this.parts) {
      file.set(part, at);
      at += part.length;
    }
    return file;
  }
}

/** Definition levels of a nullable column (1 = value present), or undefined for a required one. */
interface Levels {
  readonly present: Uint8Array | undefined;
  nullCount: number;
}

function recordNull(column: ColumnSpec, levels: Levels, row: number, localRow: number): void {
  if (!levels.present) throw new LakeRowError(column.name, row, "null in a non-nullable column");
  levels.present[localRow] = 0;
  levels.nullCount++;
}

/** The values a page holds, by index into the chunk's non-null values, and its rows. */
interface PageSlice {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

function pageSlices(levels: Levels, rowCount: number): PageSlice[] {
  const slices: PageSlice[] = [];
  let valueStart = 0;
  for (let rowStart = 0; rowStart < rowCount || slices.length === 0; rowStart += PAGE_ROWS) {
    const rowEnd = Math.min(rowCount, rowStart + PAGE_ROWS);
    let values = rowEnd - rowStart;
    if (levels.present) {
      values = 0;
      for (let r = rowStart; r < rowEnd; r++) values += levels.present[r] as number;
    }
    slices.push({ rowStart, rowEnd, valueStart, valueEnd: valueStart + values });
    valueStart += values;
  }
  return slices;
}

/** Writes a column chunk's pages into `file` and returns its footer entry. */
class ChunkWriter {
  readonly file: FileParts;
  readonly leaf: SchemaLeaf;
  readonly levels: Levels;
  readonly rowCount: number;
  readonly page: ByteSink;
  uncompressedSize = 0;
  compressedSize = 0;
  dictionaryPageOffset: number | undefined = undefined;
  dataPageOffset = -1;

  constructor(file: FileParts, leaf: SchemaLeaf, levels: Levels, rowCount: number) {
    this.file = file;
    this.leaf = leaf;
    this.levels = levels;
    this.rowCount = rowCount;
    this.page = file.pageScratch;
    this.page.clear();
  }

  private emit(kind: "data" | "dictionary", numValues: number, encoding: Encoding): void {
    const body = this.page.contents();
    const compressed = zstdCompress(body);
    const header =
      kind === "data"
        ? pageHeaderBytes({ kind, uncompressedSize: body.length, compressedSize: compressed.length, numValues, encoding })
        : pageHeaderBytes({ kind, uncompressedSize: body.length, compressedSize: compressed.length, numValues });
    if (kind === "dictionary") this.dictionaryPageOffset = this.file.offset;
    else if (this.dataPageOffset < 0) this.dataPageOffset = this.file.offset;
    this.file.push(header);
    this.file.push(compressed);
    this.uncompressedSize += header.length + body.length;
    this.compressedSize += header.length + compressed.length;
    this.page.clear();
  }

  /** The dictionary page: `writeValues` appends the entries PLAIN-encoded. */
  dictionaryPage(entries: number, writeValues: (sink: ByteSink) => void): void {
    writeValues(this.page);
    this.emit("dictionary", entries, Encoding.Plain);
  }

  /** The data pages: `writeValues` appends the values `[valueStart, valueEnd)` of a page. */
  dataPages(encoding: Encoding, writeValues: (sink: ByteSink, valueStart: number, valueEnd: number) => void): void {
    for (const slice of pageSlices(this.levels, this.rowCount)) {
      if (this.levels.present) {
        // Data page v1: the definition levels' byte length, then the levels (bit width 1).
        const lengthAt = this.page.length;
        this.page.int32(0);
        writeRleBitPackedHybrid(this.page, this.levels.present, slice.rowStart, slice.rowEnd, 1);
        this.page.int32At(lengthAt, this.page.length - lengthAt - 4);
      }
      writeValues(this.page, slice.valueStart, slice.valueEnd);
      this.emit("data", slice.rowEnd - slice.rowStart, encoding);
    }
  }

  meta(encodings: readonly Encoding[], statistics: Statistics): ColumnChunkMeta {
    return {
      leaf: this.leaf,
      encodings,
      numValues: this.rowCount,
      uncompressedSize: this.uncompressedSize,
      compressedSize: this.compressedSize,
      dataPageOffset: this.dataPageOffset,
      dictionaryPageOffset: this.dictionaryPageOffset,
      statistics,
    };
  }
}

function newLevels(column: ColumnSpec, rowCount: number): Levels {
  return { present: column.nullable ? new Uint8Array(rowCount).fill(1) : undefined, nullCount: 0 };
}

/**
 * Collects one column of one row group, block by block, then writes it as a column chunk. The
 * encoder hands every column a block of rows before moving to the next block, so a block's row
 * arrays are still in the CPU caches for the next column (column after column over all rows was
 * about twice as slow when the Arrow encoder measured it).
 */
export interface ColumnCollector {
  /** Takes the column's values of `rows[start..end)`; blocks come in order. */
  collect(rows: readonly LakeRow[], start: number, end: number): void;
  /** Writes the collected values into `file` as one column chunk. */
  write(file: FileParts): ColumnChunkMeta;
}

/**
 * A collector for column `index` (`column`) of the row group `rows[firstRow..firstRow + rowCount)`.
 * Its `collect` throws a {@link LakeRowError} for a null in a non-nullable column or a value of
 * the wrong kind.
 */
export function columnCollector(column: ColumnSpec, index: number, firstRow: number, rowCount: number, policy: ColumnPolicy): ColumnCollector {
  switch (column.kind) {
    case "string":
    case "json":
      return new StringCollector(column, index, firstRow, rowCount, policy);
    case "timestamp":
      return new TimestampCollector(column, index, firstRow, rowCount);
    case "int64":
      return new Int64Collector(column, index, firstRow, rowCount);
    case "float64":
      return new Float64Collector(column, index, firstRow, rowCount);
    case "boolean":
      return new BooleanCollector(column, index, firstRow, rowCount);
  }
}

const DICTIONARY_ENCODINGS = [Encoding.Plain, Encoding.Rle, Encoding.RleDictionary] as const;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  return a.length - b.length;
}

/** Min/max of UTF-8 values in unsigned byte order (TYPE_ORDER for BYTE_ARRAY). */
function byteArrayStatistics(block: Utf8Block, nullCount: number): Statistics {
  const count = block.offsets.length - 1;
  if (count === 0) return { nullCount };
  const value = (i: number): Uint8Array => block.bytes.subarray(block.offsets[i], block.offsets[i + 1]);
  let min = value(0);
  let max = min;
  for (let i = 1; i < count; i++) {
    const v = value(i);
    if (compareBytes(v, min) < 0) min = v;
    else if (compareBytes(v, max) > 0) max = v;
  }
  return { nullCount, min: min.slice(), max: max.slice() };
}

function mergeByteArrayStatistics(a: Statistics, b: Statistics): Statistics {
  if (!a.min || !a.max) return b;
  if (!b.min || !b.max) return a;
  return {
    nullCount: b.nullCount,
    min: compareBytes(a.min, b.min) <= 0 ? a.min : b.min,
    max: compareBytes(a.max, b.max) >= 0 ? a.max : b.max,
  };
}

function int64Bytes(value: number | bigint): Uint8Array {
  const sink = new ByteSink(8);
  if (typeof value === "bigint") sink.bigint64(value);
  else sink.int64(value);
  return sink.bytes();
}

/** What every collector shares: its column, where its rows start, and the null bookkeeping. */
abstract class BaseCollector {
  readonly column: ColumnSpec;
  readonly index: number;
  readonly firstRow: number;
  readonly rowCount: number;
  readonly levels: Levels;
  /** Non-null values collected so far. */
  count = 0;

  constructor(column: ColumnSpec, index: number, firstRow: number, rowCount: number) {
    this.column = column;
    this.index = index;
    this.firstRow = firstRow;
    this.rowCount = rowCount;
    this.levels = newLevels(column, rowCount);
  }

  protected recordNull(row: number): void {
    recordNull(this.column, this.levels, row, row - this.firstRow);
  }

  protected chunkWriter(file: FileParts): ChunkWriter {
    return new ChunkWriter(file, schemaLeafOf(this.column), this.levels, this.rowCount);
  }
}

class StringCollector extends BaseCollector implements ColumnCollector {
  readonly policy: ColumnPolicy;
  readonly dictionary = new Map<string, number>();
  readonly entries: string[] = [];
  /** Dictionary index per value while the dictionary is in use (at most MAX_DICTIONARY_ENTRIES entries: 16 bits). */
  indices: Uint16Array;
  dictionaryUnits = 0;
  /** The values themselves, once there is no dictionary (DELTA_BYTE_ARRAY, or PLAIN after a fallback). */
  values: string[] | undefined;

  constructor(column: ColumnSpec, index: number, firstRow: number, rowCount: number, policy: ColumnPolicy) {
    super(column, index, firstRow, rowCount);
    this.policy = policy;
    const useDictionary = policy.stringEncoding === "dictionary";
    this.indices = new Uint16Array(useDictionary ? rowCount : 0);
    this.values = useDictionary ? undefined : [];
  }

  collect(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, dictionary, entries, indices } = this;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      if (typeof value === "string") {
        if (this.values) {
          this.values.push(value);
          continue;
        }
        let entry = dictionary.get(value);
        if (entry === undefined) {
          if (entries.length === MAX_DICTIONARY_ENTRIES || this.dictionaryUnits + value.length > MAX_DICTIONARY_UNITS) {
            (this.values = this.dropDictionary()).push(value);
            continue;
          }
          entry = entries.length;
          dictionary.set(value, entry);
          entries.push(value);
          this.dictionaryUnits += value.length;
        }
        indices[this.count++] = entry;
      } else if (value == null) {
        this.recordNull(r);
      } else {
        throw wrongKind(this.column, r, value);
      }
    }
  }

  /** The dictionary is full: the values collected so far, to be kept as themselves from here on (PLAIN). */
  private dropDictionary(): string[] {
    const values: string[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) values[i] = this.entries[this.indices[i] as number] as string;
    this.dictionary.clear();
    this.entries.length = 0;
    this.indices = new Uint16Array(0);
    return values;
  }

  write(file: FileParts): ColumnChunkMeta {
    const chunk = this.chunkWriter(file);
    const { levels, policy, entries, indices, values } = this;
    if (!values) {
      const dictionaryBlock = utf8Block(entries, 0, entries.length);
      const statistics = policy.minMax ? byteArrayStatistics(dictionaryBlock, levels.nullCount) : { nullCount: levels.nullCount };
      const width = Math.max(1, bitWidthOf(Math.max(0, entries.length - 1)));
      chunk.dictionaryPage(entries.length, (sink) => writePlainByteArrays(sink, dictionaryBlock));
      chunk.dataPages(Encoding.RleDictionary, (sink, from, to) => {
        sink.byte(width);
        writeRleBitPackedHybrid(sink, indices, from, to, width);
      });
      return chunk.meta(DICTIONARY_ENCODINGS, statistics);
    }
    const encoding = policy.stringEncoding === "dictionary" ? Encoding.Plain : Encoding.DeltaByteArray;
    let statistics: Statistics = { nullCount: levels.nullCount };
    chunk.dataPages(encoding, (sink, from, to) => {
      const block = utf8Block(values, from, to);
      if (policy.minMax) statistics = mergeByteArrayStatistics(statistics, byteArrayStatistics(block, levels.nullCount));
      if (encoding === Encoding.Plain) writePlainByteArrays(sink, block);
      else writeDeltaByteArray(sink, block);
    });
    return chunk.meta([encoding, Encoding.Rle], statistics);
  }
}

/** Columns held as doubles (epoch ms, measurements), with their min and max. */
abstract class NumberCollector extends BaseCollector {
  readonly values: Float64Array;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(column: ColumnSpec, index: number, firstRow: number, rowCount: number) {
    super(column, index, firstRow, rowCount);
    this.values = new Float64Array(rowCount);
  }
}

class TimestampCollector extends NumberCollector implements ColumnCollector {
  collect(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, values, column } = this;
    for (let r = start; r < end; r++) {
      const ms = timestampCellMs(column, r, (rows[r] as LakeRow)[index]);
      if (ms === null) {
        this.recordNull(r);
        continue;
      }
      values[this.count++] = ms;
      if (ms < this.min) this.min = ms;
      if (ms > this.max) this.max = ms;
    }
  }

  write(file: FileParts): ColumnChunkMeta {
    const chunk = this.chunkWriter(file);
    const { values, levels } = this;
    chunk.dataPages(Encoding.DeltaBinaryPacked, (sink, from, to) => writeDeltaBinaryPacked(sink, values, from, to));
    const statistics: Statistics =
      this.count > 0 ? { nullCount: levels.nullCount, min: int64Bytes(this.min), max: int64Bytes(this.max) } : { nullCount: levels.nullCount };
    return chunk.meta([Encoding.DeltaBinaryPacked, Encoding.Rle], statistics);
  }
}

class Int64Collector extends BaseCollector implements ColumnCollector {
  readonly dictionary = new Map<number | bigint, number>();
  readonly entries: (number | bigint)[] = [];
  readonly indices: Int32Array;
  min: number | bigint | undefined = undefined;
  max: number | bigint | undefined = undefined;

  constructor(column: ColumnSpec, index: number, firstRow: number, rowCount: number) {
    super(column, index, firstRow, rowCount);
    this.indices = new Int32Array(rowCount);
  }

  collect(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, column, dictionary, entries, indices } = this;
    for (let r = start; r < end; r++) {
      // Safe integers arrive as numbers whatever their form: one dictionary key per integer.
      const value = int64Cell(column, r, (rows[r] as LakeRow)[index]);
      if (value === null) {
        this.recordNull(r);
        continue;
      }
      let entry = dictionary.get(value);
      if (entry === undefined) {
        entry = entries.length;
        dictionary.set(value, entry);
        entries.push(value);
        if (this.min === undefined || value < this.min) this.min = value;
        if (this.max === undefined || value > this.max) this.max = value;
      }
      indices[this.count++] = entry;
    }
  }

  write(file: FileParts): ColumnChunkMeta {
    const chunk = this.chunkWriter(file);
    const { levels, entries, indices, min, max } = this;
    const statistics: Statistics =
      min !== undefined && max !== undefined ? { nullCount: levels.nullCount, min: int64Bytes(min), max: int64Bytes(max) } : { nullCount: levels.nullCount };
    const writeInt64 = (sink: ByteSink, value: number | bigint): void => (typeof value === "bigint" ? sink.bigint64(value) : sink.int64(value));
    if (entries.length <= MAX_DICTIONARY_ENTRIES) {
      const width = Math.max(1, bitWidthOf(Math.max(0, entries.length - 1)));
      chunk.dictionaryPage(entries.length, (sink) => {
        for (const entry of entries) writeInt64(sink, entry);
      });
      chunk.dataPages(Encoding.RleDictionary, (sink, from, to) => {
        sink.byte(width);
        writeRleBitPackedHybrid(sink, indices, from, to, width);
      });
      return chunk.meta(DICTIONARY_ENCODINGS, statistics);
    }
    // Too many distinct values for a dictionary page: the values themselves, through the indices.
    chunk.dataPages(Encoding.Plain, (sink, from, to) => {
      for (let i = from; i < to; i++) writeInt64(sink, entries[indices[i] as number] as number | bigint);
    });
    return chunk.meta([Encoding.Plain, Encoding.Rle], statistics);
  }
}

class Float64Collector extends NumberCollector implements ColumnCollector {
  collect(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, values } = this;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      if (typeof value === "number") {
        values[this.count++] = value;
        // NaN takes part in no comparison, as the statistics spec requires.
        if (value < this.min) this.min = value;
        if (value > this.max) this.max = value;
      } else if (value == null) {
        this.recordNull(r);
      } else {
        throw wrongKind(this.column, r, value);
      }
    }
  }

  write(file: FileParts): ColumnChunkMeta {
    const chunk = this.chunkWriter(file);
    const { values, levels, min, max } = this;
    chunk.dataPages(Encoding.Plain, (sink, from, to) => {
      sink.append(new Uint8Array(values.buffer, from * 8, (to - from) * 8));
    });
    let statistics: Statistics = { nullCount: levels.nullCount };
    if (min <= max) {
      // The spec's zero rule: a minimum of zero is written as -0.0 and a maximum as +0.0.
      const bytes = (v: number): Uint8Array => new Uint8Array(new Float64Array([v]).buffer);
      statistics = { nullCount: levels.nullCount, min: bytes(min === 0 ? -0 : min), max: bytes(max === 0 ? 0 : max) };
    }
    return chunk.meta([Encoding.Plain, Encoding.Rle], statistics);
  }
}

class BooleanCollector extends BaseCollector implements ColumnCollector {
  readonly values: Uint8Array;
  /** Bit 0: a false was seen; bit 1: a true. */
  seen = 0;

  constructor(column: ColumnSpec, index: number, firstRow: number, rowCount: number) {
    super(column, index, firstRow, rowCount);
    this.values = new Uint8Array(rowCount);
  }

  collect(rows: readonly LakeRow[], start: number, end: number): void {
    const { index, values } = this;
    for (let r = start; r < end; r++) {
      const value = (rows[r] as LakeRow)[index];
      // SQL (SQLite has no boolean type) hands booleans over as 1/0.
      if (value === true || value === 1) {
        values[this.count++] = 1;
        this.seen |= 2;
      } else if (value === false || value === 0) {
        values[this.count++] = 0;
        this.seen |= 1;
      } else if (value == null) {
        this.recordNull(r);
      } else {
        throw wrongKind(this.column, r, value);
      }
    }
  }

  write(file: FileParts): ColumnChunkMeta {
    const chunk = this.chunkWriter(file);
    const { values, levels, seen } = this;
    chunk.dataPages(Encoding.Plain, (sink, from, to) => writePlainBooleans(sink, values, from, to));
    const statistics: Statistics =
      seen === 0
        ? { nullCount: levels.nullCount }
        : { nullCount: levels.nullCount, min: new Uint8Array([seen & 1 ? 0 : 1]), max: new Uint8Array([seen & 2 ? 1 : 0]) };
    return chunk.meta([Encoding.Plain, Encoding.Rle], statistics);
  }
}
