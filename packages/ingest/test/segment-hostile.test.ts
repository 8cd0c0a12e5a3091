/**
 * Segment requests tests/fuzz.test.ts found answered with a 500: a message nested so deep that
 * JSON.stringify throws reached the dead-letter record unguarded.
 */
import { describe, expect, it } from "vitest";
import type { IngestDependencies } from "../src/ingest-events.ts";
import { DEFAULT_LIMITS } from "../src/limits.ts";
import { ingestSegmentMessages, segmentMessages } from "../src/segment/ingest-segment.ts";
import { RecordingCountSink, RecordingDeadLetterSink, RecordingHotWriter, RecordingLakeSink } from "./fakes.ts";

const deep = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);

describe("ingestSegmentMessages with messages JSON.stringify cannot write", () => {
  it.each([
    ["an unknown call", { type: "nope", anonymousId: "a", context: deep(200_000) }],
    ["a known call (over the size it cannot measure)", { type: "track", event: "x", anonymousId: "a", context: deep(200_000) }],
  ])("%s: rejected with its index, kept as a dead letter with a placeholder, the others accepted", async (_name, hostile) => {
    const deadLetters = new RecordingDeadLetterSink();
    const lake = new RecordingLakeSink();
    const deps: IngestDependencies = { lake, counts: new RecordingCountSink(), hot: new RecordingHotWriter(), deadLetters, limits: DEFAULT_LIMITS };
    const body = { batch: [{ type: "track", event: "Fine", anonymousId: "a1" }, hostile] };
    const result = await ingestSegmentMessages(segmentMessages("batch", body, 500), { keyProjectId: "acme", receivedAt: new Date("2026-12-05T12:00:00Z") }, deps);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((rejection) => rejection.index)).toEqual([1]);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]?.raw).toBe("(unserializable)");
  });
});

describe("ingestSegmentMessages dead letters", () => {
  it("keep a rejected message without its writeKey: a credential is never stored", async () => {
    const deadLetters = new RecordingDeadLetterSink();
    const deps: IngestDependencies = { lake: new RecordingLakeSink(), counts: new RecordingCountSink(), hot: new RecordingHotWriter(), deadLetters, limits: DEFAULT_LIMITS };
    const body = { writeKey: "sk_live_secret", type: "track", anonymousId: "a1" };
    const result = await ingestSegmentMessages(segmentMessages("track", body, 500), { keyProjectId: "acme", receivedAt: new Date("2026-12-05T12:00:00Z") }, deps);
    expect(result.rejected).toHaveLength(1);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]?.raw).not.toContain("sk_live_secret");
    expect(JSON.parse(deadLetters.letters[0]?.raw ?? "{}")).toEqual({ type: "track", anonymousId: "a1" });
  });
});
