import { makeEvent } from "@edge-analytics/test-support";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bufferedById } from "./helpers.ts";

/** Calls the producer Worker (vitest.config.ts), which calls ingestion through its service binding. */
async function viaProducer(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await env.PRODUCER.fetch(`https://producer.example${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe("another Worker ingests through a service binding", () => {
  it("fetch('https://internal/events') needs no key and names project_id", async () => {
    const event = makeEvent("api_request", { project_id: "local" });
    const { status, json } = await viaProducer("/via-fetch", { events: [event] });
    expect(status).toBe(202);
    expect(json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await bufferedById("api_requests", [event.event_id as string])).toMatchObject([{ project_id: "local" }]);
  });

  it("RPC ingestEvent and ingestBatch answer the same result shape", async () => {
    const single = makeEvent("usage", { project_id: "other" });
    expect(await viaProducer("/via-rpc-event", single)).toEqual({ status: 200, json: { accepted: 1, duplicates: 0, rejected: [] } });

    const batch = [makeEvent("video_event", { project_id: "local" }), makeEvent("video_event", { project_id: "local", action: "fly" }), single];
    const { json } = await viaProducer("/via-rpc-batch", { events: batch });
    // `single` again: accepted again (at least once; readers count its event_id once).
    expect(json).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [{ index: 1, event_id: batch[1]?.event_id, errors: [expect.objectContaining({ path: "action" })] }],
    });
    expect(await bufferedById("usage_events", [single.event_id as string])).toMatchObject([{ project_id: "other" }, { project_id: "other" }]);
  });

  it("requires project_id when there is no key", async () => {
    const { project_id: _p, ...event } = makeEvent("page_view");
    const { json } = await viaProducer("/via-rpc-event", event);
    expect(json).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, errors: [{ path: "project_id", message: "required when sending through a service binding or RPC" }] }],
    });
  });
});
