// The parts of parquet-format's Thrift definitions (parquet.thrift) the lake writer emits: enum
// values, and the page header and footer as compact-protocol structs.
import { CompactProtocolWriter, CompactType } from "./thrift-compact.ts";

export const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

export const PhysicalType = {
  Boolean: 0,
  Int64: 2,
  Double: 5,
  ByteArray: 6,
} as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

export const Repetition = {
  Required: 0,
  Optional: 1,
} as const;
export type Repetition = (typeof Repetition)[keyof typeof Repetition];

export const ConvertedType = {
  Utf8: 0,
  TimestampMillis: 9,
} as const;
export type ConvertedType = (typeof ConvertedType)[keyof typeof ConvertedType];

export const Encoding = {
  Plain: 0,
  Rle: 3,
  DeltaBinaryPacked: 5,
  DeltaByteArray: 7,
  RleDictionary: 8,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export const CODEC_ZSTD = 6;

export const PageType = {
  DataPage: 0,
  DictionaryPage: 2,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

/** The logical annotation of a leaf column: text, or UTC timestamps in milliseconds. */
export type LogicalAnnotation = "string" | "timestamp-millis-utc" | undefined;

export interface SchemaLeaf {
  readonly name: string;
  readonly type: PhysicalType;
  readonly repetition: Repetition;
  readonly logical: LogicalAnnotation;
}

export interface Statistics {
  readonly nullCount: number;
  /** PLAIN encoding of the smallest and largest value; absent when not computed or all null. */
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

export interface ColumnChunkMeta {
  readonly leaf: SchemaLeaf;
  readonly encodings: readonly Encoding[];
  /** Values including nulls (one per row: the lake's columns are flat). */
  readonly numValues: number;
  /** Sizes of the chunk's pages with their headers. */
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset: number | undefined;
  readonly statistics: Statistics;
}

export interface RowGroupMeta {
  readonly columns: readonly ColumnChunkMeta[];
  readonly numRows: number;
  readonly fileOffset: number;
}

export interface FileMeta {
  readonly leaves: readonly SchemaLeaf[];
  readonly numRows: number;
  readonly rowGroups: readonly RowGroupMeta[];
  readonly keyValueMetadata: ReadonlyMap<string, string>;
  readonly createdBy: string;
}

export interface DataPageHeader {
  readonly kind: "data";
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  /** Values including nulls. */
  readonly numValues: number;
  readonly encoding: Encoding;
}

export interface DictionaryPageHeader {
  readonly kind: "dictionary";
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly numValues: number;
}

/** A PageHeader struct (data page v1 or dictionary page), as its compact-protocol bytes. */
export function pageHeaderBytes(header: DataPageHeader | DictionaryPageHeader): Uint8Array {
  const out = new CompactProtocolWriter();
  out.i32(1, header.kind === "data" ? PageType.DataPage : PageType.DictionaryPage);
  out.i32(2, header.uncompressedSize);
  out.i32(3, header.compressedSize);
  if (header.kind === "data") {
    out.beginStruct(5);
    out.i32(1, header.numValues);
    out.i32(2, header.encoding);
    out.i32(3, Encoding.Rle); // definition levels
    out.i32(4, Encoding.Rle); // repetition levels (none: flat columns)
    out.endStruct();
  } else {
    out.beginStruct(7);
    out.i32(1, header.numValues);
    out.i32(2, Encoding.Plain);
    out.endStruct();
  }
  out.endStruct();
  return out.sink.bytes();
}

function writeLogicalType(out: CompactProtocolWriter, logical: LogicalAnnotation): void {
  if (logical === undefined) return;
  out.beginStruct(10);
  if (logical === "string") {
    out.beginStruct(1); // StringType
    out.endStruct();
  } else {
    out.beginStruct(8); // TimestampType
    out.bool(1, true); // isAdjustedToUTC
    out.beginStruct(2); // unit
    out.beginStruct(1); // MILLIS
    out.endStruct();
    out.endStruct();
    out.endStruct();
  }
  out.endStruct();
}

function writeStatistics(out: CompactProtocolWriter, statistics: Statistics): void {
  out.beginStruct(12);
  out.i64(3, statistics.nullCount);
  if (statistics.max && statistics.min) {
    out.binary(5, statistics.max);
    out.binary(6, statistics.min);
  }
  out.endStruct();
}

function writeColumnChunk(out: CompactProtocolWriter, chunk: ColumnChunkMeta): void {
  out.enterStruct();
  out.i64(2, chunk.dictionaryPageOffset ?? chunk.dataPageOffset); // file_offset: where the chunk starts
  out.beginStruct(3);
  out.i32(1, chunk.leaf.type);
  out.beginList(2, CompactType.I32, chunk.encodings.length);
  for (const encoding of chunk.encodings) out.elementI32(encoding);
  out.beginList(3, CompactType.Binary, 1);
  out.elementString(chunk.leaf.name);
  out.i32(4, CODEC_ZSTD);
  out.i64(5, chunk.numValues);
  out.i64(6, chunk.uncompressedSize);
  out.i64(7, chunk.compressedSize);
  out.i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) out.i64(11, chunk.dictionaryPageOffset);
  writeStatistics(out, chunk.statistics);
  out.endStruct();
  out.endStruct();
}

/** The FileMetaData struct of the footer, as its compact-protocol bytes. */
export function fileMetadataBytes(meta: FileMeta): Uint8Array {
  const out = new CompactProtocolWriter();
  out.i32(1, 1); // version
  out.beginList(2, CompactType.Struct, meta.leaves.length + 1);
  out.enterStruct();
  out.string(4, "schema");
  out.i32(5, meta.leaves.length);
  out.endStruct();
  for (const leaf of meta.leaves) {
    out.enterStruct();
    out.i32(1, leaf.type);
    out.i32(3, leaf.repetition);
    out.string(4, leaf.name);
    if (leaf.logical === "string") out.i32(6, ConvertedType.Utf8);
    if (leaf.logical === "timestamp-millis-utc") out.i32(6, ConvertedType.TimestampMillis);
    writeLogicalType(out, leaf.logical);
    out.endStruct();
  }
  out.i64(3, meta.numRows);
  out.beginList(4, CompactType.Struct, meta.rowGroups.length);
  meta.rowGroups.forEach((group, ordinal) => {
    out.enterStruct();
    out.beginList(1, CompactType.Struct, group.columns.length);
    for (const chunk of group.columns) writeColumnChunk(out, chunk);
    out.i64(2, group.columns.reduce((sum, chunk) => sum + chunk.uncompressedSize, 0));
    out.i64(3, group.numRows);
    out.i64(5, group.fileOffset);
    out.i64(6, group.columns.reduce((sum, chunk) => sum + chunk.compressedSize, 0));
    out.i16(7, ordinal);
    out.endStruct();
  });
  out.beginList(5, CompactType.Struct, meta.keyValueMetadata.size);
  for (const [key, value] of meta.keyValueMetadata) {
    out.enterStruct();
    out.string(1, key);
    out.string(2, value);
    out.endStruct();
  }
  out.string(6, meta.createdBy);
  // column_orders: TYPE_ORDER for every leaf, so readers may use min/max statistics.
  out.beginList(7, CompactType.Struct, meta.leaves.length);
  for (let i = 0; i < meta.leaves.length; i++) {
    out.enterStruct();
    out.beginStruct(1);
    out.endStruct();
    out.endStruct();
  }
  out.endStruct();
  return out.sink.bytes();
}
