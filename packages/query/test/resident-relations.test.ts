import { describe, expect, it } from "vitest";
import { type DroppableRelation, residentRelations } from "../src/resident-relations.ts";
import type { PlannedFile } from "../src/plan.ts";

const file = (key: string): PlannedFile => ({ key, rows: 10, bytes: 100, min_timestamp: null, max_timestamp: null, tier: "raw" });
const request = (overrides: Partial<Parameters<ReturnType<typeof residentRelations>["load"]>[0]> = {}) => ({
  type: "page_view" as const,
  files: [file("a"), file("b")],
  columns: ["event_id", "page_url"],
  projectId: "p",
  fromMs: 0,
  toMs: 1000,
  ...overrides,
});

function harness(keep = 1) {
  const log: string[] = [];
  let n = 0;
  const loader = residentRelations(async (r) => {
    const name = `raw_${++n}`;
    log.push(`load ${name} ${r.files.map((f) => f.key).join(",")}`);
    const relation: DroppableRelation = { name, stats: { rows: 20, rowGroupsRead: 2, rowGroupsSkipped: 1, bytesRead: 200 }, drop: async () => void log.push(`drop ${name}`) };
    return relation;
  }, { keep });
  return { loader, log };
}

describe("residentRelations", () => {
  it("reuses the relation for the same data, reading nothing again", async () => {
    const { loader, log } = harness();
    const first = await loader.load(request());
    await first.release();
    const second = await loader.load(request({ columns: ["page_url", "event_id"], files: [file("b"), file("a")] }));
    expect(second.name).toBe(first.name);
    expect(second.stats).toEqual({ rows: 20, rowGroupsRead: 0, rowGroupsSkipped: 0, bytesRead: 0 });
    expect(log).toEqual(["load raw_1 a,b"]);
  });

  it("drops idle relations before loading other data, so the heap is reused", async () => {
    const { loader, log } = harness();
    await (await loader.load(request())).release();
    await (await loader.load(request({ projectId: "q" }))).release();
    expect(log).toEqual(["load raw_1 a,b", "drop raw_1", "load raw_2 a,b"]);
  });

  it("never drops a relation in use; it goes when its last user releases it", async () => {
    const { loader, log } = harness();
    const inUse = await loader.load(request());
    const other = await loader.load(request({ toMs: 2000 }));
    expect(log).toEqual(["load raw_1 a,b", "load raw_2 a,b"]);
    await other.release();
    const third = await loader.load(request({ toMs: 3000 }));
    expect(log).toEqual(["load raw_1 a,b", "load raw_2 a,b", "drop raw_2", "load raw_3 a,b"]);
    await inUse.release();
    await inUse.release();
    await third.release();
    expect(log.filter((l) => l.startsWith("drop"))).toEqual(["drop raw_2"]);
    // raw_1 is idle now and goes before the next new data.
    await (await loader.load(request({ toMs: 4000 }))).release();
    expect(log.slice(-3)).toEqual(["drop raw_1", "drop raw_3", "load raw_4 a,b"]);
  });
});
