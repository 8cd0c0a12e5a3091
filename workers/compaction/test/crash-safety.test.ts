import { env } from "cloudflare:test";
import { type CompactionCatalog, type CompactionObjects, compactPartition, hourPartition } from "@edge-analytics/lake";
import { describe, expect, it } from "vitest";
import { encodeCompacted, runCompaction, sourceObjects } from "../src/compaction-service.ts";
import { catalog, freshClosedHour, idsOf, listKeys, pageViewRows, putRegistered, readerView } from "./lake.ts";

const SETTINGS = { targetBytes: 128 * 2 ** 20, maxRowsPerFile: 50_000, leaseMs: 60_000, lookbackHours: 1 };
const sorted = (values: string[]) => [...values].sort();

/** A partition of 6 files with 5 duplicated rows; answers the unique ids. */
async function partitionWithFiles(): Promise<{ partition: string; unique: string[]; inputs: string[] }> {
  const hour = freshClosedHour();
  const batches = Array.from({ length: 5 }, () => pageViewRows(30, hour));
  const inputs: string[] = [];
  for (const rows of batches) inputs.push(await putRegistered("page_view", rows, hour));
  inputs.push(await putRegistered("page_view", batches[2]!.slice(0, 5), hour));
  return { partition: hourPartition(hour), unique: batches.flatMap(idsOf), inputs };
}

/** Readers of the catalog see every row exactly once: either all inputs (with their duplicates) or the outputs. */
async function expectExactlyOnce(partition: string, unique: string[], duplicatesStillThere: boolean): Promise<string[]> {
  const view = await readerView("page_views", partition);
  const distinct = new Set(view.ids);
  expect(sorted([...distinct])).toEqual(sorted(unique));
  expect(view.ids.length).toBe(unique.length + (duplicatesStillThere ? 5 : 0));
  return view.keys;
}

type Step = "written" | "registered" | "swapped" | "deleting";

/** The real catalog and bucket, with one step failing the way a crash there would. */
function failingPorts(failAt: Step): { catalog: CompactionCatalog; objects: CompactionObjects } {
  const real = catalog();
  const objects = sourceObjects(env.SOURCE_BUCKET);
  return {
    catalog: {
      partitionFiles: (t, p) => real.partitionFiles(t, p),
      beginCompaction: (run) => real.beginCompaction(run),
      async stageCompactionOutputs(runId, written) {
        await real.stageCompactionOutputs(runId, written);
        if (failAt === "registered") throw new Error("crash after the outputs were registered");
      },
      async commitCompaction(runId) {
        await real.commitCompaction(runId);
        if (failAt === "swapped") throw new Error("crash right after the swap");
      },
      finishCompaction: (runId, report) => real.finishCompaction(runId, report),
      abortCompaction: (runId, reason) => real.abortCompaction(runId, reason),
      closeAbortedCompaction: (runId) => real.closeAbortedCompaction(runId),
      unfinishedCompactions: () => real.unfinishedCompactions(),
    },
    objects: {
      reader: (key, bytes) => objects.reader(key, bytes),
      async put(key, bytes) {
        await objects.put(key, bytes);
        if (failAt === "written") throw new Error("crash after an output was written");
      },
      async delete(keys) {
        if (failAt === "deleting" && keys.some((k) => !k.includes("/compacted-"))) {
          await objects.delete(keys.slice(0, 2));
          throw new Error("crash while deleting the inputs");
        }
        await objects.delete(keys);
      },
    },
  };
}

describe("a failure at any step leaves readers with every row exactly once, and the next run converges", () => {
  for (const failAt of ["written", "registered", "swapped", "deleting"] as const) {
    it(`fails after "${failAt}"`, async () => {
      const { partition, unique, inputs } = await partitionWithFiles();
      const ports = failingPorts(failAt);
      await expect(
        compactPartition({ ...ports, encode: encodeCompacted }, { table: "page_views", partition }, { ...SETTINGS, newRunId: () => crypto.randomUUID(), now: () => Date.now() }),
      ).rejects.toThrow(/crash/);

      const swapped = failAt === "swapped" || failAt === "deleting";
      // Before the swap the run is undone at once (inputs visible, outputs gone); after it, the
      // outputs are the partition and the leftover inputs wait for the next run.
      const keys = await expectExactlyOnce(partition, unique, !swapped);
      if (!swapped) {
        expect(sorted(keys)).toEqual(sorted(inputs));
        expect((await listKeys(`events/page_views/${partition}/`)).filter((k) => k.includes("/compacted-"))).toEqual([]);
      } else {
        expect(keys.every((k) => k.includes("/compacted-"))).toBe(true);
        expect((await catalog().unfinishedCompactions()).map((r) => r.state)).toContain("swapped");
      }

      // The next run converges: one compacted file, no inputs left, nothing unfinished.
      const summary = await runCompaction(env, { table: "page_views", partition }, () => {}, SETTINGS);
      if (swapped) expect(summary.recovered.finished).toHaveLength(1);
      const finalKeys = await expectExactlyOnce(partition, unique, false);
      expect(finalKeys).toHaveLength(1);
      expect(sorted(await listKeys(`events/page_views/${partition}/`))).toEqual(finalKeys);
      expect((await catalog().unfinishedCompactions()).filter((r) => r.partition === partition)).toEqual([]);
    });
  }

  it("a run that died without cleaning up is undone once its lease expires, then the partition compacts", async () => {
    const { partition, unique, inputs } = await partitionWithFiles();
    const orphan = `events/page_views/${partition}/compacted-dead-0.parquet`;
    // The state a killed Worker leaves: the run begun (lease of 1 ms), an output written, nothing else.
    expect(await catalog().beginCompaction({ runId: `dead-${partition}`, table: "page_views", partition, inputs, outputs: [orphan], leaseMs: 1 })).toEqual({ ok: true });
    await env.SOURCE_BUCKET.put(orphan, new Uint8Array([1, 2, 3]));
    await expectExactlyOnce(partition, unique, true);
    // The reconcile must not take the orphan for a new file either.
    const reconcile = await env.CATALOG.fetch("https://catalog.internal/catalog/reconcile", { method: "POST", headers: { "x-api-key": "local-admin-key" } });
    expect(((await reconcile.json()) as { registered: string[] }).registered).not.toContain(orphan);
    await expectExactlyOnce(partition, unique, true);

    await new Promise((done) => setTimeout(done, 5));
    const summary = await runCompaction(env, { table: "page_views", partition }, () => {}, SETTINGS);
    expect(summary.recovered.undone).toContain(`dead-${partition}`);
    expect(await env.SOURCE_BUCKET.head(orphan)).toBeNull();
    expect(summary.files_out).toBe(1);
    await expectExactlyOnce(partition, unique, false);
  });
});
