// The catalog's rows as its HTTP routes (README "The lake (R2)") and RPC methods answer them. One
// definition, shared by the catalog Worker, its Durable Object and every caller.
import type { TableName } from "@edge-analytics/event-schema";
import type { LakeLayer, LakeTableName } from "@edge-analytics/lake";

/** A table as `GET /catalog/tables` lists it (README "The lake (R2)"). */
export interface CatalogTable {
  name: LakeTableName;
  layer: LakeLayer;
  rows: number;
  bytes: number;
  files: number;
  /** The newest schema version seen in a file of the table, null before its first file. */
  schema_version: number | null;
}

export interface CatalogPartition {
  partition: string;
  files: number;
  rows: number;
  bytes: number;
}

/** An active file with its event-time bounds (`GET /catalog/tables/:table/files`, the API's read path). */
export interface CatalogFile {
  key: string;
  partition: string;
  rows: number;
  bytes: number;
  min_timestamp: string | null;
  max_timestamp: string | null;
  schema_version: number;
  registered_at: string;
}

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface SchemaVersion {
  table: LakeTableName;
  version: number;
  columns: SchemaColumn[];
  /** Columns new in this version (by name) and columns the previous version had and this one lacks. */
  added: string[];
  removed: string[];
  first_seen_at: string;
}

export type FileState = "active" | "staged" | "retired";

export type CompactionRunState = "planned" | "staged" | "swapped" | "done" | "aborting" | "aborted";

/** One compaction run as the catalog records it. */
export interface CompactionRun {
  run_id: string;
  table: LakeTableName;
  partition: string;
  state: CompactionRunState;
  inputs: string[];
  outputs: string[];
  lease_until: string;
  started_at: string;
  finished_at: string | null;
  report: Record<string, unknown> | null;
}

/** A registration's outcome. */
export interface RegisteredFile {
  table: LakeTableName;
  partition: string;
  key: string;
  rows: number;
  bytes: number;
  schema_version: number;
  new_schema_version: boolean;
}

export interface ParityRow {
  table: string;
  hour: string;
  /** Events ingestion acknowledged (a client's resend counts again: ingest is at least once). */
  accepted: number;
  /** Rows the sink delivered, every copy: those in files now plus the duplicates compaction removed since. */
  landed: number;
  /**
   * Distinct event_ids that landed, each in the hour of its first copy: what compacted partitions,
   * marts and the API count. Null until the catalog has counted the hour's files (it does on
   * `GET /catalog/parity`), or when they are too many to count.
   */
  distinct: number | null;
  /** Accepted but not in a file yet; null when a reporter could not know (a Pipelines stream). */
  buffered: number | null;
  /**
   * ok: every accepted event landed (landed >= accepted; more is an at-least-once sink's or a
   * client's duplicate, which `distinct` does not count); pending: fewer landed and the
   * difference is still buffered, or (buffered unknown) the hour ended less than
   * STREAM_PARITY_GRACE_MS ago; mismatch: fewer landed after that (a loss); unreported:
   * rows landed but no ingestion path reported counts for the hour (files put into the bucket by
   * something else).
   */
  status: "ok" | "pending" | "mismatch" | "unreported";
}

/** An hour whose distinct count is missing or older than its files: what must be read to count it. */
export interface DistinctWork {
  table: LakeTableName;
  hour: string;
  /** Identifies the files counted (the hour's and the hour before's): a count is valid while it matches. */
  signature: string;
  /** Active files holding rows received in the hour or the hour before. */
  keys: string[];
  /** Their rows received in those two hours. */
  rows: number;
}

/** An active file of a partition, as compaction reads it. */
export interface PartitionFile {
  key: string;
  rows: number;
  bytes: number;
}

/** A closed raw partition worth compacting (only analytics-source files are compacted, hence TableName). */
export interface CompactionCandidate {
  table: TableName;
  partition: string;
  files: number;
  bytes: number;
}

/** What a compaction run is planned to do, recorded by `beginCompaction` before any output is written. */
export interface CompactionPlan {
  runId: string;
  table: LakeTableName;
  partition: string;
  inputs: string[];
  outputs: string[];
  leaseMs: number;
}

/** A compare-and-swap's answer: a refusal is an answer, not an exception (callers ask to learn which). */
export type CompactionAnswer = { ok: true } | { ok: false; reason: string };
