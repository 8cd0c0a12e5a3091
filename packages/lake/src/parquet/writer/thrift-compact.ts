import { ByteSink } from "./byte-sink.ts";

/** Thrift compact-protocol type ids (thrift/doc/specs/thrift-compact-protocol.md). */
export const CompactType = {
  BooleanTrue: 1,
  BooleanFalse: 2,
  I16: 4,
  I32: 5,
  I64: 6,
  Binary: 8,
  List: 9,
  Struct: 12,
} as const;
export type CompactType = (typeof CompactType)[keyof typeof CompactType];

const textEncoder = new TextEncoder();

/**
 * Writes Thrift structs in the compact protocol, the encoding of Parquet's page headers and
 * footer. Field ids are written as deltas from the previous field of the same struct, so fields
 * must be written in ascending id order within a struct (Parquet's own writers do the same).
 * Nested structs, struct list elements and the top-level struct end with {@link endStruct}.
 */
export class CompactProtocolWriter {
  readonly sink: ByteSink;
  private lastFieldId = 0;
  private readonly enclosingFieldIds: number[] = [];

  constructor(sink: ByteSink = new ByteSink(256)) {
    this.sink = sink;
  }

  private fieldHeader(id: number, type: CompactType): void {
    const delta = id - this.lastFieldId;
    if (delta > 0 && delta <= 15) {
      this.sink.byte((delta << 4) | type);
    } else {
      this.sink.byte(type);
      this.sink.zigzagVarint(id);
    }
    this.lastFieldId = id;
  }

  i16(id: number, value: number): void {
    this.fieldHeader(id, CompactType.I16);
    this.sink.zigzagVarint(value);
  }

  i32(id: number, value: number): void {
    this.fieldHeader(id, CompactType.I32);
    this.sink.zigzagVarint(value);
  }

  /** An i64 field from a safe integer (row counts, offsets, sizes). */
  i64(id: number, value: number): void {
    this.fieldHeader(id, CompactType.I64);
    this.sink.zigzagVarint(value);
  }

  bool(id: number, value: boolean): void {
    this.fieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);
  }

  binary(id: number, value: Uint8Array): void {
    this.fieldHeader(id, CompactType.Binary);
    this.sink.varint(value.length);
    this.sink.append(value);
  }

  string(id: number, value: string): void {
    this.binary(id, textEncoder.encode(value));
  }

  /** Opens a struct-valued field; close it with {@link endStruct}. */
  beginStruct(id: number): void {
    this.fieldHeader(id, CompactType.Struct);
    this.enterStruct();
  }

  /** Opens a struct that is a list element (no field header); close it with {@link endStruct}. */
  enterStruct(): void {
    this.enclosingFieldIds.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  /** Writes the stop field of the innermost open struct (or of the top-level struct). */
  endStruct(): void {
    this.sink.byte(0);
    this.lastFieldId = this.enclosingFieldIds.pop() ?? 0;
  }

  /** A list field's header; then write `size` elements with the element methods below. */
  beginList(id: number, elementType: CompactType, size: number): void {
    this.fieldHeader(id, CompactType.List);
    if (size < 15) {
      this.sink.byte((size << 4) | elementType);
    } else {
      this.sink.byte(0xf0 | elementType);
      this.sink.varint(size);
    }
  }

  elementI32(value: number): void {
    this.sink.zigzagVarint(value);
  }

  elementString(value: string): void {
    const bytes = textEncoder.encode(value);
    this.sink.varint(bytes.length);
    this.sink.append(bytes);
  }
}
