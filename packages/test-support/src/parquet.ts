import { decompress } from "fzstd";
import { type FileMetaData, parquetMetadata, parquetReadObjects } from "hyparquet";

/**
 * A Parquet file's rows and footer, read with hyparquet: a reader independent of the lake's own
 * writer (parquet-wasm), in pure JS so it runs in Node and in workerd. Timestamps come back as
 * epoch milliseconds; zstd pages are decompressed with fzstd.
 */
export async function readParquetBytes(bytes: ArrayBuffer): Promise<{ rows: Record<string, unknown>[]; metadata: FileMetaData }> {
  const metadata = parquetMetadata(bytes);
  const rows = await parquetReadObjects({
    file: bytes,
    metadata,
    compressors: { ZSTD: (input: Uint8Array, length: number) => decompress(input, new Uint8Array(length)) },
    parsers: { timestampFromMilliseconds: (value: bigint) => Number(value) },
  });
  return { rows, metadata };
}
