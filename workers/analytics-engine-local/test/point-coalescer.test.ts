import { describe, expect, it } from "vitest";
import { PointCoalescer } from "../src/point-coalescer.ts";

describe("PointCoalescer: fire-and-forget writes, one recorder call per turn", () => {
  it("records the points of concurrent writes in one call, and settled() waits for it", async () => {
    const recorded: string[] = [];
    const coalescer = new PointCoalescer(async (pointsJson) => void recorded.push(pointsJson));
    expect(coalescer.add('[{"i":1}]')).toBeDefined();
    expect(coalescer.add('[{"i":2},{"i":3}]')).toBeUndefined();
    expect(recorded).toEqual([]);
    await coalescer.settled();
    expect(recorded).toEqual(['[{"i":1},{"i":2},{"i":3}]']);
    expect(coalescer.add("[]")).toBeDefined();
    await coalescer.settled();
    expect(recorded).toHaveLength(1);
  });
});
