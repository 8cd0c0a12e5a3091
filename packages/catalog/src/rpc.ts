// The catalog Worker's RPC entrypoint (workers/catalog/src/index.ts `implements CatalogRpc`), and
// the one place its service binding is narrowed to it.
import type { AcceptedCount, LakeTableName } from "@edge-analytics/lake";
import type { CompactionAnswer, CompactionCandidate, CompactionPlan, CompactionRun, CatalogFile, PartitionFile, RegisteredFile } from "./types.ts";

/**
 * Every RPC method of the catalog Worker. Ingestion and the Pipelines stand-in register files and
 * report accepted counts, compaction runs its protocol, the API reads files; all through this one
 * interface (`catalogRpc(env.CATALOG)`), none restating it.
 */
export interface CatalogRpc {
  /** An object was written; the catalog reads its facts from the object itself. Idempotent. Null when the object is gone. */
  registerFile(bucket: string, key: string): Promise<RegisteredFile | null>;
  /** An object was deleted; whether the catalog knew it. */
  removeFile(bucket: string, key: string): Promise<boolean>;
  /** One project's accepted and still-buffered counts of the hours it names (parity); other hours keep their earlier report. */
  recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void>;
  /** A table's active files with their event-time bounds (the API's read path; marts too). */
  files(table: LakeTableName): Promise<CatalogFile[]>;

  // --- Compaction (the compaction Worker's side of a run: packages/lake/src/compaction.ts) ---

  /** Active files of one partition, oldest first. */
  partitionFiles(table: LakeTableName, partition: string): Promise<PartitionFile[]>;
  /** Closed raw partitions with at least two small active files and no unfinished run. */
  compactionCandidates(openPartition: string, targetBytes: number, table?: string): Promise<CompactionCandidate[]>;
  /** The compare-and-swap that starts a run; refuses while another run of the partition is unfinished. */
  beginCompaction(run: CompactionPlan): Promise<CompactionAnswer>;
  /** Reads each written output's facts from R2 and records them, still invisible. Outputs not listed are dropped from the run. */
  stageCompactionOutputs(runId: string, written: string[]): Promise<void>;
  /** The atomic swap: outputs visible, inputs retired. */
  commitCompaction(runId: string): Promise<void>;
  /** After the inputs' objects are deleted: forgets them and records the report. */
  finishCompaction(runId: string, report: Record<string, unknown>): Promise<void>;
  /** Starts undoing a run that has not swapped; refuses once it has. */
  abortCompaction(runId: string, reason: string): Promise<CompactionAnswer>;
  /** After an aborted run's output objects are deleted. */
  closeAbortedCompaction(runId: string): Promise<void>;
  /** Runs that neither finished nor were aborted. */
  unfinishedCompactions(): Promise<CompactionRun[]>;
  /** The latest runs, newest first. */
  recentCompactions(limit: number): Promise<CompactionRun[]>;
}

/**
 * A service binding to the catalog Worker. `wrangler types` types every service binding as a plain
 * `Fetcher` (it cannot see the other Worker's entrypoint), so this is what callers hold.
 */
export interface CatalogServiceBinding {
  fetch(...args: never[]): unknown;
}

/**
 * `Symbol.dispose`, looked up rather than named: workerd defines it, but the ES2023 lib these
 * packages compile against does not declare it (it is in `esnext.disposable`).
 */
const DISPOSE: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

/**
 * A Workers RPC result owns whatever stubs it carries until disposed
 * (https://developers.cloudflare.com/workers/runtime-apis/rpc/lifecycle/); the catalog answers plain
 * data only, so disposing right away frees the result and leaves the values intact.
 */
async function settled<T>(pending: Promise<T>): Promise<T> {
  const result = await pending;
  if (DISPOSE !== undefined && typeof result === "object" && result !== null) {
    const dispose: unknown = (result as Record<symbol, unknown>)[DISPOSE];
    if (typeof dispose === "function") dispose.call(result);
  }
  return result;
}

/**
 * The catalog Worker's RPC methods behind its service binding, typed, with every result disposed.
 *
 * @example
 * const files = await catalogRpc(env.CATALOG).files("page_views");
 */
export function catalogRpc(binding: CatalogServiceBinding): CatalogRpc {
  // The only narrowing of the binding: at run time a service binding forwards any method to the
  // target's entrypoint, which is `CatalogWorker implements CatalogRpc`; the type system cannot
  // connect the two Workers (see CatalogServiceBinding), so it is asserted here, once.
  const stub = binding as unknown as CatalogRpc;
  return {
    registerFile: (bucket, key) => settled(stub.registerFile(bucket, key)),
    removeFile: (bucket, key) => settled(stub.removeFile(bucket, key)),
    recordAcceptedCounts: (project, counts) => settled(stub.recordAcceptedCounts(project, counts)),
    files: (table) => settled(stub.files(table)),
    partitionFiles: (table, partition) => settled(stub.partitionFiles(table, partition)),
    compactionCandidates: (openPartition, targetBytes, table) => settled(stub.compactionCandidates(openPartition, targetBytes, table)),
    beginCompaction: (run) => settled(stub.beginCompaction(run)),
    stageCompactionOutputs: (runId, written) => settled(stub.stageCompactionOutputs(runId, written)),
    commitCompaction: (runId) => settled(stub.commitCompaction(runId)),
    finishCompaction: (runId, report) => settled(stub.finishCompaction(runId, report)),
    abortCompaction: (runId, reason) => settled(stub.abortCompaction(runId, reason)),
    closeAbortedCompaction: (runId) => settled(stub.closeAbortedCompaction(runId)),
    unfinishedCompactions: () => settled(stub.unfinishedCompactions()),
    recentCompactions: (limit) => settled(stub.recentCompactions(limit)),
  };
}
