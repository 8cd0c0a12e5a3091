/**
 * At least once into the lake, exactly once where it is read, on the real local stack: duplicate
 * deliveries injected by the Pipelines stand-in (the same hour's partition, and the next hour's)
 * and a client's resend all land in the raw files; parity's landed counts every copy and its
 * distinct count each event once; after compaction each event_id is in the lake once, and parity
 * still adds up.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { copiesById, rawFiles } from "./support/raw-files.ts";

const origin = inject("stackOrigin");
const ADMIN = { "x-api-key": "local-admin-key" };
const TABLE = "custom_events";

type ParityRow = { table: string; hour: string; accepted: number; landed: number; distinct: number | null; status: string };

function customEvents(count: number, name: string): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ type: "custom", event_id: randomUUID(), session_id: `alo-${i % 3}`, name }));
}

async function send(events: Record<string, unknown>[]): Promise<unknown> {
  const response = await fetch(`${origin}/events`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "local-dev-key" }, body: JSON.stringify({ events }) });
  expect(response.status).toBe(202);
  return response.json();
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, { method, headers: { ...ADMIN, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function duplicateDeliveries(copies: number, partitionOffsetHours: number): Promise<void> {
  const response = await admin("PUT", "/admin/pipelines/duplicates", { copies, partition_offset_hours: partitionOffsetHours });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function parityRow(hour: string): Promise<ParityRow | undefined> {
  const response = await admin("GET", `/catalog/parity?table=${TABLE}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { parity: ParityRow[] }).parity.find((row) => row.hour === hour);
}

/** Waits until the accepted counts (batched, then reported by the project's counter) reach `accepted`. */
async function parityReaching(hour: string, accepted: number): Promise<ParityRow> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = await parityRow(hour);
    if ((row && row.accepted >= accepted) || Date.now() > deadline) {
      expect(row, `parity of ${TABLE} ${hour}`).toBeDefined();
      return row!;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/** Distinct events per hour of receipt, each in its first copy's hour: the same rule as parity's, computed here from the files. */
function distinctInHour(files: Awaited<ReturnType<typeof rawFiles>>, hour: string): number {
  const hoursById = new Map<string, Set<string>>();
  for (const file of files) {
    for (const row of file.rows) {
      const id = String(row.event_id);
      if (!hoursById.has(id)) hoursById.set(id, new Set());
      hoursById.get(id)?.add(hourOf(Number(row.received_at)));
    }
  }
  const previous = hourOf(Date.parse(`${hour}:00:00Z`) - 3_600_000);
  return [...hoursById.values()].filter((hours) => hours.has(hour) && !hours.has(previous)).length;
}

afterAll(async () => {
  await admin("DELETE", "/admin/pipelines/duplicates");
});

describe("duplicates land in raw files, are counted once, and are gone after compaction", () => {
  it("a stand-in redelivery (same hour and next hour) and a client resend", async () => {
    const resent = customEvents(20, "at-least-once-resent");
    const nextHour = customEvents(10, "at-least-once-next-hour");

    // 1. Every file the sink writes is delivered twice, in the same partition; the client sends
    //    its batch twice (a retry after a lost answer): each send is accepted.
    await duplicateDeliveries(1, 0);
    expect(await send(resent)).toEqual({ accepted: 20, duplicates: 0, rejected: [] });
    expect(await send(resent)).toEqual({ accepted: 20, duplicates: 0, rejected: [] });
    const firstFlush = (await (await admin("POST", "/admin/flush")).json()) as { files: { table: string; duplicate_of?: string }[] };
    expect(firstFlush.files.some((f) => f.table === TABLE && f.duplicate_of)).toBe(true);

    // 2. A redelivery that lands in the next hour's partition (a sink retrying across the hour).
    await duplicateDeliveries(1, 1);
    expect(await send(nextHour)).toEqual({ accepted: 10, duplicates: 0, rejected: [] });
    await admin("POST", "/admin/flush");
    expect((await admin("DELETE", "/admin/pipelines/duplicates")).status).toBe(200);

    // Raw files: at least once. Each resent event 2 sends x 2 deliveries; each next-hour event
    // twice, once in a later partition than the other.
    const before = await rawFiles(origin, TABLE);
    const copies = copiesById(before);
    for (const event of resent) expect(copies.get(String(event.event_id)), "resent").toBe(4);
    for (const event of nextHour) expect(copies.get(String(event.event_id)), "next hour").toBe(2);
    const partitionsOf = (id: unknown) => before.filter((f) => f.rows.some((r) => r.event_id === id)).map((f) => f.partition);
    const [firstPartition, secondPartition] = [...new Set(partitionsOf(nextHour[0]?.event_id))].sort();
    expect(secondPartition).toBeDefined();
    expect(secondPartition! > firstPartition!).toBe(true);

    // Parity: landed counts every copy, distinct each event once (as computed from the files here).
    const receivedHours = new Set(before.flatMap((f) => f.rows.filter((r) => String(r.name).startsWith("at-least-once")).map((r) => hourOf(Number(r.received_at)))));
    for (const hour of receivedHours) {
      // Our 50 accepted sends, once their counts are reported (unless the hour turned meanwhile).
      const row = await parityReaching(hour, receivedHours.size === 1 ? 50 : 1);
      expect(row.status, JSON.stringify(row)).toBe("ok");
      expect(row.landed).toBeGreaterThanOrEqual(row.accepted);
      expect(row.distinct).toBe(distinctInHour(before, hour));
    }
    const ours = [...receivedHours].length === 1 ? await parityRow([...receivedHours][0]!) : undefined;
    if (ours) {
      // 20 resent events x 3 extra copies, 10 next-hour events x 1: never in the distinct count.
      expect(ours.landed - (ours.distinct ?? 0)).toBeGreaterThanOrEqual(70);
      expect(ours.accepted).toBeGreaterThanOrEqual(50);
    }

    // 3. Compaction of every partition that holds our rows, oldest first: each partition is
    //    deduplicated, and a partition drops what the hour before it already holds (look-back).
    const partitions = [...new Set(before.filter((f) => f.rows.some((r) => String(r.name).startsWith("at-least-once"))).map((f) => f.partition))].sort();
    for (const partition of partitions) {
      const response = await admin("POST", "/compact", { table: TABLE, partition });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const after = await rawFiles(origin, TABLE);
    const compacted = copiesById(after.filter((f) => partitions.includes(f.partition)));
    for (const event of [...resent, ...nextHour]) expect(compacted.get(String(event.event_id)), String(event.name)).toBe(1);

    // Parity after compaction: the dropped copies still count as landed; distinct is unchanged.
    for (const hour of receivedHours) {
      const row = await parityRow(hour);
      expect(row?.status).toBe("ok");
      expect(row?.landed).toBeGreaterThanOrEqual(row?.accepted ?? Number.POSITIVE_INFINITY);
      expect(row?.distinct).toBe(distinctInHour(after, hour));
      expect(row?.distinct).toBe(distinctInHour(before, hour));
    }
  });
});
