import { env, SELF } from "cloudflare:test";
import { hourPartition } from "@edge-analytics/lake";
import { describe, expect, it } from "vitest";
import { runCompaction } from "../src/compaction-service.ts";
import { ADMIN, catalog, encodeWithoutColumn, freshClosedHour, idsOf, listKeys, pageViewRows, putRegistered, readerView, readObject } from "./lake.ts";

const ORIGIN = "https://compaction.example.com";

async function compact(body: unknown, headers: Record<string, string> = ADMIN) {
  const response = await SELF.fetch(`${ORIGIN}/compact`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { message: string } } };
}

const sorted = (values: string[]) => [...values].sort();

describe("POST /compact merges a closed partition's small files", () => {
  it("keeps the multiset of event_ids, drops injected duplicates, sorts by timestamp and deletes the old objects", async () => {
    const hour = freshClosedHour();
    const partition = hourPartition(hour);
    const batches = Array.from({ length: 12 }, () => pageViewRows(40, hour));
    const inputs: string[] = [];
    for (const rows of batches) inputs.push(await putRegistered("page_view", rows, hour));
    // Duplicates: a file repeating rows of two others (same event_ids), as a retried sink might.
    const repeated = [...batches[0]!.slice(0, 10), ...batches[5]!.slice(0, 5)];
    inputs.push(await putRegistered("page_view", repeated, hour));
    const unique = batches.flatMap(idsOf);

    const before = await readerView("page_views", partition);
    expect(before.ids).toHaveLength(unique.length + 15);

    const { status, body } = await compact({ table: "page_views", partition });
    expect(status).toBe(200);
    expect(body).toMatchObject({ files_in: 13, files_out: 1, rows_in: 495, rows_out: 480, duplicates_removed: 15 });
    expect(Number(body.bytes_saved)).toBeGreaterThan(0);

    const after = await readerView("page_views", partition);
    expect(sorted(after.ids)).toEqual(sorted(unique));
    const timestamps = after.rows.map((r) => Number(r.timestamp));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    // Only the compacted file is left in the bucket.
    const left = await listKeys(`events/page_views/${partition}/`);
    expect(left).toEqual(after.keys);
    expect(left[0]).toMatch(/\/compacted-[0-9a-f-]+-0\.parquet$/);
    for (const key of inputs) expect(left).not.toContain(key);

    const status2 = await SELF.fetch(`${ORIGIN}/compact/status`, { headers: ADMIN });
    const runs = (await status2.json()) as { runs: { partition: string; state: string; report: Record<string, number> }[]; unfinished: unknown[] };
    expect(runs.unfinished).toEqual([]);
    expect(runs.runs.find((r) => r.partition === partition)).toMatchObject({ state: "done", report: { files_in: 13, rows_out: 480, duplicates_removed: 15 } });
  });

  it("leaves a partition with one file, and the open hour, alone", async () => {
    const hour = freshClosedHour();
    await putRegistered("page_view", pageViewRows(5, hour), hour);
    const { body } = await compact({ table: "page_views", partition: hourPartition(hour) });
    expect(body.runs).toEqual([expect.objectContaining({ status: "skipped", reason: expect.stringMatching(/nothing to merge/) })]);

    const now = new Date();
    await putRegistered("page_view", pageViewRows(5, now), now);
    await putRegistered("page_view", pageViewRows(5, now), now);
    const all = await compact({});
    const partitions = (all.body.runs as { partition?: string; report?: { partition: string } }[]).map((r) => r.report?.partition ?? r.partition);
    expect(partitions).not.toContain(hourPartition(now));
  });

  it("merges files of different schema versions into the newest, the missing column as nulls", async () => {
    const hour = freshClosedHour();
    const partition = hourPartition(hour);
    const oldRows = pageViewRows(20, hour);
    await putRegistered("page_view", oldRows, hour, encodeWithoutColumn("page_view", oldRows, "time_on_page"));
    const newRows = pageViewRows(20, hour);
    await putRegistered("page_view", newRows, hour);
    const { body } = await compact({ table: "page_views", partition });
    expect(body).toMatchObject({ files_in: 2, files_out: 1, rows_out: 40 });
    const view = await readerView("page_views", partition);
    const file = await readObject(view.keys[0]!);
    expect(file.columns).toContain("time_on_page");
    const old = new Set(idsOf(oldRows));
    for (const row of view.rows) if (old.has(String(row.event_id))) expect(row.time_on_page).toBeNull();
    expect(view.rows.filter((r) => !old.has(String(r.event_id))).some((r) => r.time_on_page !== null)).toBe(true);
  });

  it("compacts a partition larger than its memory budget into several outputs, each within the budget", async () => {
    const hour = freshClosedHour();
    const partition = hourPartition(hour);
    const batches = Array.from({ length: 10 }, () => pageViewRows(100, hour));
    for (const rows of batches) await putRegistered("page_view", rows, hour);
    await putRegistered("page_view", batches[3]!.slice(0, 30), hour); // duplicates across passes' inputs

    // A budget of 150 rows per pass for 1,030 rows: no pass may hold the partition.
    const summary = await runCompaction(env, { table: "page_views", partition }, () => {}, { targetBytes: 128 * 2 ** 20, maxRowsPerFile: 150, leaseMs: 60_000, lookbackHours: 1 });
    expect(summary.files_in).toBe(11);
    expect(summary.files_out).toBeGreaterThanOrEqual(7);
    expect(summary.rows_out).toBe(1000);
    expect(summary.duplicates_removed).toBe(30);
    const view = await readerView("page_views", partition);
    expect(sorted(view.ids)).toEqual(sorted(batches.flatMap(idsOf)));
    for (const key of view.keys) expect((await readObject(key)).rows.length).toBeLessThanOrEqual(150);
  });

  it("needs the admin key and refuses a bad scope with a reason", async () => {
    expect((await compact({}, { "x-api-key": "local-dev-key" })).status).toBe(403);
    expect((await compact({}, {})).status).toBe(401);
    expect((await compact({ table: "sessions" })).body.error?.message).toMatch(/table must be a raw table/);
    expect((await compact({ partition: "year=2025/month=01/day=01/hour=00" })).body.error?.message).toMatch(/needs its table/);
    expect((await compact({ table: "page_views", partition: "year=2025/month=01/day=01/hour=00/../../x" })).status).toBe(400);
    expect((await compact({ table: "page_views", nope: 1 })).body.error?.message).toMatch(/unknown field/);
  });

  it("two runs on one partition cannot both commit", async () => {
    const hour = freshClosedHour();
    const partition = hourPartition(hour);
    const a = await putRegistered("page_view", pageViewRows(10, hour), hour);
    const b = await putRegistered("page_view", pageViewRows(10, hour), hour);
    const first = await catalog().beginCompaction({ runId: crypto.randomUUID(), table: "page_views", partition, inputs: [a, b], outputs: [`events/page_views/${partition}/compacted-x-0.parquet`], leaseMs: 60_000 });
    expect(first.ok).toBe(true);
    const second = await catalog().beginCompaction({ runId: crypto.randomUUID(), table: "page_views", partition, inputs: [a, b], outputs: [`events/page_views/${partition}/compacted-y-0.parquet`], leaseMs: 60_000 });
    expect(second).toEqual({ ok: false, reason: expect.stringMatching(/is unfinished/) });
    // The HTTP path says so too, and the candidates skip the partition.
    const { body } = await compact({ table: "page_views", partition });
    expect(body.runs).toEqual([expect.objectContaining({ status: "skipped", reason: expect.stringMatching(/is unfinished/) })]);
  });
});
