/**
 * The design's field name for an event's type, `event_type`, over HTTP and through a service
 * binding's fetch, as its integration guide sends it: accepted, stored as `type`.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bufferedById, ingest } from "./helpers.ts";

describe("event_type (the design's name for type)", () => {
  it("is accepted over HTTP in a batch and lands with type", async () => {
    const id = crypto.randomUUID();
    const result = await ingest({ events: [{ event_type: "page_view", event_id: id, timestamp: new Date().toISOString(), session_id: "s-design", page_url: "https://shop.example/" }] });
    expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [record] = await bufferedById("page_views", [id]);
    expect(record).toMatchObject({ type: "page_view", page_url: "https://shop.example/" });
    expect(record).not.toHaveProperty("event_type");
    expect(record?.properties).toBeUndefined();
  });

  it("is accepted through a service binding's fetch", async () => {
    const id = crypto.randomUUID();
    const response = await env.PRODUCER.fetch("https://producer/via-fetch", {
      method: "POST",
      body: JSON.stringify({ events: [{ event_type: "custom", event_id: id, project_id: "local", session_id: "s-design", name: "signup" }] }),
    });
    expect(response.status).toBe(202);
    expect(await bufferedById("custom_events", [id])).toHaveLength(1);
  });
});
