export * from "./layout.ts";
export * from "./file-facts.ts";
export * from "./roll.ts";
export * from "./costs.ts";
export { encodeLakeRows, type ParquetWriteOptions } from "./parquet/encode-lake-rows.ts";
export { initParquetWasm } from "./parquet/parquet-wasm.ts";
export type { LakeRow, LakeValue } from "./parquet/lake-rows-to-arrow.ts";
export * from "./parity.ts";
