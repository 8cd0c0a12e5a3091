/**
 * Key kinds on the ingestion Worker (vitest.config.ts gives the pool the local keys of README "Keys"):
 * publishable keys send, from allowed origins, also in `?key=` with a beacon's text/plain body;
 * read keys never send; secret keys never travel outside a header.
 */
import { makeEvent } from "@edge-analytics/test-support";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bufferedById, type ErrorBody, ORIGIN, postEvents } from "./helpers.ts";

/** A request as `navigator.sendBeacon` sends it: text/plain, key in the URL, the page's Origin. */
function beacon(body: unknown, key: string, origin: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "text/plain;charset=UTF-8" };
  if (origin) headers.origin = origin;
  return SELF.fetch(`${ORIGIN}/events?key=${encodeURIComponent(key)}`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<{ status: number; message: string }> {
  return { status: response.status, message: ((await response.json()) as ErrorBody).error.message };
}

describe("publishable keys", () => {
  it("send from an allowed origin, with the key in a header", async () => {
    const event = makeEvent("page_view");
    const response = await postEvents(event, { key: "local-pub-key", headers: { origin: "http://localhost:5173" } });
    expect(response.status).toBe(202);
    expect(await bufferedById("page_views", [String(event.event_id)])).toHaveLength(1);
  });

  it("send a beacon: key in ?key=, body as text/plain", async () => {
    const events = [makeEvent("page_view"), makeEvent("custom")];
    const response = await beacon({ events }, "local-pub-key", "http://127.0.0.1:8080");
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await bufferedById("custom_events", [String(events[1]?.event_id)])).toHaveLength(1);
  });

  it("are refused from an origin they do not allow, and nothing is written", async () => {
    const event = makeEvent("page_view");
    const response = await beacon({ events: [event] }, "local-pub-key", "http://evil.test:8080");
    expect(await errorOf(response)).toEqual({
      status: 403,
      message: "origin http://evil.test:8080 may not use this publishable key (allowed: http://localhost:*, http://127.0.0.1:*)",
    });
    // The page can read why: the refusal carries CORS headers too.
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await bufferedById("page_views", [String(event.event_id)])).toHaveLength(0);
  });

  it("from a server (no Origin header) still only send", async () => {
    expect((await postEvents(makeEvent("custom"), { key: "local-pub-key" })).status).toBe(202);
  });
});

describe("the per-client rate of a publishable key", () => {
  it("limits one client IP (120 a minute) without spending other clients' budget", async () => {
    const send = (ip: string) =>
      postEvents(makeEvent("custom"), { key: "ip-limit-pub-key", headers: { "cf-connecting-ip": ip } });
    let refused: Response | undefined;
    // Windows are aligned to the clock, so one may roll over mid-loop: allow two windows' worth.
    for (let i = 0; i < 300 && !refused; i++) {
      const response = await send("198.51.100.7");
      if (response.status === 429) refused = response;
      else expect(response.status).toBe(202);
    }
    expect(refused, "no 429 within 300 requests").toBeDefined();
    expect(refused?.headers.get("retry-after")).toBe("60");
    expect(((await refused?.json()) as ErrorBody).error.message).toBe("rate limit exceeded for this publishable key from this client");
    expect((await send("198.51.100.8")).status).toBe(202);
  });
});

describe("keys that may not send, or not that way", () => {
  it("a read key gets a 403 that says what it may do", async () => {
    expect(await errorOf(await postEvents(makeEvent("custom"), { key: "local-read-key" }))).toEqual({
      status: 403,
      message: "a read key may only query (POST /graphql, the dashboard); sending events needs a publishable or secret key",
    });
  });

  it("a secret key in the URL is refused (URLs are logged), even though it could send", async () => {
    const response = await beacon({ events: [makeEvent("custom")] }, "local-dev-key", undefined);
    const { status, message } = await errorOf(response);
    expect(status).toBe(403);
    expect(message).toContain("a secret key must travel in the X-API-Key (or Authorization) header");
    expect(message).not.toContain("local-dev-key");
  });

  it("a secret key keeps JSON's content type: text/plain is for beacons only", async () => {
    expect((await postEvents(makeEvent("custom"), { headers: { "content-type": "text/plain" } })).status).toBe(415);
  });

  it("an unknown key in the URL is a 401", async () => {
    expect((await beacon({ events: [makeEvent("custom")] }, `nope-${crypto.randomUUID()}`, undefined)).status).toBe(401);
  });
});

describe("GET /tracker.js", () => {
  it("serves the tracker with cache headers and an ETag that revalidates to 304", async () => {
    const response = await SELF.fetch(`${ORIGIN}/tracker.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("max-age=3600");
    const body = await response.text();
    expect(body).toContain("edgeAnalytics");
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await SELF.fetch(`${ORIGIN}/tracker.js`, { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
  });
});

// The local stack's router sends POST /admin/flush to the Pipelines stand-in, so the e2e route
// table (tests/key-kinds-routes.test.ts) cannot reach ingestion's own: it is checked here.
describe("ingestion's own POST /admin/flush", () => {
  it.each([
    [undefined, 401],
    ["local-dev-key", 403],
    ["local-read-key", 403],
    ["local-pub-key", 403],
    ["local-admin-key", 409],
  ] as const)("with %s → %i", async (key, status) => {
    const response = await SELF.fetch(`${ORIGIN}/admin/flush`, { method: "POST", headers: key ? { "x-api-key": key } : {} });
    const { message } = await errorOf(response);
    expect(response.status, message).toBe(status);
    if (status === 409) expect(message).toMatch(/Pipelines writes the lake's files on its own schedule/);
  });
});
