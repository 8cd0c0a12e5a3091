export * from "./layout.ts";
export * from "./file-facts.ts";
export * from "./roll.ts";
export * from "./costs.ts";
export * from "./cloudflare-prices.ts";
export * from "./parity.ts";
export {
  encodeLakeRows,
  type ParquetWriteOptions,
  DEFAULT_MAX_ROW_GROUP_ROWS,
  EVENT_TYPE_METADATA_KEY,
  PARQUET_CREATED_BY,
  SCHEMA_METADATA_KEY,
} from "./parquet/encode-lake-rows.ts";
export { initZstd, isZstdInitialised } from "./parquet/writer/zstd.ts";
export { type LakeRow, LakeRowError, type LakeValue } from "./parquet/lake-row.ts";
export { schemaFingerprint } from "./parquet/schema-fingerprint.ts";
export * from "./compaction.ts";
export * from "./lookback.ts";
