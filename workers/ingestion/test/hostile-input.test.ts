import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { bufferedById, ingest, postEvents } from "./helpers.ts";

describe("hostile JSON never crashes the Worker or reaches the lake", () => {
  it("rejects deeply nested values (and survives absurd nesting)", async () => {
    const depth = 200_000;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const event = makeEvent("custom");
    const raw = JSON.stringify({ events: [event, "__NESTED__"] }).replace('"__NESTED__"', `{"type":"custom","session_id":"s","name":"n","blob":${nested}}`);
    const response = await postEvents(null, { raw });
    expect(response.status).toBe(202);
    const result = (await response.json()) as { accepted: number; rejected: { index: number; errors: { path: string; message: string }[] }[] };
    expect(result.accepted).toBe(1);
    expect(result.rejected[0]?.index).toBe(1);
  });

  it("rejects __proto__ and constructor keys without polluting prototypes", async () => {
    const event = makeEvent("page_view");
    const raw = JSON.stringify(event).replace(/}$/, ',"__proto__":{"polluted":true},"constructor":"x"}');
    const result = await ingest(null, { raw });
    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["__proto__", "constructor"]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const inProperties = makeEvent("custom");
    const rawProps = JSON.stringify(inProperties).replace('"properties":{', '"properties":{"__proto__":"x",');
    const propsResult = await ingest(null, { raw: rawProps });
    expect(propsResult.rejected[0]?.errors[0]?.path).toBe("properties.__proto__");
    expect(await bufferedById("custom_events", [inProperties.event_id as string])).toHaveLength(0);
  });

  it("rejects huge strings by the event size limit", async () => {
    const event = makeEvent("page_view", { page_title: "t".repeat(100_000) });
    const result = await ingest(event);
    expect(result.rejected[0]?.errors[0]?.message).toMatch(/event is \d+ bytes; the limit is 32768/);
  });

  it("rejects over-long fields with their path", async () => {
    const event = makeEvent("page_view", { page_title: "t".repeat(600) });
    const result = await ingest(event);
    expect(result.rejected[0]?.errors[0]?.path).toBe("page_title");
  });

  it("rejects wrong types field by field", async () => {
    const event = makeEvent("video_event", { position: "10", duration: null, session_id: 7, timestamp: "yesterday" });
    const result = await ingest(event);
    expect(result.rejected[0]?.errors.map((e) => e.path).sort()).toEqual(["duration", "position", "session_id", "timestamp"]);
  });

  it("rejects too many properties", async () => {
    const properties = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    const result = await ingest(makeEvent("custom", { properties }));
    expect(result.rejected[0]?.errors[0]).toMatchObject({ path: "properties", message: "at most 50 properties" });
  });
});
