const TWO_TO_32 = 2 ** 32;

/**
 * A growable little-endian byte buffer: every Parquet structure (pages, levels, Thrift headers) is
 * written into one and then copied out once with {@link ByteSink.bytes}.
 */
export class ByteSink {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Makes room for `needed` more bytes. */
  reserve(needed: number): void {
    const required = this.length + needed;
    if (required <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(required, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Empties the sink, keeping its memory for the next page. */
  clear(): void {
    this.length = 0;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative safe integer (Thrift and Parquet varints). */
  varint(value: number): void {
    this.reserve(8);
    let rest = value;
    // Bitwise operators are 32-bit: beyond 2^31 step down by division.
    while (rest >= 0x80000000) {
      this.buffer[this.length++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest;
  }

  /** Zigzag varint of a safe integer in (-2^52, 2^52). */
  zigzagVarint(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** Overwrites the int32 at `offset` (a length prefix written before its data was known). */
  int32At(offset: number, value: number): void {
    this.view.setInt32(offset, value, true);
  }

  /** A safe integer as two's-complement int64. */
  int64(value: number): void {
    this.reserve(8);
    this.view.setInt32(this.length, value | 0, true);
    this.view.setInt32(this.length + 4, Math.floor(value / TWO_TO_32), true);
    this.length += 8;
  }

  bigint64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
  }

  float64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** The bytes written so far, as a view: valid until the next write or clear. */
  contents(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
