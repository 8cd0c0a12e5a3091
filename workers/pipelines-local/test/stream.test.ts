import { SELF } from "cloudflare:test";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { acceptedRecords, buffer, bufferedRecords, countIds, rowsOfTable, stream } from "./helpers.ts";

const ADMIN = { "x-api-key": "local-admin-key" };

describe("PipelineStream.send: the Pipelines binding's method", () => {
  it("is durable when it resolves: the records are in the stream's buffer, unchanged", async () => {
    const records = acceptedRecords([makeEvent("page_view"), makeEvent("page_view")]);
    await stream("page_views").send(records as unknown as Record<string, unknown>[]);
    const held = await bufferedRecords("page_views");
    for (const record of records) expect(held.find((r) => r.event_id === record.event_id)).toEqual(JSON.parse(JSON.stringify(record)));
  });

  it("refuses what Pipelines refuses: an unknown stream, records that are not objects, a request over 1 MB", async () => {
    await expect(stream("clicks").send([{ a: 1 }])).rejects.toThrow(/no stream "clicks"/);
    await expect(stream("page_views").send([1, "x"] as unknown as Record<string, unknown>[])).rejects.toThrow(/array of JSON objects/);
    const big = Array.from({ length: 3 }, () => ({ text: "é".repeat(200_000) }));
    await expect(stream("custom_events").send(big)).rejects.toThrow(/at most 1048576 bytes/);
  });

  it("takes an empty send without writing", async () => {
    await expect(stream("usage_events").send([])).resolves.toBeUndefined();
  });
});

describe("HTTP: POST /admin/flush and the test-only duplicate deliveries", () => {
  it("needs the admin key", async () => {
    expect((await SELF.fetch("https://pipelines.local/admin/flush", { method: "POST" })).status).toBe(401);
    expect((await SELF.fetch("https://pipelines.local/admin/flush", { method: "POST", headers: { "x-api-key": "local-dev-key" } })).status).toBe(403);
    expect((await SELF.fetch("https://pipelines.local/admin/pipelines/duplicates", { method: "PUT", body: "{}" })).status).toBe(401);
    expect((await SELF.fetch("https://pipelines.local/health")).status).toBe(200);
  });

  it("flushes every buffered record and says what it wrote", async () => {
    const records = acceptedRecords([makeEvent("custom"), makeEvent("custom"), makeEvent("api_request")]);
    await stream("custom_events").send(records.slice(0, 2) as unknown as Record<string, unknown>[]);
    await stream("api_requests").send(records.slice(2) as unknown as Record<string, unknown>[]);
    const response = await SELF.fetch("https://pipelines.local/admin/flush", { method: "POST", headers: ADMIN });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { files: { table: string; key: string; rows: number }[]; rows: number };
    expect(body.files.map((f) => f.table).sort()).toEqual(expect.arrayContaining(["api_requests", "custom_events"]));
    expect(body.rows).toBeGreaterThanOrEqual(3);
    const state = (await (await SELF.fetch("https://pipelines.local/admin/pipelines/buffer", { headers: ADMIN })).json()) as { streams: unknown[] };
    expect(state.streams).toEqual([]);
  });

  it("delivers every file again when switched on, in the same or the next hour's partition, until switched off", async () => {
    const put = (body: unknown) => SELF.fetch("https://pipelines.local/admin/pipelines/duplicates", { method: "PUT", headers: ADMIN, body: JSON.stringify(body) });
    expect((await put({ copies: 9 })).status).toBe(400);
    expect((await put({ copies: "one" })).status).toBe(400);
    try {
      expect(await (await put({ copies: 1, partition_offset_hours: 1 })).json()).toEqual({ copies: 1, partitionOffsetHours: 1 });
      const records = acceptedRecords([makeEvent("video_event"), makeEvent("video_event")]);
      await stream("video_events").send(records as unknown as Record<string, unknown>[]);
      const flushed = (await (await SELF.fetch("https://pipelines.local/admin/flush", { method: "POST", headers: ADMIN })).json()) as {
        files: { table: string; key: string; rows: number; duplicate_of?: string }[];
      };
      const original = flushed.files.find((f) => f.table === "video_events" && !f.duplicate_of);
      const copy = flushed.files.find((f) => f.duplicate_of === original?.key);
      expect(copy?.rows).toBe(original?.rows);
      const hourOf = (key: string | undefined) => Number(/hour=(\d\d)/.exec(key ?? "")?.[1]);
      expect((hourOf(copy?.key) - hourOf(original?.key) + 24) % 24).toBe(1);
      const ids = records.map((r) => r.event_id);
      expect([...countIds(await rowsOfTable("video_events"), ids).values()]).toEqual([2, 2]);
    } finally {
      expect((await SELF.fetch("https://pipelines.local/admin/pipelines/duplicates", { method: "DELETE", headers: ADMIN })).status).toBe(200);
    }
    const records = acceptedRecords([makeEvent("video_event")]);
    await stream("video_events").send(records as unknown as Record<string, unknown>[]);
    await buffer().flush();
    expect(countIds(await rowsOfTable("video_events"), [records[0]!.event_id]).get(records[0]!.event_id)).toBe(1);
  });
});

describe("StreamBuffer.appendBatch", () => {
  it("answers the records it took, across streams", async () => {
    const batch = JSON.stringify([
      { stream: "page_views", records: acceptedRecords([makeEvent("page_view"), makeEvent("page_view")]) },
      { stream: "custom_events", records: acceptedRecords([makeEvent("custom")]) },
    ]);
    expect(await buffer().appendBatch(batch)).toBe(3);
    expect((await buffer().flush()).files.reduce((sum, f) => sum + f.rows, 0)).toBeGreaterThanOrEqual(3);
  });
});
