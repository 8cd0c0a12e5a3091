import { env, SELF } from "cloudflare:test";
import { lakeColumns } from "@edge-analytics/event-schema";
import { type CompactionReport, compactPartition, hourPartition, type LakeRow } from "@edge-analytics/lake";
import { describe, expect, it } from "vitest";
import { type CompactionSummary, encodeCompacted, runCompaction, settingsFrom, sourceObjects } from "../src/compaction-service.ts";
import { ADMIN, catalog, freshClosedHour, hoursAfter, idsOf, pageViewRows, putRegistered, readerView } from "./lake.ts";

const ORIGIN = "https://compaction.example.com";
const RECEIVED = lakeColumns("page_view").findIndex((c) => c.name === "received_at");
const sorted = (values: string[]) => [...values].sort();

async function compact(body: unknown): Promise<{ status: number; body: CompactionSummary & { error?: { message: string } } }> {
  const response = await SELF.fetch(`${ORIGIN}/compact`, { method: "POST", headers: { "content-type": "application/json", ...ADMIN }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as CompactionSummary & { error?: { message: string } } };
}

function reportOf(summary: CompactionSummary): CompactionReport {
  const [run] = summary.runs;
  if (run?.status !== "compacted") throw new Error(`expected one compacted run, got ${JSON.stringify(summary.runs)}`);
  return run.report;
}

/** The same events delivered again by a client's retry an hour later (a new received_at). */
const retriesOf = (rows: LakeRow[]) => rows.map((row) => row.map((value, i) => (i === RECEIVED ? Number(value) + 3_600_000 : value)));

/** Hour H: three files of 30 rows; hour H+1: three files of 30 rows, one of them also carrying 6 of H's events. */
async function retriedIntoNextHour(): Promise<{ earlier: string; later: string; earlierIds: string[]; laterIds: string[]; retried: string[] }> {
  const hour = freshClosedHour();
  const next = hoursAfter(hour, 1);
  const earlier = Array.from({ length: 3 }, () => pageViewRows(30, hour));
  for (const rows of earlier) await putRegistered("page_view", rows, hour);
  const later = Array.from({ length: 3 }, () => pageViewRows(30, next));
  const retried = retriesOf(earlier[1]!.slice(0, 6));
  await putRegistered("page_view", later[0]!, next);
  await putRegistered("page_view", [...later[1]!, ...retried], next);
  await putRegistered("page_view", later[2]!, next);
  return { earlier: hourPartition(hour), later: hourPartition(next), earlierIds: earlier.flatMap(idsOf), laterIds: later.flatMap(idsOf), retried: idsOf(retried) };
}

const occurrences = (ids: string[], id: string) => ids.filter((x) => x === id).length;

describe("compaction's look-back window (DEDUP_LOOKBACK_HOURS)", () => {
  it("a retry that landed in the next hour appears exactly once across both hours after compaction, in the earlier one; re-running changes nothing", async () => {
    const lake = await retriedIntoNextHour();
    // The later hour first (the harder order: its window still holds the earlier hour's raw files).
    const later = await compact({ table: "page_views", partition: lake.later });
    expect(later.status).toBe(200);
    expect(later.body.lookback_hours).toBe(1);
    expect(reportOf(later.body)).toMatchObject({ rows_in: 96, rows_out: 90, duplicates_removed: 6, lookback_duplicates: 6, lookback_listings: 1, lookback_files: 3, lookback_ids: 90 });
    expect(later.body.lookback_read_requests).toBeGreaterThanOrEqual(3);
    expect(later.body.lookback_bytes_read).toBeGreaterThan(0);
    expect(reportOf((await compact({ table: "page_views", partition: lake.earlier })).body)).toMatchObject({ rows_out: 90, duplicates_removed: 0 });

    const earlier = await readerView("page_views", lake.earlier);
    const next = await readerView("page_views", lake.later);
    expect(sorted(earlier.ids)).toEqual(sorted(lake.earlierIds));
    expect(sorted(next.ids)).toEqual(sorted(lake.laterIds));
    for (const id of lake.retried) expect(occurrences([...earlier.ids, ...next.ids], id)).toBe(1);

    for (const partition of [lake.later, lake.earlier]) {
      expect((await compact({ table: "page_views", partition })).body.runs).toEqual([expect.objectContaining({ status: "skipped", reason: expect.stringMatching(/nothing to merge/) })]);
    }
    expect(sorted((await readerView("page_views", lake.later)).ids)).toEqual(sorted(lake.laterIds));

    // The catalog records the window's figures with the run.
    const status = (await (await SELF.fetch(`${ORIGIN}/compact/status`, { headers: ADMIN })).json()) as { runs: { partition: string; report: Record<string, number> }[] };
    expect(status.runs.find((r) => r.partition === lake.later)?.report).toMatchObject({ lookback_hours: 1, lookback_duplicates: 6 });
  });

  it("with a window of 0 the retry stays: once in each hour (raw and window-0 hours are deduplicated inside the hour only)", async () => {
    const lake = await retriedIntoNextHour();
    const later = await compact({ table: "page_views", partition: lake.later, lookback_hours: 0 });
    expect(later.body).toMatchObject({ lookback_hours: 0, rows_out: 96, duplicates_removed: 0, lookback_listings: 0, lookback_read_requests: 0 });
    await compact({ table: "page_views", partition: lake.earlier, lookback_hours: 0 });
    const both = [...(await readerView("page_views", lake.earlier)).ids, ...(await readerView("page_views", lake.later)).ids];
    for (const id of lake.retried) expect(occurrences(both, id)).toBe(2);
  });

  it("reads the window from the Worker's var and refuses bad values, in the var and in a request", async () => {
    expect(env.DEDUP_LOOKBACK_HOURS).toBe("1");
    expect(settingsFrom(env).lookbackHours).toBe(1);
    expect(settingsFrom({ ...env, DEDUP_LOOKBACK_HOURS: "0" }).lookbackHours).toBe(0);
    expect(settingsFrom({ ...env, DEDUP_LOOKBACK_HOURS: "" }).lookbackHours).toBe(1);
    for (const bad of ["-1", "2.5", "one", "169"]) expect(() => settingsFrom({ ...env, DEDUP_LOOKBACK_HOURS: bad })).toThrow(/DEDUP_LOOKBACK_HOURS must be an integer from 0 to 168/);
    for (const bad of ["2", -1, 169, 1.5]) {
      const { status, body } = await compact({ table: "page_views", lookback_hours: bad });
      expect(status).toBe(400);
      expect(body.error?.message).toMatch(/lookback_hours must be an integer from 0 to 168/);
    }
  });

  it("compacts when the look-back hour is being compacted itself (a run begun, its inputs still the hour's files)", async () => {
    const lake = await retriedIntoNextHour();
    const inputs = (await catalog().partitionFiles("page_views", lake.earlier)).map((f) => f.key);
    const runId = crypto.randomUUID();
    expect(await catalog().beginCompaction({ runId, table: "page_views", partition: lake.earlier, inputs, outputs: [`events/page_views/${lake.earlier}/compacted-${runId}-0.parquet`], leaseMs: 60_000 })).toEqual({ ok: true });
    const later = await compact({ table: "page_views", partition: lake.later });
    expect(reportOf(later.body)).toMatchObject({ rows_out: 90, lookback_duplicates: 6 });
    expect(await catalog().abortCompaction(runId, "test over")).toEqual({ ok: true });
    await catalog().closeAbortedCompaction(runId);
  });

  it("compacts when the look-back hour's compaction swaps and deletes the files the scan listed", async () => {
    const lake = await retriedIntoNextHour();
    const objects = sourceObjects(env.SOURCE_BUCKET);
    let swappedUnderneath = false;
    const outcome = await compactPartition(
      {
        catalog: catalog(),
        objects: {
          ...objects,
          async reader(key, bytes) {
            if (!swappedUnderneath && key.includes(lake.earlier)) {
              swappedUnderneath = true;
              const summary = await runCompaction(env, { table: "page_views", partition: lake.earlier }, () => {});
              expect(summary.files_out).toBe(1);
              expect(await env.SOURCE_BUCKET.head(key)).toBeNull();
            }
            return objects.reader(key, bytes);
          },
        },
        encode: encodeCompacted,
      },
      { table: "page_views", partition: lake.later },
      { ...settingsFrom(env), newRunId: () => crypto.randomUUID(), now: () => Date.now() },
    );
    expect(swappedUnderneath).toBe(true);
    if (outcome.status !== "compacted") throw new Error(outcome.reason);
    // The vanished file sent the scan back to the catalog, which listed the compacted file instead.
    expect(outcome.report).toMatchObject({ rows_out: 90, lookback_duplicates: 6, lookback_listings: 2, lookback_files: 1 });
    const both = [...(await readerView("page_views", lake.earlier)).ids, ...(await readerView("page_views", lake.later)).ids];
    expect(sorted(both)).toEqual(sorted([...lake.earlierIds, ...lake.laterIds]));
  });

  it("rewrites an hour whose only file repeats the hour before", async () => {
    const hour = freshClosedHour();
    const next = hoursAfter(hour, 1);
    const first = pageViewRows(10, hour);
    await putRegistered("page_view", first, hour);
    const own = pageViewRows(10, next);
    await putRegistered("page_view", [...own, ...retriesOf(first.slice(0, 2))], next);
    const { body } = await compact({ table: "page_views", partition: hourPartition(next) });
    expect(reportOf(body)).toMatchObject({ files_in: 1, files_out: 1, rows_out: 10, lookback_duplicates: 2 });
    expect(sorted((await readerView("page_views", hourPartition(next))).ids)).toEqual(sorted(idsOf(own)));
  });

  it("a pass without a partition also visits the hour that just closed, so a one-file hour of retries is deduplicated", async () => {
    // Keep clear of the top of the hour: the test and the Worker must agree on which hour just closed.
    const intoHour = Date.now() % 3_600_000;
    if (intoHour > 3_600_000 - 10_000) await new Promise((done) => setTimeout(done, 3_600_000 - intoHour + 100));
    const now = new Date();
    const closed = new Date(now.getTime() - 3_600_000);
    const before = new Date(now.getTime() - 2 * 3_600_000);
    const first = pageViewRows(10, before);
    await putRegistered("page_view", first, before);
    await putRegistered("page_view", [...pageViewRows(5, closed), ...retriesOf(first.slice(0, 3))], closed);

    const { body } = await compact({ table: "page_views" });
    const run = body.runs.find((r) => (r.status === "compacted" ? r.report.partition : r.partition) === hourPartition(closed));
    expect(run).toMatchObject({ status: "compacted", report: { files_in: 1, rows_out: 5, lookback_duplicates: 3 } });
  }, 30_000);

  it("a failure while reading the window undoes the run: readers still see the inputs", async () => {
    const lake = await retriedIntoNextHour();
    const objects = sourceObjects(env.SOURCE_BUCKET);
    const before = await readerView("page_views", lake.later);
    await expect(
      compactPartition(
        {
          catalog: catalog(),
          objects: {
            ...objects,
            async reader(key, bytes) {
              if (key.includes(lake.earlier)) throw new Error("R2 unavailable while reading the window");
              return objects.reader(key, bytes);
            },
          },
          encode: encodeCompacted,
        },
        { table: "page_views", partition: lake.later },
        { ...settingsFrom(env), newRunId: () => crypto.randomUUID(), now: () => Date.now() },
      ),
    ).rejects.toThrow(/R2 unavailable/);
    const after = await readerView("page_views", lake.later);
    expect(sorted(after.keys)).toEqual(sorted(before.keys));
    expect((await catalog().unfinishedCompactions()).filter((r) => r.partition === lake.later)).toEqual([]);
    // The next run compacts it.
    expect(reportOf((await compact({ table: "page_views", partition: lake.later })).body)).toMatchObject({ lookback_duplicates: 6 });
  });
});
