import { describe, expect, it } from "vitest";
import { type CompactionReport, compactPartition } from "../src/compaction.ts";
import { hourPartition } from "../src/layout.ts";
import { emptyLookbackStats, LookbackCache, lookbackHoursError, lookbackPartitions, visitLookbackEventIds } from "../src/lookback.ts";
import type { LakeRow } from "../src/parquet/lake-row.ts";
import { BASE, encode, hourOf, ID, MemoryLake, options, pageView, retryOf, URL_COLUMN } from "./compaction-memory-lake.ts";

const idsOf = (rows: LakeRow[]) => rows.map((row) => String(row[ID]));
const sorted = (values: string[]) => [...values].sort();

async function compact(lake: MemoryLake, n: number, lookbackHours?: number) {
  return compactPartition({ catalog: lake.catalog, objects: lake.bucket, encode }, { table: "page_views", partition: hourOf(n) }, options(lookbackHours));
}

function reportOf(outcome: Awaited<ReturnType<typeof compact>>): CompactionReport {
  if (outcome.status !== "compacted") throw new Error(`expected a compaction, got: ${outcome.reason}`);
  return outcome.report;
}

/** Hour 10: three files; hour 11: three files, one of them repeating 5 events of hour 10 (retries). */
function retriedIntoNextHour(lake: MemoryLake): { earlier: LakeRow[]; later: LakeRow[]; retried: LakeRow[] } {
  const earlier = Array.from({ length: 3 }, () => Array.from({ length: 20 }, () => pageView(10)));
  for (const rows of earlier) lake.put(10, rows);
  const later = Array.from({ length: 3 }, () => Array.from({ length: 20 }, () => pageView(11)));
  const retried = earlier[1]!.slice(0, 5).map((row) => retryOf(row, 1));
  lake.put(11, later[0]!);
  lake.put(11, [...later[1]!, ...retried]);
  lake.put(11, later[2]!);
  return { earlier: earlier.flat(), later: later.flat(), retried };
}

describe("the look-back window", () => {
  it("names the partitions before, nearest first, across day and year boundaries; refuses a bad window", () => {
    expect(lookbackPartitions("year=2026/month=01/day=01/hour=01", 3)).toEqual([
      "year=2026/month=01/day=01/hour=00",
      "year=2025/month=12/day=31/hour=23",
      "year=2025/month=12/day=31/hour=22",
    ]);
    expect(lookbackPartitions("year=2026/month=01/day=01/hour=01", 0)).toEqual([]);
    expect(lookbackHoursError(0)).toBeUndefined();
    expect(lookbackHoursError(168)).toBeUndefined();
    for (const bad of [-1, 1.5, 169, "1", null]) expect(lookbackHoursError(bad)).toMatch(/integer from 0 to 168/);
  });

  for (const order of ["later hour first", "earlier hour first"] as const) {
    it(`drops a retry that landed in the next hour and keeps the first copy (${order})`, async () => {
      const lake = new MemoryLake();
      const { earlier, later, retried } = retriedIntoNextHour(lake);
      const hours = order === "later hour first" ? [11, 10] : [10, 11];
      const reports: Record<number, CompactionReport> = {};
      for (const n of hours) reports[n] = reportOf(await compact(lake, n));

      // The window is hour 10 as it is then: its three raw files, or the one file they became.
      const lookbackFiles = order === "later hour first" ? 3 : 1;
      expect(reports[11]).toMatchObject({ lookback_hours: 1, rows_in: 65, rows_out: 60, duplicates_removed: 5, lookback_duplicates: 5, lookback_files: lookbackFiles, lookback_listings: 1 });
      // Hour 10's window is hour 9 (empty): its copy is never touched.
      expect(reports[10]).toMatchObject({ rows_out: 60, duplicates_removed: 0, lookback_files: 0 });
      expect(sorted(await lake.ids(10))).toEqual(sorted(idsOf(earlier)));
      expect(sorted(await lake.ids(11))).toEqual(sorted(idsOf(later)));
      // Exactly once across both hours, in the earlier one.
      const both = [...(await lake.ids(10)), ...(await lake.ids(11))];
      for (const id of idsOf(retried)) expect(both.filter((x) => x === id)).toHaveLength(1);

      // Idempotent: each hour is one file now, and nothing in it repeats its window.
      for (const n of [10, 11, 10, 11]) expect(await compact(lake, n)).toMatchObject({ status: "skipped", reason: expect.stringMatching(/nothing to merge/) });
      expect(sorted(await lake.ids(11))).toEqual(sorted(idsOf(later)));
    });
  }

  it("with a window of 0 the retry stays in both hours (documented: raw and compacted hours are then only deduplicated inside)", async () => {
    const lake = new MemoryLake();
    const { retried } = retriedIntoNextHour(lake);
    const report = reportOf(await compact(lake, 11, 0));
    expect(report).toMatchObject({ lookback_hours: 0, rows_out: 65, duplicates_removed: 0, lookback_listings: 0, lookback_read_requests: 0 });
    reportOf(await compact(lake, 10, 0));
    const both = [...(await lake.ids(10)), ...(await lake.ids(11))];
    for (const id of idsOf(retried)) expect(both.filter((x) => x === id)).toHaveLength(2);
  });

  it("defaults to one hour: a retry two hours later needs a window of 2", async () => {
    const lake = new MemoryLake();
    const first = Array.from({ length: 10 }, () => pageView(20));
    lake.put(20, first);
    const late = first.slice(0, 3).map((row) => retryOf(row, 2));
    lake.put(22, [pageView(22), ...late]);
    lake.put(22, [pageView(22)]);
    expect(reportOf(await compact(lake, 22))).toMatchObject({ lookback_hours: 1, lookback_duplicates: 0, rows_out: 5 });

    const again = new MemoryLake();
    again.put(20, first);
    again.put(22, [pageView(22), ...late]);
    again.put(22, [pageView(22)]);
    expect(reportOf(await compact(again, 22, 2))).toMatchObject({ lookback_hours: 2, lookback_duplicates: 3, rows_out: 2, lookback_listings: 2 });
  });

  it("compacts normally when the look-back hours have no files", async () => {
    const lake = new MemoryLake();
    const rows = [Array.from({ length: 8 }, () => pageView(30)), Array.from({ length: 8 }, () => pageView(30))];
    for (const batch of rows) lake.put(30, batch);
    const report = reportOf(await compact(lake, 30, 3));
    expect(report).toMatchObject({ rows_out: 16, lookback_duplicates: 0, lookback_listings: 3, lookback_files: 0, lookback_read_requests: 0 });
    expect(sorted(await lake.ids(30))).toEqual(sorted(idsOf(rows.flat())));
  });

  it("reads the look-back partition while it is itself being compacted (inputs still listed), and when its compaction swaps mid-read", async () => {
    // A run of hour 40 has begun (planned: its inputs are the partition's files until the swap).
    const lake = new MemoryLake();
    const first = Array.from({ length: 3 }, () => Array.from({ length: 10 }, () => pageView(40)));
    const inputs = first.map((batch) => lake.put(40, batch));
    const retried = first[2]!.slice(0, 4).map((row) => retryOf(row, 1));
    lake.put(41, [pageView(41), ...retried]);
    lake.put(41, [pageView(41)]);
    const begun = await lake.catalog.beginCompaction({ runId: "busy", table: "page_views", partition: hourOf(40), inputs, outputs: [], leaseMs: 60_000 });
    expect(begun.ok).toBe(true);
    expect(reportOf(await compact(lake, 41))).toMatchObject({ rows_out: 2, lookback_duplicates: 4 });

    // Now hour 50's compaction swaps and deletes its inputs after hour 51's scan listed them.
    const other = new MemoryLake();
    const early = Array.from({ length: 3 }, () => Array.from({ length: 10 }, () => pageView(50)));
    for (const batch of early) other.put(50, batch);
    other.put(51, [pageView(51), ...early[0]!.slice(0, 4).map((row) => retryOf(row, 1))]);
    other.put(51, [pageView(51)]);
    const plainReader = other.bucket.reader;
    let swappedUnderneath = false;
    other.bucket.reader = async (key, bytes) => {
      if (!swappedUnderneath && key.includes(hourOf(50))) {
        swappedUnderneath = true;
        reportOf(await compactPartition({ catalog: other.catalog, objects: { ...other.bucket, reader: plainReader }, encode }, { table: "page_views", partition: hourOf(50) }, options(1)));
        expect(other.objects.has(key)).toBe(false);
      }
      return plainReader(key, bytes);
    };
    const report = reportOf(await compact(other, 51));
    expect(swappedUnderneath).toBe(true);
    // The vanished file made the scan list hour 50 again and read the compacted file instead.
    expect(report).toMatchObject({ rows_out: 2, lookback_duplicates: 4, lookback_listings: 2, lookback_files: 1 });
    const both = [...(await other.ids(50)), ...(await other.ids(51))];
    expect(new Set(both).size).toBe(both.length);
    expect(both).toHaveLength(32);
  });

  it("fails the run (and undoes it) when a look-back file is missing while the catalog still lists it", async () => {
    const lake = new MemoryLake();
    const lost = lake.put(60, [pageView(60)]);
    lake.objects.delete(lost);
    lake.put(61, [pageView(61)]);
    lake.put(61, [pageView(61)]);
    await expect(compact(lake, 61)).rejects.toThrow(/disappeared/);
    expect([...lake.runs.values()].map((r) => r.state)).toEqual(["aborted"]);
    expect(lake.activeKeys(hourOf(61))).toHaveLength(2);
  });

  it("rewrites a partition whose only file repeats the window; leaves one that does not alone", async () => {
    const lake = new MemoryLake();
    const first = Array.from({ length: 6 }, () => pageView(70));
    lake.put(70, first);
    const own = [pageView(71), pageView(71)];
    lake.put(71, [...own, retryOf(first[3]!, 1)]);
    expect(reportOf(await compact(lake, 71))).toMatchObject({ files_in: 1, files_out: 1, rows_out: 2, lookback_duplicates: 1 });
    expect(sorted(await lake.ids(71))).toEqual(sorted(idsOf(own)));
    // Hour 70 has one file and an empty window; hour 71 no longer repeats hour 70.
    expect(await compact(lake, 70)).toMatchObject({ status: "skipped", reason: expect.stringMatching(/nothing to merge/) });
    expect(await compact(lake, 71)).toMatchObject({ status: "skipped", reason: expect.stringMatching(/none of its events in the 1 hour\(s\) before/) });
    // Without a window a single file without copies inside is left alone.
    const plain = new MemoryLake();
    plain.put(70, first);
    plain.put(71, [...own, retryOf(first[3]!, 1)]);
    expect(await compact(plain, 71, 0)).toMatchObject({ status: "skipped", reason: "1 file(s) below the target size, no event twice in it: nothing to merge" });
  });

  for (const lookbackHours of [1, 0]) {
    it(`rewrites a partition whose only file holds a retry beside its original, keeping one copy (window ${lookbackHours})`, async () => {
      // A client resent a batch whose answer it lost, and both copies reached the sink in one roll.
      const lake = new MemoryLake();
      const sent = Array.from({ length: 8 }, () => pageView(90));
      const retried = sent.slice(0, 3).map((row) => retryOf(row, 0.01));
      lake.put(90, [...sent, ...retried]);
      expect(reportOf(await compact(lake, 90, lookbackHours))).toMatchObject({ files_in: 1, files_out: 1, rows_in: 11, rows_out: 8, duplicates_removed: 3, lookback_duplicates: 0 });
      expect(sorted(await lake.ids(90))).toEqual(sorted(idsOf(sent)));
      expect(await compact(lake, 90, lookbackHours)).toMatchObject({ status: "skipped", reason: expect.stringMatching(/no event twice in it/) });
    });
  }

  it("inside a partition keeps the copy received first, whatever file it is in", async () => {
    const lake = new MemoryLake();
    const original = pageView(80, undefined, "https://shop.example/first");
    const resent = retryOf(original, 0.5, "https://shop.example/second");
    // The later copy goes into the file the catalog lists first (keys in order).
    const [first, second] = [lake.put(80, [pageView(80)]), lake.put(80, [pageView(80)])].sort();
    lake.rewrite(first!, [resent, pageView(80)]);
    lake.rewrite(second!, [original, pageView(80)]);
    reportOf(await compact(lake, 80, 0));
    const [key] = lake.activeKeys(hourOf(80));
    const kept = (await lake.rows(key!)).find((row) => row.event_id === original[ID]);
    expect(kept?.page_url).toBe(original[URL_COLUMN]);
  });

  it("reads only the event_id column of a large look-back file: a fraction of its bytes, a request per row group", async () => {
    const lake = new MemoryLake();
    // 12,000 rows with long incompressible urls, in row groups of 3,000: a file of several MB.
    const noise = () => `https://shop.example/${Array.from({ length: 6 }, () => crypto.randomUUID()).join("/")}`;
    const big = Array.from({ length: 12_000 }, () => pageView(90, undefined, noise()));
    const bigKey = lake.put(90, big, { maxRowGroupRows: 3_000 });
    const bigBytes = lake.objects.get(bigKey)!.byteLength;
    lake.put(91, [pageView(91), retryOf(big[7]!, 1)]);
    lake.put(91, [pageView(91)]);
    const report = reportOf(await compact(lake, 91));
    expect(report.lookback_duplicates).toBe(1);
    expect(bigBytes).toBeGreaterThan(1_000_000);
    expect(report.lookback_bytes_read).toBeLessThan(bigBytes * 0.35);
    // The footer, then one request per row group's event_id chunk.
    expect(report.lookback_read_requests).toBe(1 + 4);
    // The inputs: a HEAD per file and their reads, counted apart.
    expect(report.read_requests).toBeGreaterThanOrEqual(2 * 2);
  });

  it("a run of several passes lists the window each pass but reads each of its files from the bucket once", async () => {
    const lake = new MemoryLake();
    const first = Array.from({ length: 3 }, () => Array.from({ length: 30 }, () => pageView(120)));
    for (const batch of first) lake.put(120, batch);
    const retried = first.flat().filter((_, i) => i % 9 === 0).map((row) => retryOf(row, 1));
    lake.put(121, [...Array.from({ length: 100 }, () => pageView(121)), ...retried.slice(0, 5)]);
    lake.put(121, [...Array.from({ length: 100 }, () => pageView(121)), ...retried.slice(5)]);
    // 210 rows with a budget of 40 rows a pass: 8 passes, each scanning the window.
    const outcome = await compactPartition({ catalog: lake.catalog, objects: lake.bucket, encode }, { table: "page_views", partition: hourOf(121) }, options(1, { maxRowsPerFile: 40 }));
    const report = reportOf(outcome);
    expect(report).toMatchObject({ rows_out: 200, lookback_duplicates: 10, lookback_listings: 8, lookback_files: 24, lookback_ids: 8 * 90 });
    // Three small files: one request each (the whole file), in the first pass only.
    expect(report.lookback_read_requests).toBe(3);

    // Without room in the cache every scan reads the window again.
    const stats = emptyLookbackStats();
    const ports = { partitionFiles: lake.catalog.partitionFiles, reader: lake.bucket.reader };
    const tiny = new LookbackCache(0);
    for (let scan = 0; scan < 2; scan++) await visitLookbackEventIds(ports, "page_views", [hourOf(120)], () => {}, stats, tiny);
    expect(stats).toMatchObject({ listings: 2, files: 6, ids: 180, reads: { requests: 6 } });
    const roomy = new LookbackCache();
    const cached = emptyLookbackStats();
    for (let scan = 0; scan < 2; scan++) await visitLookbackEventIds(ports, "page_views", [hourOf(120)], () => {}, cached, roomy);
    expect(cached).toMatchObject({ listings: 2, files: 6, ids: 180, reads: { requests: 3 } });
    expect(roomy.bytes).toBeGreaterThan(0);
    expect(roomy.bytes).toBeLessThan(cached.reads.bytes);
  });

  it("keeps a large footer read in two requests, and answers the next scans from the cache", async () => {
    const lake = new MemoryLake();
    const noise = () => `https://shop.example/${Array.from({ length: 6 }, () => crypto.randomUUID()).join("/")}`;
    // 300 row groups of 40 rows: a footer far larger than the 64 KiB first read.
    const rows = Array.from({ length: 12_000 }, () => pageView(130, undefined, noise()));
    const key = lake.put(130, rows, { maxRowGroupRows: 40 });
    const ports = { partitionFiles: lake.catalog.partitionFiles, reader: lake.bucket.reader };
    const cache = new LookbackCache();
    const stats = emptyLookbackStats();
    const seen: string[][] = [[], []];
    for (const scan of [0, 1]) await visitLookbackEventIds(ports, "page_views", [hourOf(130)], (id) => seen[scan]!.push(id), stats, cache);
    expect(sorted(seen[0]!)).toEqual(sorted(idsOf(rows)));
    expect(seen[1]).toEqual(seen[0]);
    // The footer's two reads and one read per row group, all in the first scan.
    expect(stats.reads.requests).toBe(2 + 300);
    // What was read is what is kept: the footer and the event_id chunks, not the rest of the file.
    expect(cache.bytes).toBe(stats.reads.bytes);
    expect(cache.bytes).toBeLessThan(lake.objects.get(key)!.byteLength * 0.5);
  });

  it("never loses a row and leaves no two copies within the window, whatever the order of runs (random retries and orders)", async () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const window of [1, 2]) {
      for (let round = 0; round < 6; round++) {
        const lake = new MemoryLake();
        const hours = [0, 1, 2, 3, 4, 5].map((h) => 100 + h);
        const copiesOf = new Map<string, number[]>();
        const files = new Map<number, LakeRow[][]>(hours.map((n) => [n, [[], []]]));
        for (const n of hours) {
          for (let i = 0; i < 12; i++) {
            const row = pageView(n);
            const id = String(row[ID]);
            const deliveries = [n];
            files.get(n)![i % 2]!.push(row);
            // Up to two retries, 0 to 3 hours later (within the six hours).
            for (let r = 0; r < 2; r++) {
              if (random() < 0.4) {
                const delay = Math.floor(random() * 4);
                const at = n + delay;
                if (!files.has(at)) continue;
                files.get(at)![Math.floor(random() * 2)]!.push(retryOf(row, delay));
                deliveries.push(at);
              }
            }
            copiesOf.set(id, deliveries);
          }
        }
        for (const [n, batches] of files) for (const batch of batches) if (batch.length > 0) lake.put(n, batch);
        const order = [...hours].sort(() => random() - 0.5);
        for (const n of [...order, ...order]) await compact(lake, n, window);

        const where = new Map<string, number[]>();
        for (const n of hours) for (const id of await lake.ids(n)) where.set(id, [...(where.get(id) ?? []), n]);
        for (const [id, deliveries] of copiesOf) {
          const kept = where.get(id) ?? [];
          const earliest = Math.min(...deliveries);
          expect(kept, `event ${id} delivered in hours ${deliveries.join(",")}`).toContain(earliest);
          expect(new Set(kept).size).toBe(kept.length);
          for (const a of kept) for (const b of kept) if (a < b) expect(b - a, `copies of ${id} in hours ${kept.join(",")} (window ${window})`).toBeGreaterThan(window);
        }
        // Idempotent: another round changes nothing.
        const before = await Promise.all(hours.map((n) => lake.ids(n).then(sorted)));
        for (const n of order) await compact(lake, n, window);
        expect(await Promise.all(hours.map((n) => lake.ids(n).then(sorted)))).toEqual(before);
      }
    }
  });

  it("refuses an invalid window before touching the catalog", async () => {
    const lake = new MemoryLake();
    await expect(compact(lake, 1, -1)).rejects.toThrow(/lookbackHours must be an integer from 0 to 168/);
    expect(hourPartition(new Date(BASE))).toBe(hourOf(0));
  });
});
