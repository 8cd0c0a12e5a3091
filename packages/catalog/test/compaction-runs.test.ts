import { describe, expect, it } from "vitest";
import {
  abortCompaction,
  beginCompaction,
  closeAbortedCompaction,
  commitCompaction,
  compactionCandidates,
  files,
  finishCompaction,
  parity,
  partitionFiles,
  recentCompactions,
  registerFile,
  runMigrations,
  stageCompactionOutputs,
  unfinishedCompactions,
} from "../src/index.ts";
import { facts, keyIn, memoryCatalogSql } from "./fixture.ts";

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR9 = Date.UTC(2026, 10, 25, 9);
const PARTITION = "year=2026/month=11/day=25/hour=09";
const OPEN = "year=2026/month=11/day=25/hour=12";

/** A catalog with two small files in hour 9: 3 and 2 rows, one of them a resend of the other. */
function withTwoFiles() {
  const sql = memoryCatalogSql();
  runMigrations(sql, undefined, NOW);
  const inputs = [keyIn("page_views", HOUR9, "a"), keyIn("page_views", HOUR9, "b")];
  registerFile(sql, "analytics-source", inputs[0]!, facts({ "2026-11-25T09": 3 }, { minTimestampMs: 1 }), NOW);
  registerFile(sql, "analytics-source", inputs[1]!, facts({ "2026-11-25T09": 2 }, { minTimestampMs: 2 }), NOW);
  const output = `events/page_views/${PARTITION}/compacted-r1-0.parquet`;
  return { sql, inputs, output, plan: { runId: "r1", table: "page_views" as const, partition: PARTITION, inputs, outputs: [output], leaseMs: 60_000 } };
}

describe("compaction runs", () => {
  it("lists closed partitions with two or more small files as candidates, not the open hour", () => {
    const { sql, inputs } = withTwoFiles();
    expect(partitionFiles(sql, "page_views", PARTITION).map((f) => f.key)).toEqual(inputs);
    expect(compactionCandidates(sql, OPEN, 1_000_000)).toEqual([{ table: "page_views", partition: PARTITION, files: 2, bytes: 500 }]);
    expect(compactionCandidates(sql, PARTITION, 1_000_000)).toEqual([]);
    expect(compactionCandidates(sql, OPEN, 250)).toEqual([]);
  });

  it("swaps atomically: outputs invisible until the commit, inputs gone after finish, duplicates still landed", () => {
    const { sql, inputs, output, plan } = withTwoFiles();
    expect(parity(sql, "page_views", NOW)[0]).toMatchObject({ landed: 5 });
    expect(beginCompaction(sql, plan, NOW)).toEqual({ ok: true });
    expect(compactionCandidates(sql, OPEN, 1_000_000)).toEqual([]);
    stageCompactionOutputs(sql, "r1", [{ key: output, facts: facts({ "2026-11-25T09": 4 }) }], NOW);
    expect(files(sql, "page_views").map((f) => f.key)).toEqual(inputs);

    commitCompaction(sql, "r1", NOW);
    expect(files(sql, "page_views").map((f) => f.key)).toEqual([output]);
    // 5 rows delivered, 4 kept: landed still counts the duplicate compaction dropped.
    expect(parity(sql, "page_views", NOW)[0]).toMatchObject({ landed: 5 });

    expect(unfinishedCompactions(sql).map((r) => r.state)).toEqual(["swapped"]);
    finishCompaction(sql, "r1", { kept: 4 }, NOW);
    expect(unfinishedCompactions(sql)).toEqual([]);
    expect(recentCompactions(sql, 5)).toMatchObject([{ run_id: "r1", state: "done", inputs, outputs: [output], report: { kept: 4 } }]);
    expect(sql.db.prepare("SELECT count(*) AS n FROM files WHERE state <> 'active'").get()).toEqual({ n: 0 });
  });

  it("refuses a second run on the partition, and a run whose inputs changed", () => {
    const { sql, inputs, plan } = withTwoFiles();
    expect(beginCompaction(sql, plan, NOW)).toEqual({ ok: true });
    expect(beginCompaction(sql, { ...plan, runId: "r2", outputs: ["x"] }, NOW)).toEqual({ ok: false, reason: `run r1 on page_views/${PARTITION} is unfinished` });
    const other = withTwoFiles();
    expect(beginCompaction(other.sql, { ...other.plan, inputs: [...inputs, keyIn("page_views", HOUR9, "gone")] }, NOW)).toEqual({
      ok: false,
      reason: "the partition's files changed since the run was planned",
    });
  });

  it("refuses to stage or commit after the lease, and to abort after the swap", () => {
    const { sql, output, plan } = withTwoFiles();
    beginCompaction(sql, plan, NOW);
    expect(() => stageCompactionOutputs(sql, "r1", [{ key: output, facts: facts({}) }], NOW + 60_000)).toThrow("lost its lease");
    stageCompactionOutputs(sql, "r1", [{ key: output, facts: facts({ "2026-11-25T09": 5 }) }], NOW);
    commitCompaction(sql, "r1", NOW);
    expect(abortCompaction(sql, "r1", "too late")).toEqual({ ok: false, reason: "compaction run r1 is swapped, cannot be aborted" });
  });

  it("undoes a run that did not swap: its staged outputs are forgotten, its inputs stay", () => {
    const { sql, inputs, plan } = withTwoFiles();
    beginCompaction(sql, plan, NOW);
    expect(abortCompaction(sql, "r1", "crashed")).toEqual({ ok: true });
    // The staged output stays recorded until its object is deleted, so the reconcile leaves it alone.
    expect(sql.db.prepare("SELECT count(*) AS n FROM files WHERE state = 'staged'").get()).toEqual({ n: 1 });
    closeAbortedCompaction(sql, "r1", NOW);
    expect(files(sql, "page_views").map((f) => f.key)).toEqual(inputs);
    expect(sql.db.prepare("SELECT count(*) AS n FROM files WHERE state = 'staged'").get()).toEqual({ n: 0 });
    expect(recentCompactions(sql, 1)[0]).toMatchObject({ state: "aborted", report: { aborted: "crashed" } });
  });
});
