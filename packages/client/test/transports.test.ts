import { describe, expect, it } from "vitest";
import { createClient, type IngestFetchBinding, type IngestRpcBinding, type OutgoingEvent, serviceBindingFetchTransport, serviceBindingRpcTransport } from "../src/index.ts";

const ok = (events: OutgoingEvent[]) => ({ accepted: events.length, duplicates: 0, rejected: [] });

describe("service-binding fetch", () => {
  it("posts { events } to https://internal/events with no key, events naming their project", async () => {
    const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
    const binding: IngestFetchBinding = {
      async fetch(url, init) {
        calls.push({ url, headers: init.headers, body: init.body });
        const { events } = JSON.parse(init.body) as { events: OutgoingEvent[] };
        return Response.json(ok(events), { status: 202 });
      },
    };
    const client = createClient({ transport: serviceBindingFetchTransport(binding), projectId: "local", sessionId: "s", flushIntervalMs: 0 });
    client.track("a");
    expect(await client.flush()).toMatchObject({ accepted: 1 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://internal/events");
    expect(Object.keys(calls[0]!.headers).map((h) => h.toLowerCase())).not.toContain("x-api-key");
    expect(JSON.parse(calls[0]!.body).events[0]).toMatchObject({ type: "custom", project_id: "local", name: "a" });
  });

  it("retries the 503 wrangler answers while the binding is not connected", async () => {
    let calls = 0;
    const binding: IngestFetchBinding = {
      async fetch(_url, init) {
        if (++calls === 1) return new Response("Service Unavailable", { status: 503 });
        return Response.json(ok((JSON.parse(init.body) as { events: OutgoingEvent[] }).events), { status: 202 });
      },
    };
    const client = createClient({ transport: serviceBindingFetchTransport(binding), projectId: "local", sessionId: "s", flushIntervalMs: 0, sleep: async () => {} });
    client.track("a");
    expect((await client.flush()).accepted).toBe(1);
    expect(calls).toBe(2);
  });
});

describe("service-binding RPC", () => {
  it("calls ingestBatch(events) and returns its result", async () => {
    const batches: OutgoingEvent[][] = [];
    const binding: IngestRpcBinding = {
      async ingestBatch(events) {
        batches.push(events);
        return { accepted: events.length - 1, duplicates: 1, rejected: [] };
      },
    };
    const client = createClient({ transport: serviceBindingRpcTransport(binding), projectId: "local", sessionId: "s", flushIntervalMs: 0 });
    client.track("a");
    client.track("b");
    expect(await client.flush()).toEqual({ accepted: 1, duplicates: 1, rejected: [], errors: [] });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.every((e) => e.project_id === "local")).toBe(true);
  });

  it("retries an error thrown across RPC, which carries no status", async () => {
    let calls = 0;
    const binding: IngestRpcBinding = {
      async ingestBatch(events) {
        if (++calls < 3) throw new Error("the event store is unavailable; retry");
        return ok(events);
      },
    };
    const client = createClient({ transport: serviceBindingRpcTransport(binding), projectId: "local", sessionId: "s", flushIntervalMs: 0, sleep: async () => {} });
    client.track("a");
    expect((await client.flush()).accepted).toBe(1);
    expect(calls).toBe(3);
  });

  it("does not retry an error that says it is a client error", async () => {
    let calls = 0;
    const binding: IngestRpcBinding = {
      async ingestBatch() {
        calls++;
        throw Object.assign(new Error("too many events"), { status: 413 });
      },
    };
    const statuses: (number | undefined)[] = [];
    const client = createClient({
      transport: serviceBindingRpcTransport(binding),
      projectId: "local",
      sessionId: "s",
      flushIntervalMs: 0,
      sleep: async () => {},
      onError: (error) => statuses.push(error.status),
    });
    client.track("a");
    await client.flush();
    expect(calls).toBe(1);
    expect(statuses).toEqual([413]);
  });
});
