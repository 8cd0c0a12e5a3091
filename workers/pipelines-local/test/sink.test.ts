import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { EVENT_TYPES, lakeColumns, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { LakeFileWriter, type LakeObjectWriter, type LakeFileRegistry, rawObjectKey } from "@edge-analytics/lake";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import type { StreamBuffer } from "../src/durable-objects/stream-buffer.ts";
import { StreamLakeBuffer } from "../src/durable-objects/stream-lake-buffer.ts";
import { type CatalogRpc, catalogRpc } from "@edge-analytics/catalog";
import { encodeLakeFile } from "../src/lake-file.ts";
import { acceptedRecords, buffer, bufferedRecords, catalogGet, countIds, readParquetObject, rowsOfTable, sendToStreams } from "./helpers.ts";

// The sink of the Pipelines stand-in: what the streams accepted is written to R2 as hour-partitioned
// Parquet (the lake's writer) and registered with the real catalog Worker, bundled beside it.

const KEY_PATTERN = /^events\/([a-z_]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/[0-9a-f-]{36}\.parquet$/;

/** Sends events through their streams as ingestion would. */
async function ingest(events: Record<string, unknown>[]): Promise<void> {
  await sendToStreams(acceptedRecords(events));
}

describe("the sink writes what the streams accepted to Parquet in R2, each row once", () => {
  it("writes every event type with types and nulls preserved, under the lake layout, and registers each file", async () => {
    const events = [
      ...EVENT_TYPES.map((type) => makeEvent(type)),
      // Optional fields absent (nulls), non-ASCII text, a timestamp with an offset.
      makeEvent("page_view", { user_id: undefined, page_title: "Café ☕ — 日本語 🚀", referrer: undefined, utm_source: undefined, time_on_page: undefined, timestamp: "2024-01-15T12:30:00.123+02:00" }),
      makeEvent("api_request", { status_code: 503, duration_ms: 0.25, organization_id: undefined }),
      makeEvent("custom", { properties: { plan: "pro", seats: 3, trial: false, note: null } }),
    ];
    await ingest(events);

    // What the streams hold is what the files must say.
    const expected = new Map<string, Record<string, unknown>>();
    for (const table of new Set(events.map((e) => TABLE_BY_EVENT_TYPE[e.type]))) {
      for (const record of await bufferedRecords(table)) expected.set(String(record.event_id), record);
    }

    const flushed = await buffer().flush();
    expect(flushed.files.map((f) => f.table).sort()).toEqual([...new Set(events.map((e) => TABLE_BY_EVENT_TYPE[e.type]))].sort());
    const now = new Date();

    for (const file of flushed.files) {
      const match = KEY_PATTERN.exec(file.key);
      expect(match, file.key).not.toBeNull();
      expect(match?.[1]).toBe(file.table);
      // The hour partition is the UTC hour the sink wrote the file (as Pipelines does).
      expect(Number(match?.[2])).toBe(now.getUTCFullYear());
      const parquet = await readParquetObject(file.key);
      expect(parquet.codec).toEqual(["ZSTD"]);
      expect(parquet.numRows).toBe(file.rows);

      const type = EVENT_TYPES.find((t) => TABLE_BY_EVENT_TYPE[t] === file.table)!;
      for (const row of parquet.rows) {
        const record = expected.get(String(row.event_id));
        expect(record, `row ${String(row.event_id)} was never accepted`).toBeDefined();
        for (const column of lakeColumns(type)) {
          const stored = record?.[column.name];
          const value = row[column.name];
          if (stored === undefined || stored === null) {
            expect(value, column.name).toBeNull();
          } else if (column.kind === "timestamp") {
            expect(value, column.name).toBe(Date.parse(String(stored)));
          } else if (column.kind === "json") {
            expect(JSON.parse(String(value)), column.name).toEqual(stored);
          } else if (column.kind === "int64") {
            expect(Number(value), column.name).toBe(stored);
          } else {
            expect(value, column.name).toEqual(stored);
          }
        }
      }

      // The catalog read the same file: its rows equal the file's rows.
      const partition = file.key.split("/").slice(2, 6).join("/");
      const catalog = await catalogGet<{ files: { key: string; rows: number; bytes: number; min_timestamp: string }[] }>(
        `/catalog/files?table=${file.table}&partition=${encodeURIComponent(partition)}`,
      );
      const entry = catalog.body.files.find((f) => f.key === file.key);
      expect(entry).toMatchObject({ rows: parquet.numRows, bytes: file.bytes });
    }

    // Every sent event exactly once across all files (no duplicate deliveries switched on); nothing left buffered.
    const ids = events.map((e) => String(e.event_id));
    const seen = new Map<string, number>();
    for (const table of new Set(events.map((e) => TABLE_BY_EVENT_TYPE[e.type]))) {
      for (const [id, n] of countIds(await rowsOfTable(table), ids)) seen.set(id, (seen.get(id) ?? 0) + n);
    }
    expect([...seen.values()].every((n) => n === 1), JSON.stringify([...seen])).toBe(true);
    expect(await buffer().stats()).toEqual([]);
  });

  it("a flush with nothing buffered writes nothing; a resend after a flush lands again (at least once)", async () => {
    const event = makeEvent("usage");
    await ingest([event]);
    expect((await buffer().flush()).files).toHaveLength(1);
    expect((await buffer().flush()).files).toEqual([]);
    await ingest([event]);
    expect((await buffer().flush()).files).toHaveLength(1);
    expect(countIds(await rowsOfTable("usage_events"), [String(event.event_id)]).get(String(event.event_id))).toBe(2);
    expect(await buffer().stats()).toEqual([]);
  });

  it("rolls a stream on time from the buffer's alarm, like Pipelines' roll interval", async () => {
    const event = makeEvent("user_action");
    await ingest([event]);
    const stub = buffer();
    // Shorten this instance's interval so the buffered row is already due (the default is 300 s),
    // and restore it afterwards so the other tests' rows wait as usual.
    type Policy = { policy: { intervalMs: number; maxRowsPerFile: number } };
    const original = await runInDurableObject(stub, (instance: StreamBuffer) => {
      const saved = { ...(instance as unknown as Policy).policy };
      (instance as unknown as Policy).policy = { intervalMs: 0, maxRowsPerFile: 100_000 };
      return saved;
    });
    try {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    } finally {
      await runInDurableObject(stub, (instance: StreamBuffer) => {
        (instance as unknown as Policy).policy = original;
      });
    }
    expect(await stub.stats()).toEqual([]);
    const rows = await rowsOfTable("user_actions");
    expect(countIds(rows, [String(event.event_id)]).get(String(event.event_id))).toBe(1);
  });
});

type Step = "write" | "register" | "commit" | "none";

/**
 * A writer whose chosen step fails the way a crash would: before the object is written, after it
 * is written but before it is registered, or after registration but before the rows are forgotten.
 */
function crashingWriter(state: DurableObjectState, failAt: Step): LakeFileWriter {
  const catalog = catalogRpc(env.CATALOG);
  const objects: LakeObjectWriter = {
    async put(key, bytes) {
      if (failAt === "write") throw new Error("crash before the object is written");
      await env.SOURCE_BUCKET.put(key, bytes);
    },
  };
  const registry: LakeFileRegistry = {
    async registerFile(bucket, key) {
      if (failAt === "register") throw new Error("crash after the write, before registration");
      await catalog.registerFile(bucket, key);
      if (failAt === "commit") throw new Error("crash after registration, before the rows are forgotten");
    },
  };
  return new LakeFileWriter(
    { buffer: new StreamLakeBuffer(state.storage), objects, registry, encode: encodeLakeFile },
    { maxRowsPerFile: 100_000, now: () => new Date(), newFileId: () => crypto.randomUUID() },
  );
}

describe("a roll reads its rows in pages", () => {
  it("writes every row of a file larger than an extraction page once, while appends go on beside it", async () => {
    // 4,500 rows: three extraction pages of 2,000. A batch accepted while the flush runs lands in
    // this flush's next file or stays buffered for the next one, never twice and never lost.
    const first = Array.from({ length: 4_500 }, () => makeEvent("user_action"));
    for (let i = 0; i < first.length; i += 500) await ingest(first.slice(i, i + 500));
    const during = Array.from({ length: 300 }, () => makeEvent("user_action"));
    const [flushed] = await Promise.all([buffer().flush(), ingest(during)]);
    expect(flushed.files.some((file) => file.table === "user_actions" && file.rows >= 4_500)).toBe(true);
    await buffer().flush();
    expect(await buffer().stats()).toEqual([]);
    const ids = [...first, ...during].map((e) => String(e.event_id));
    const counts = countIds(await rowsOfTable("user_actions"), ids);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  });
});

describe("a crash at any step of a file write loses nothing and doubles nothing", () => {
  for (const failAt of ["write", "register", "commit"] as const) {
    it(`recovers from a crash at step "${failAt}"`, async () => {
      const events = Array.from({ length: 25 }, (_, i) => makeEvent("video_event", { position: i }));
      await ingest(events);
      const ids = events.map((e) => String(e.event_id));
      const stub = buffer();

      const planned = await runInDurableObject(stub, async (_instance: StreamBuffer, state) => {
        // No roll of the buffer's own may finish the file before this test does.
        await state.storage.deleteAlarm();
        await expect(crashingWriter(state, failAt).writeTables(["video_events"])).rejects.toThrow(/crash/);
        return new StreamLakeBuffer(state.storage).plannedFiles();
      });
      // The plan survived the crash, and the rows are still buffered.
      expect(planned).toHaveLength(1);
      expect(planned[0]?.rows).toBe(25);
      expect((await stub.stats()).find((s) => s.stream === "video_events")?.rows).toBe(25);
      const objectExists = (await env.SOURCE_BUCKET.head(planned[0]!.key)) !== null;
      expect(objectExists).toBe(failAt !== "write");

      // A fresh instance (as after a restart) finishes the planned file: same key, rows once.
      const recovered = await stub.flush();
      expect(recovered.files.map((f) => f.key)).toContain(planned[0]?.key);
      const counts = countIds(await rowsOfTable("video_events"), ids);
      expect([...counts.values()]).toEqual(ids.map(() => 1));
      await runInDurableObject(stub, (_instance: StreamBuffer, state) => {
        expect(new StreamLakeBuffer(state.storage).plannedFiles()).toEqual([]);
      });
      expect(await stub.stats()).toEqual([]);

      const partition = planned[0]!.key.split("/").slice(2, 6).join("/");
      const catalog = await catalogGet<{ files: { key: string; rows: number }[] }>(`/catalog/files?table=video_events&partition=${encodeURIComponent(partition)}`);
      expect(catalog.body.files.filter((f) => f.key === planned[0]?.key)).toEqual([expect.objectContaining({ rows: 25 })]);
    });
  }
});

describe("a commit moves a watermark; the written rows are purged afterwards, in pages", () => {
  it("rows of a committed file are never written again, even when a crash came before their purge", async () => {
    const events = Array.from({ length: 4_100 }, (_, i) => makeEvent("api_request", { status_code: 200 + (i % 3) }));
    for (let i = 0; i < events.length; i += 500) await ingest(events.slice(i, i + 500));
    const ids = events.map((e) => String(e.event_id));
    const stub = buffer();
    const physicalRows = () =>
      runInDurableObject(stub, (_instance: StreamBuffer, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM buffered_events WHERE event_table = 'api_requests'").one().n,
      );

    // The writer commits (watermark) but the buffer never gets to purge: a crash right after.
    const written = await runInDurableObject(stub, async (_instance: StreamBuffer, state) => {
      await state.storage.deleteAlarm();
      return crashingWriter(state, "none").writeTables(["api_requests"]);
    });
    expect(written.map((f) => f.rows)).toEqual([4_100]);
    expect(await physicalRows()).toBe(4_100);
    // Hidden already: nothing counts as buffered.
    expect((await stub.stats()).find((s) => s.stream === "api_requests")).toBeUndefined();

    // The next flush writes nothing of that table again and purges the rows (three pages).
    const flushed = await stub.flush();
    expect(flushed.files.filter((f) => f.table === "api_requests")).toEqual([]);
    expect(await physicalRows()).toBe(0);
    const counts = countIds(await rowsOfTable("api_requests"), ids);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  });

  it("the size trigger counts only unwritten rows, up to a file's worth", async () => {
    const events = Array.from({ length: 6 }, () => makeEvent("usage"));
    await ingest(events);
    const stub = buffer();
    const full = await runInDurableObject(stub, async (_instance: StreamBuffer, state) => {
      await state.storage.deleteAlarm();
      const buffer = new StreamLakeBuffer(state.storage);
      const before = [6, 7].map((rows) => buffer.holdsFullFile(rows));
      // Committed rows stay in buffered_events until the purge; the watermark hides them.
      await crashingWriter(state, "none").writeTables(["usage_events"]);
      const physical = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM buffered_events WHERE event_table = 'usage_events'").one().n;
      return { before, physical, after: buffer.holdsFullFile(1) };
    });
    expect(full).toEqual({ before: [true, false], physical: 6, after: false });
    await stub.flush();
  });

  it("refuses to commit a file before an older planned file of the same table", async () => {
    const events = Array.from({ length: 4 }, () => makeEvent("custom"));
    await ingest(events);
    const stub = buffer();
    const refusal = await runInDurableObject(stub, async (_instance: StreamBuffer, state) => {
      await state.storage.deleteAlarm();
      const buffer = new StreamLakeBuffer(state.storage);
      const older = buffer.planFile("custom_events", 2, rawObjectKey("custom_events", new Date(), crypto.randomUUID()));
      const newer = buffer.planFile("custom_events", 2, rawObjectKey("custom_events", new Date(), crypto.randomUUID()));
      if (!older || !newer) throw new Error("expected two plans");
      try {
        buffer.commitFile(newer);
        return "";
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    });
    expect(refusal).toMatch(/would commit before an older planned file of custom_events/);
    // The refused commit changed nothing: a flush finishes both plans, oldest first, rows once.
    const flushed = await stub.flush();
    expect(flushed.files.filter((f) => f.table === "custom_events").map((f) => f.rows)).toEqual([2, 2]);
    const counts = countIds(await rowsOfTable("custom_events"), events.map((e) => String(e.event_id)));
    expect([...counts.values()]).toEqual([1, 1, 1, 1]);
  });
});

describe("a failed roll backs off", () => {
  it("waits before rolling again, even while appends keep a table over its size, and loses nothing", async () => {
    const stub = buffer();
    type Internals = { policy: { intervalMs: number; maxRowsPerFile: number }; env: Env };
    const saved = await runInDurableObject(stub, (instance: StreamBuffer) => {
      const internals = instance as unknown as Internals;
      const original = { policy: internals.policy, env: internals.env };
      // Every stream is over size at once, and the catalog is away. (Earlier tests deleted the
      // alarm behind the instance's back: forget its cached alarm time.)
      (instance as unknown as { alarmAtMs: number | undefined }).alarmAtMs = undefined;
      internals.policy = { intervalMs: 300_000, maxRowsPerFile: 1 };
      const unavailable = { registerFile: () => Promise.reject(new Error("catalog unavailable")) } satisfies Pick<CatalogRpc, "registerFile">;
      // A fake in place of the service binding, which Env types as a Fetcher (wrangler types).
      internals.env = { ...internals.env, CATALOG: unavailable as unknown as Env["CATALOG"] };
      return original;
    });
    try {
      const first = makeEvent("custom");
      await ingest([first]);
      // The size trigger sets the alarm for now; the roll fails at the catalog and backs off.
      let blockedUntil = 0;
      for (let i = 0; i < 50 && blockedUntil === 0; i++) {
        await new Promise((done) => setTimeout(done, 20));
        blockedUntil = await runInDurableObject(stub, (instance: StreamBuffer) => (instance as unknown as { writeBlockedUntilMs: number }).writeBlockedUntilMs);
      }
      expect(blockedUntil).toBeGreaterThan(Date.now() + 20_000);
      const before = Date.now();
      await ingest([makeEvent("custom")]); // over size again: must not re-arm at once
      const alarm = await runInDurableObject(stub, (_instance: StreamBuffer, state) => state.storage.getAlarm());
      expect(alarm).not.toBeNull();
      expect(alarm! - before).toBeGreaterThan(20_000);
      expect((await stub.stats()).find((s) => s.stream === "custom_events")?.rows).toBeGreaterThanOrEqual(2);
    } finally {
      await runInDurableObject(stub, (instance: StreamBuffer) => {
        Object.assign(instance as unknown as Internals, saved, { writeBlockedUntilMs: 0 });
      });
    }
    // With the catalog back, a flush writes everything that waited.
    await stub.flush();
    expect(await stub.stats()).toEqual([]);
  });
});
