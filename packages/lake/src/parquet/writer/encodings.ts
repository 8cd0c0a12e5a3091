// Parquet value and level encodings (parquet-format Encodings.md) for the physical types the lake
// writes. Every function appends to a ByteSink; none allocates per value.
import type { ByteSink } from "./byte-sink.ts";

const TWO_TO_24 = 2 ** 24;
const TWO_TO_32 = 2 ** 32;

/** Bits needed for a non-negative safe integer (0 for 0). */
export function bitWidthOf(value: number): number {
  if (value < TWO_TO_32) return 32 - Math.clz32(value);
  return 64 - Math.clz32(Math.floor(value / TWO_TO_32));
}

/**
 * Appends `count` non-negative safe integers of `values` from `start`, `width` bits each, least
 * significant bit first (Parquet's bit packing for levels, dictionary indices and delta
 * miniblocks). Values past the end of `values` are packed as 0: a group is always whole.
 */
function packBits(sink: ByteSink, values: ArrayLike<number>, start: number, count: number, width: number, available: number): void {
  sink.reserve(Math.ceil((count * width) / 8) + 1);
  let accumulator = 0;
  let bits = 0;
  const end = start + count;
  for (let i = start; i < end; i++) {
    let value = i < available ? (values[i] as number) : 0;
    let remaining = width;
    // At most 7 pending bits + 24 new ones stay inside a 32-bit integer.
    while (remaining > 0) {
      const take = remaining < 24 ? remaining : 24;
      let part: number;
      if (take === remaining && value < TWO_TO_24) {
        part = value;
      } else {
        const scale = 2 ** take;
        part = value % scale;
        value = Math.floor(value / scale);
      }
      accumulator |= part << bits;
      bits += take;
      remaining -= take;
      while (bits >= 8) {
        sink.byte(accumulator & 0xff);
        accumulator >>>= 8;
        bits -= 8;
      }
    }
  }
  if (bits > 0) sink.byte(accumulator & 0xff);
}

/** Bit-packed groups per run: (63 << 1) | 1 keeps the run header to one varint byte. */
const MAX_GROUPS_PER_BIT_PACKED_RUN = 63;
/** A repeat shorter than this goes into bit-packed groups: an RLE run costs a header and a value. */
const MIN_RLE_RUN = 8;

/**
 * The RLE / bit-packing hybrid of `values[start..end)` (non-negative integers below 2^width):
 * repeats of at least 8 become RLE runs, everything else bit-packed groups of 8. Used for
 * definition levels (width 1) and dictionary indices.
 */
export function writeRleBitPackedHybrid(sink: ByteSink, values: ArrayLike<number>, start: number, end: number, width: number): void {
  const valueBytes = (width + 7) >> 3;
  let literalStart = start;
  let i = start;
  while (i < end) {
    const value = values[i] as number;
    let runEnd = i + 1;
    while (runEnd < end && values[runEnd] === value) runEnd++;
    const pending = i - literalStart;
    // Bit-packed groups hold 8 values; a run first tops the pending literals up to whole groups.
    const fill = (8 - (pending & 7)) & 7;
    if (runEnd - i - fill >= MIN_RLE_RUN) {
      flushLiterals(sink, values, literalStart, i + fill, width);
      sink.varint((runEnd - i - fill) * 2);
      let rest = value;
      for (let b = 0; b < valueBytes; b++) {
        sink.byte(rest & 0xff);
        rest >>>= 8;
      }
      literalStart = runEnd;
    }
    i = runEnd;
  }
  flushLiterals(sink, values, literalStart, end, width);
}

/** Literals `[start, end)` as bit-packed runs; only the last group of the data may be padded. */
function flushLiterals(sink: ByteSink, values: ArrayLike<number>, start: number, end: number, width: number): void {
  let from = start;
  while (from < end) {
    const groups = Math.min(MAX_GROUPS_PER_BIT_PACKED_RUN, Math.ceil((end - from) / 8));
    sink.varint((groups << 1) | 1);
    packBits(sink, values, from, groups * 8, width, end);
    from += groups * 8;
  }
}

const DELTA_BLOCK_SIZE = 128;
const DELTA_MINIBLOCKS = 4;
const DELTA_MINIBLOCK_SIZE = DELTA_BLOCK_SIZE / DELTA_MINIBLOCKS;

/**
 * DELTA_BINARY_PACKED of `values[start..end)` (safe integers; int64 timestamps and byte-array
 * lengths): blocks of 128 deltas in 4 miniblocks of 32, each bit-packed above the block's
 * minimum delta.
 */
export function writeDeltaBinaryPacked(sink: ByteSink, values: ArrayLike<number>, start: number, end: number): void {
  const count = end - start;
  sink.varint(DELTA_BLOCK_SIZE);
  sink.varint(DELTA_MINIBLOCKS);
  sink.varint(count);
  sink.zigzagVarint(count > 0 ? (values[start] as number) : 0);
  const deltas = new Float64Array(DELTA_BLOCK_SIZE);
  for (let blockStart = start + 1; blockStart < end; blockStart += DELTA_BLOCK_SIZE) {
    const blockCount = Math.min(DELTA_BLOCK_SIZE, end - blockStart);
    let minDelta = Number.POSITIVE_INFINITY;
    for (let k = 0; k < blockCount; k++) {
      const delta = (values[blockStart + k] as number) - (values[blockStart + k - 1] as number);
      deltas[k] = delta;
      if (delta < minDelta) minDelta = delta;
    }
    sink.zigzagVarint(minDelta);
    const widths = [0, 0, 0, 0];
    for (let m = 0; m < DELTA_MINIBLOCKS; m++) {
      let max = 0;
      const to = Math.min(blockCount, (m + 1) * DELTA_MINIBLOCK_SIZE);
      for (let k = m * DELTA_MINIBLOCK_SIZE; k < to; k++) {
        const adjusted = (deltas[k] as number) - minDelta;
        deltas[k] = adjusted;
        if (adjusted > max) max = adjusted;
      }
      widths[m] = bitWidthOf(max);
    }
    // Widths of miniblocks past the data are present (0); their bodies are not.
    for (const width of widths) sink.byte(width);
    for (let m = 0; m * DELTA_MINIBLOCK_SIZE < blockCount; m++) {
      packBits(sink, deltas, m * DELTA_MINIBLOCK_SIZE, DELTA_MINIBLOCK_SIZE, widths[m] as number, blockCount);
    }
  }
}

/** Booleans `values[start..end)` (0/1) bit-packed, least significant bit first (PLAIN). */
export function writePlainBooleans(sink: ByteSink, values: ArrayLike<number>, start: number, end: number): void {
  packBits(sink, values, start, end - start, 1, end);
}

/** UTF-8 bytes of a list of strings and the offset of each (`offsets[i]..offsets[i + 1]`). */
export interface Utf8Block {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

const utf8Encoder = new TextEncoder();

/**
 * Encodes `values[start..end)` with one `encodeInto` of their concatenation when they are ASCII
 * (almost every lake string is): per-value encodes cost 2-5x as much. Other text is encoded
 * value by value.
 */
export function utf8Block(values: readonly string[], start: number, end: number): Utf8Block {
  const offsets = new Int32Array(end - start + 1);
  let joined = "";
  let units = 0;
  for (let i = start; i < end; i++) {
    const value = values[i] as string;
    joined += value;
    units += value.length;
    offsets[i - start + 1] = units;
  }
  let bytes = new Uint8Array(units);
  if (utf8Encoder.encodeInto(joined, bytes).read === units) return { bytes, offsets };
  // Up to 3 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
  bytes = new Uint8Array(units * 3);
  let written = 0;
  for (let i = start; i < end; i++) {
    written += utf8Encoder.encodeInto(values[i] as string, bytes.subarray(written)).written;
    offsets[i - start + 1] = written;
  }
  return { bytes: bytes.subarray(0, written), offsets };
}

/** PLAIN byte arrays: each value as a 4-byte little-endian length and its bytes. */
export function writePlainByteArrays(sink: ByteSink, block: Utf8Block): void {
  const { bytes, offsets } = block;
  const count = offsets.length - 1;
  sink.reserve(bytes.length + 4 * count);
  for (let i = 0; i < count; i++) {
    const from = offsets[i] as number;
    const to = offsets[i + 1] as number;
    sink.int32(to - from);
    sink.append(bytes.subarray(from, to));
  }
}

/**
 * DELTA_BYTE_ARRAY: per value the length of the prefix it shares with the previous value, then
 * the rest (lengths DELTA_BINARY_PACKED, bytes concatenated). Ids in time order (UUIDv7) share
 * their leading digits with their predecessor, which this stores once.
 */
export function writeDeltaByteArray(sink: ByteSink, block: Utf8Block): void {
  const { bytes, offsets } = block;
  const count = offsets.length - 1;
  const prefixLengths = new Float64Array(count);
  const suffixLengths = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const from = offsets[i] as number;
    const to = offsets[i + 1] as number;
    let prefix = 0;
    if (i > 0) {
      const previous = offsets[i - 1] as number;
      const limit = Math.min(to - from, from - previous);
      while (prefix < limit && bytes[previous + prefix] === bytes[from + prefix]) prefix++;
    }
    prefixLengths[i] = prefix;
    suffixLengths[i] = to - from - prefix;
  }
  writeDeltaBinaryPacked(sink, prefixLengths, 0, count);
  writeDeltaBinaryPacked(sink, suffixLengths, 0, count);
  sink.reserve(bytes.length);
  for (let i = 0; i < count; i++) {
    const to = offsets[i + 1] as number;
    sink.append(bytes.subarray(to - (suffixLengths[i] as number), to));
  }
}
