// Compaction runs: a run swaps a partition's small files for merged ones, atomically here. The
// other side of the protocol (reading, merging, writing objects) is packages/lake/src/compaction.ts.
import { type LakeTableName, type ParquetFileFacts, parityCutoffHour } from "@edge-analytics/lake";
import { upsertFile } from "./files.ts";
import type { CatalogSql } from "./sql.ts";
import type { CompactionAnswer, CompactionCandidate, CompactionPlan, CompactionRun, CompactionRunState, PartitionFile } from "./types.ts";

/** A run in one of these states holds its partition. */
const UNFINISHED = "('planned', 'staged', 'swapped', 'aborting')";

/** Active files of one partition, oldest first (the compaction's inputs). */
export function partitionFiles(sql: CatalogSql, table: LakeTableName, partition: string): PartitionFile[] {
  return sql
    .exec<{ key: string; rows: number; bytes: number }>(
      "SELECT key, rows, bytes FROM files WHERE table_name = ? AND partition = ? AND state = 'active' ORDER BY min_timestamp_ms, key",
      table,
      partition,
    )
    .toArray()
    .map((row) => ({ ...row }));
}

/**
 * Partitions worth compacting: raw, closed (before `openPartition`, the hour the sink writes
 * into now), holding at least two active files smaller than `targetBytes`, and no unfinished run.
 */
export function compactionCandidates(sql: CatalogSql, openPartition: string, targetBytes: number, table?: string): CompactionCandidate[] {
  return sql
    .exec<{ table: CompactionCandidate["table"]; partition: string; files: number; bytes: number }>(
      `SELECT f.table_name AS "table", f.partition, count(*) AS files, sum(f.bytes) AS bytes FROM files AS f
       WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND f.bytes < ?2 AND f.partition < ?1 AND (?3 IS NULL OR f.table_name = ?3)
         AND NOT EXISTS (SELECT 1 FROM compaction_runs AS r WHERE r.table_name = f.table_name AND r.partition = f.partition AND r.state IN ${UNFINISHED})
       GROUP BY f.table_name, f.partition HAVING count(*) >= 2 ORDER BY f.partition, f.table_name`,
      openPartition,
      targetBytes,
      table ?? null,
    )
    .toArray()
    .map((row) => ({ ...row }));
}

/**
 * Starts a run: the compare-and-swap that makes concurrent runs on one partition impossible. It
 * refuses while another run of the partition is unfinished, or when an input is no longer an
 * active file of the partition. The output keys are recorded (as staged, invisible files) BEFORE
 * any is written, so neither an R2 notification nor the reconcile can make one visible early.
 */
export function beginCompaction(sql: CatalogSql, run: CompactionPlan, nowMs = Date.now()): CompactionAnswer {
  return sql.transaction((): CompactionAnswer => {
    const busy = sql
      .exec<{ run_id: string }>(`SELECT run_id FROM compaction_runs WHERE table_name = ? AND partition = ? AND state IN ${UNFINISHED}`, run.table, run.partition)
      .toArray()[0];
    if (busy) return { ok: false, reason: `run ${busy.run_id} on ${run.table}/${run.partition} is unfinished` };
    const active = sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM files WHERE bucket = 'analytics-source' AND state = 'active' AND table_name = ? AND partition = ? AND key IN (SELECT value FROM json_each(?))",
        run.table,
        run.partition,
        JSON.stringify(run.inputs),
      )
      .one().n;
    if (active !== run.inputs.length) return { ok: false, reason: "the partition's files changed since the run was planned" };
    sql.exec(
      "INSERT INTO compaction_runs (run_id, table_name, partition, state, inputs, outputs, lease_until_ms, started_at_ms) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)",
      run.runId,
      run.table,
      run.partition,
      JSON.stringify(run.inputs),
      JSON.stringify(run.outputs),
      nowMs + run.leaseMs,
      nowMs,
    );
    for (const key of run.outputs) {
      sql.exec(
        `INSERT INTO files (bucket, key, table_name, partition, rows, bytes, schema_version, registered_at_ms, state)
         VALUES ('analytics-source', ?, ?, ?, 0, 0, 0, ?, 'staged')`,
        key,
        run.table,
        run.partition,
        nowMs,
      );
    }
    return { ok: true };
  });
}

/** The run, when it is in one of `states` and still holds its lease; otherwise an Error naming it. */
function runningRun(sql: CatalogSql, runId: string, states: readonly CompactionRunState[], nowMs: number): CompactionRun {
  const run = compactionRun(sql, runId);
  if (!run) throw new Error(`no compaction run ${runId}`);
  if (!states.includes(run.state)) throw new Error(`compaction run ${runId} is ${run.state}, expected ${states.join(" or ")}`);
  if (Date.parse(run.lease_until) <= nowMs) throw new Error(`compaction run ${runId} lost its lease (it expired at ${run.lease_until})`);
  return run;
}

/**
 * Records the written outputs' facts (read from the objects by the Worker); they stay invisible.
 * Planned outputs that were not written (a pass with no rows) are dropped from the run.
 */
export function stageCompactionOutputs(sql: CatalogSql, runId: string, outputs: readonly { key: string; facts: ParquetFileFacts }[], nowMs = Date.now()): void {
  const run = runningRun(sql, runId, ["planned"], nowMs);
  sql.transaction(() => {
    for (const output of outputs) {
      if (!run.outputs.includes(output.key)) throw new Error(`${output.key} is not an output of run ${runId}`);
      upsertFile(sql, "analytics-source", output.key, { table: run.table, partition: run.partition }, output.facts, nowMs);
    }
    const written = outputs.map((o) => o.key);
    const unwritten = run.outputs.filter((key) => !written.includes(key));
    sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'staged' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(unwritten));
    sql.exec("UPDATE compaction_runs SET state = 'staged', outputs = ? WHERE run_id = ?", JSON.stringify(written), runId);
  });
}

/**
 * The swap, in one transaction: the outputs become the partition's files, the inputs retire, and
 * the rows the run dropped as duplicates are kept per hour of receipt, so parity's landed still
 * counts every copy the sink delivered.
 */
export function commitCompaction(sql: CatalogSql, runId: string, nowMs = Date.now()): void {
  const run = runningRun(sql, runId, ["staged"], nowMs);
  sql.transaction(() => {
    sql.exec(
      `INSERT INTO compacted_duplicates (table_name, hour, rows)
       SELECT ?1, hour, sum(rows) FROM (
         SELECT hour, rows FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?2))
         UNION ALL
         SELECT hour, -rows FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?3))
       ) GROUP BY hour HAVING sum(rows) > 0
       ON CONFLICT (table_name, hour) DO UPDATE SET rows = rows + excluded.rows`,
      run.table,
      JSON.stringify(run.inputs),
      JSON.stringify(run.outputs),
    );
    sql.exec("DELETE FROM compacted_duplicates WHERE hour < ?", parityCutoffHour(nowMs));
    sql.exec("UPDATE files SET state = 'retired' WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(run.inputs));
    sql.exec("UPDATE files SET state = 'active' WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(run.outputs));
    sql.exec("UPDATE compaction_runs SET state = 'swapped' WHERE run_id = ?", runId);
  });
}

/** After the inputs' objects are deleted: forgets them and records the run's report. */
export function finishCompaction(sql: CatalogSql, runId: string, report: Record<string, unknown>, nowMs = Date.now()): void {
  const run = compactionRun(sql, runId);
  if (!run || run.state !== "swapped") throw new Error(`compaction run ${runId} is ${run?.state ?? "unknown"}, expected swapped`);
  sql.transaction(() => {
    const inputs = JSON.stringify(run.inputs);
    sql.exec("DELETE FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", inputs);
    sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'retired' AND key IN (SELECT value FROM json_each(?))", inputs);
    sql.exec("UPDATE compaction_runs SET state = 'done', finished_at_ms = ?, report = ? WHERE run_id = ?", nowMs, JSON.stringify(report), runId);
  });
}

/**
 * Starts undoing a run that did not swap (refused once it has: the swap is final). Its outputs
 * stay recorded as staged, so the reconcile cannot mistake their objects for new files, until
 * `closeAbortedCompaction` after the objects are deleted.
 */
export function abortCompaction(sql: CatalogSql, runId: string, reason: string): CompactionAnswer {
  const run = compactionRun(sql, runId);
  // A refusal is an answer, not an exception: callers ask precisely to learn whether the swap happened.
  if (!run || (run.state !== "planned" && run.state !== "staged" && run.state !== "aborting")) {
    return { ok: false, reason: `compaction run ${runId} is ${run?.state ?? "unknown"}, cannot be aborted` };
  }
  sql.exec("UPDATE compaction_runs SET state = 'aborting', report = ? WHERE run_id = ?", JSON.stringify({ aborted: reason }), runId);
  return { ok: true };
}

/** After an aborted run's output objects are deleted: forgets them. */
export function closeAbortedCompaction(sql: CatalogSql, runId: string, nowMs = Date.now()): void {
  const run = compactionRun(sql, runId);
  if (!run || run.state !== "aborting") throw new Error(`compaction run ${runId} is ${run?.state ?? "unknown"}, expected aborting`);
  sql.transaction(() => {
    const outputs = JSON.stringify(run.outputs);
    sql.exec("DELETE FROM file_received_hours WHERE bucket = 'analytics-source' AND key IN (SELECT value FROM json_each(?))", outputs);
    sql.exec("DELETE FROM files WHERE bucket = 'analytics-source' AND state = 'staged' AND key IN (SELECT value FROM json_each(?))", outputs);
    sql.exec("UPDATE compaction_runs SET state = 'aborted', finished_at_ms = ? WHERE run_id = ?", nowMs, runId);
  });
}

/** One run, undefined when unknown. */
export function compactionRun(sql: CatalogSql, runId: string): CompactionRun | undefined {
  return compactionRunsWhere(sql, "run_id = ?", [runId], 1)[0];
}

/** Runs that neither finished nor were aborted: what a crash left (or a run in progress). */
export function unfinishedCompactions(sql: CatalogSql): CompactionRun[] {
  return compactionRunsWhere(sql, `state IN ${UNFINISHED}`, [], 1000);
}

/** The latest runs, newest first (`GET /compact/status`). */
export function recentCompactions(sql: CatalogSql, limit: number): CompactionRun[] {
  return compactionRunsWhere(sql, "1 = 1", [], limit);
}

/** `where` is one of this module's constant conditions; values are bound. */
function compactionRunsWhere(sql: CatalogSql, where: string, bindings: (string | number)[], limit: number): CompactionRun[] {
  return sql
    .exec<{ run_id: string; table_name: LakeTableName; partition: string; state: CompactionRunState; inputs: string; outputs: string; lease_until_ms: number; started_at_ms: number; finished_at_ms: number | null; report: string | null }>(
      `SELECT * FROM compaction_runs WHERE ${where} ORDER BY started_at_ms DESC, run_id LIMIT ?`,
      ...bindings,
      Math.max(1, Math.floor(limit)),
    )
    .toArray()
    .map((row) => ({
      run_id: row.run_id,
      table: row.table_name,
      partition: row.partition,
      state: row.state,
      inputs: JSON.parse(row.inputs) as string[],
      outputs: JSON.parse(row.outputs) as string[],
      lease_until: new Date(row.lease_until_ms).toISOString(),
      started_at: new Date(row.started_at_ms).toISOString(),
      finished_at: row.finished_at_ms === null ? null : new Date(row.finished_at_ms).toISOString(),
      report: row.report === null ? null : (JSON.parse(row.report) as Record<string, unknown>),
    }));
}
