// @edge-analytics/query-engine: DuckDB-WASM inside workerd, fed with Arrow decoded from the lake.
export { openDuckDB } from "./duckdb.ts";
export type { SqlEngine, SqlValue } from "./sql-engine.ts";
export { DEFAULT_MEMORY_LIMIT, type EngineOptions } from "./engine.ts";
export { EngineError, type EngineErrorKind } from "./engine-error.ts";
export { type LakeArrow, type LakeFileSource, type LakeReadOptions, readLakeFile, readLakeFiles, type ReadLakeFileOptions } from "./lake-arrow.ts";
export { LakeFileError, LakeFileMetadataMismatch } from "./lake-file-error.ts";
export { type CountingAsyncBuffer, FOOTER_READ_AHEAD, memoryAsyncBuffer, type R2BucketLike, r2AsyncBuffer, type ReadStats } from "./r2-async-buffer.ts";
export { type BoundValue, canSkipRowGroup, type ColumnBounds, type RowGroupPredicate } from "./row-group-predicate.ts";
export { arrowSchemaOf, arrowTypeOf } from "./arrow-vectors.ts";
