// The lake catalog's package: its contract (the RPC interface and row types) and its protocols
// (pure modules over a small SQL interface, with versioned migrations). The catalog Worker's
// Durable Object is a thin shell over these.
export * from "./types.ts";
export * from "./rpc.ts";
export { type CatalogSql, type DurableObjectSqlStorage, durableObjectSql, type SqlCursor, type SqlValue } from "./sql.ts";
export { type AcceptedCountReport, AcceptedCounterStore, type AcceptedHourCount } from "./accepted-counter.ts";
export { appliedMigrations, CATALOG_MIGRATIONS, type Migration, runMigrations } from "./migrations.ts";
export { readMeta, writeMeta } from "./meta.ts";
export { schemaVersionOf, schemaVersions } from "./schema-versions.ts";
export { files, keysUnder, partitions, recentRawRate, registerFile, removeFile, tables, upsertFile } from "./files.ts";
export { distinctWork, parity, recordAcceptedCounts, recordDistinct, STREAM_PARITY_GRACE_MS } from "./parity.ts";
export {
  abortCompaction,
  beginCompaction,
  closeAbortedCompaction,
  commitCompaction,
  compactionCandidates,
  compactionRun,
  finishCompaction,
  partitionFiles,
  recentCompactions,
  stageCompactionOutputs,
  unfinishedCompactions,
} from "./compaction-runs.ts";
