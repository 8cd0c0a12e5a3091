/**
 * Cross-Worker tests against the real local stack (tests/global-setup.ts): one origin dispatching
 * by path to the four Workers, the stack's health check, ingestion over HTTP with a key, and a
 * user's own Worker (examples/producer-worker) ingesting through a service binding by fetch and RPC.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { describe, expect, inject, it } from "vitest";

const stackOrigin = inject("stackOrigin");
const producerOrigin = inject("producerOrigin");

const WORKERS = ["analytics-ingestion", "analytics-api", "analytics-catalog", "analytics-compaction"] as const;

interface ErrorBody {
  error: { status: number; message: string };
}

interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: unknown[];
}

function pageView(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "page_view",
    event_id: randomUUID(),
    timestamp: new Date().toISOString(),
    session_id: `e2e-${randomUUID()}`,
    page_url: "https://shop.example.com/pricing",
    page_title: "Pricing",
    ...overrides,
  };
}

/** POST with a chosen Host header (fetch may not set Host), resolving with status and body. */
function postWithHost(url: string, host: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method: "POST", headers: { host, "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end(JSON.stringify(body));
  });
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

describe("one origin", () => {
  it("GET /health answers 200 and names all four Workers as ok", async () => {
    const response = await fetch(`${stackOrigin}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; workers: Record<string, { status: string }> };
    expect(body.status).toBe("ok");
    expect(Object.keys(body.workers).sort()).toEqual([...WORKERS].sort());
    for (const worker of WORKERS) expect(body.workers[worker]?.status, worker).toBe("ok");
  });

  // Paths these Workers do not serve answer a 404 that names the Worker that answered, which
  // proves the router sent the request there with its path intact (with the admin key, which
  // the catalog and compaction check before routing).
  it.each([
    ["GET", "/catalog/x", "analytics-catalog"],
    ["GET", "/compact/nothing", "analytics-compaction"],
    ["GET", "/assets/app.js", "analytics-api"],
  ])("%s %s reaches %s", async (method, path, worker) => {
    const response = await fetch(`${stackOrigin}${path}`, { method, headers: { "x-api-key": "local-admin-key" } });
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.status).toBe(404);
    expect(body.error.message).toContain(worker);
    expect(body.error.message).toContain(path);
  });

  it("answers a path no Worker serves with the router's JSON 404", async () => {
    const response = await fetch(`${stackOrigin}/no-such-path`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatchObject({ status: 404 });
    expect(body.error.message).toContain("analytics-local");
  });
});

describe("ingestion over HTTP", () => {
  it("POST /events with the project key accepts a valid page_view (202)", async () => {
    const response = await postJson(`${stackOrigin}/events`, pageView(), { "x-api-key": "local-dev-key" });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it("POST /events without a key answers 401 in the JSON error shape", async () => {
    const response = await postJson(`${stackOrigin}/events`, pageView());
    expect(response.status).toBe(401);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.status).toBe(401);
  });

  // Host `internal` is how ingestion recognises a service-binding call (no key needed); a client
  // of the public origin must not be able to claim it.
  it("refuses Host: internal on the origin instead of skipping the key", async () => {
    const answer = await postWithHost(`${stackOrigin}/events`, "internal", pageView({ project_id: "local" }));
    expect(answer.status).toBe(404);
    expect((JSON.parse(answer.body) as ErrorBody).error.message).toContain("analytics-local");
  });
});

describe("a user's Worker through a service binding (examples/producer-worker)", () => {
  it("ingests via fetch to https://internal/events", async () => {
    const response = await postJson(`${producerOrigin}/via-fetch`, pageView({ project_id: "local" }));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it("ingests via RPC; the same event_id sent again is accepted again (at least once: readers count it once)", async () => {
    const event = pageView({ project_id: "local" });
    const first = await postJson(`${producerOrigin}/via-rpc`, event);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    const again = await postJson(`${producerOrigin}/via-rpc`, { events: [event] });
    expect(again.status).toBe(200);
    const result = (await again.json()) as IngestResult;
    expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    // Twice in one batch: dropped at once.
    const twice = await postJson(`${producerOrigin}/via-rpc`, { events: [event, event] });
    expect(await twice.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });
});
