/**
 * Retries against a real HTTP server on 127.0.0.1: the client's fetch, headers, status handling
 * and `Retry-After` end to end, with the waits recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type DeliveryError, type EventRejection, httpTransport, type OutgoingEvent, parseRetryAfter, retryDelayMs, TransportError } from "../src/index.ts";

interface Received {
  at: number;
  apiKey: string | undefined;
  events: OutgoingEvent[];
}

type Answer = (events: OutgoingEvent[], res: ServerResponse) => void;

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A server that answers its n-th request with `answers[n]` (the last one repeats). */
async function ingestionServer(answers: Answer[]): Promise<{ baseUrl: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const { events } = JSON.parse(await readBody(req)) as { events: OutgoingEvent[] };
    const apiKey = req.headers["x-api-key"];
    received.push({ at: Date.now(), apiKey: typeof apiKey === "string" ? apiKey : undefined, events });
    const answer = answers[Math.min(received.length, answers.length) - 1];
    answer?.(events, res);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const accepted: Answer = (events, res) => json(res, 202, { accepted: events.length, duplicates: 0, rejected: [] });
const failWith =
  (status: number, message: string, headers: Record<string, string> = {}): Answer =>
  (_events, res) =>
    json(res, status, { error: { status, message } }, headers);

describe("retries against a real HTTP server", () => {
  it("honours Retry-After on 429, backs off on 503, and delivers the same events once", async () => {
    const { baseUrl, received } = await ingestionServer([failWith(429, "rate limit exceeded for this API key", { "retry-after": "1" }), failWith(503, "the event store is unavailable"), accepted]);
    const waits: number[] = [];
    const errors: DeliveryError[] = [];
    const client = createClient({
      transport: httpTransport({ baseUrl: `${baseUrl}/`, apiKey: "local-dev-key" }),
      sessionId: "s-retry",
      flushIntervalMs: 0,
      retry: { baseDelayMs: 100 },
      random: () => 0.5,
      sleep: (ms) => {
        waits.push(ms);
        return new Promise((done) => setTimeout(done, ms));
      },
      onError: (error) => errors.push(error),
    });
    const sent = [client.track("a"), client.usage({ organization_id: "org_1", sku: "api_calls", quantity: 1, unit: "count" })];

    const result = await client.flush();

    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [], errors: [] });
    expect(errors).toEqual([]);
    // 429: exactly the server's Retry-After; 503: full jitter under the second ceiling (2 · 100 ms).
    expect(waits).toEqual([1000, 100]);
    expect(received).toHaveLength(3);
    const [first, second] = received;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    // The very same events every time: ids and timestamps fixed at the call, so the server can deduplicate.
    for (const request of received) {
      expect(request.apiKey).toBe("local-dev-key");
      expect(request.events).toEqual(sent);
    }
  });

  it.each([
    [400, "body is not valid JSON"],
    [401, "unknown API key"],
    [413, "too many events"],
  ])("does not retry a %i, and reports its status and message through onError", async (status, message) => {
    const { baseUrl, received } = await ingestionServer([failWith(status, message), accepted]);
    const errors: DeliveryError[] = [];
    const waits: number[] = [];
    const client = createClient({
      transport: httpTransport({ baseUrl, apiKey: "bad-key" }),
      sessionId: "s",
      flushIntervalMs: 0,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onError: (error) => errors.push(error),
    });
    const event = client.track("x");
    const result = await client.flush();
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "DeliveryError", status, attempts: 1, events: [event] });
    expect(errors[0]!.message).toContain(message);
    expect(result.errors).toEqual(errors);
    expect(result.accepted).toBe(0);
  });

  it("gives up after maxAttempts and reports the last status", async () => {
    const { baseUrl, received } = await ingestionServer([failWith(503, "unavailable")]);
    const errors: DeliveryError[] = [];
    const client = createClient({
      transport: httpTransport({ baseUrl, apiKey: "k" }),
      sessionId: "s",
      flushIntervalMs: 0,
      retry: { maxAttempts: 3 },
      sleep: async () => {},
      onError: (error) => errors.push(error),
    });
    client.track("x");
    await client.flush();
    expect(received).toHaveLength(3);
    expect(errors.map((e) => [e.status, e.attempts])).toEqual([[503, 3]]);
  });

  it("does not wait out a Retry-After longer than maxDelayMs", async () => {
    const { baseUrl, received } = await ingestionServer([failWith(429, "slow down", { "retry-after": "60" }), accepted]);
    const errors: DeliveryError[] = [];
    const client = createClient({
      transport: httpTransport({ baseUrl, apiKey: "k" }),
      sessionId: "s",
      flushIntervalMs: 0,
      retry: { maxDelayMs: 10_000 },
      sleep: async () => {},
      onError: (error) => errors.push(error),
    });
    client.track("x");
    await client.flush();
    expect(received).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 429 });
    expect(errors[0]!.message).toContain("exceeds maxDelayMs");
  });

  it("retries network errors", async () => {
    const { baseUrl } = await ingestionServer([accepted]);
    let calls = 0;
    const client = createClient({
      transport: httpTransport({
        baseUrl,
        apiKey: "k",
        fetch: (url, init) => (++calls === 1 ? Promise.reject(new TypeError("fetch failed")) : fetch(url, init)),
      }),
      sessionId: "s",
      flushIntervalMs: 0,
      sleep: async () => {},
      onError: () => {},
    });
    client.track("x");
    expect((await client.flush()).accepted).toBe(1);
    expect(calls).toBe(2);
  });

  it("passes per-event rejections of a 202 to onRejected, with the events", async () => {
    const { baseUrl } = await ingestionServer([
      (events, res) =>
        json(res, 202, {
          accepted: 1,
          duplicates: 0,
          rejected: [{ index: 1, event_id: events[1]!.event_id, errors: [{ path: "action", message: "Invalid option" }] }],
        }),
    ]);
    const rejections: EventRejection[][] = [];
    const client = createClient({ transport: httpTransport({ baseUrl, apiKey: "k" }), sessionId: "s", flushIntervalMs: 0, onRejected: (r) => rejections.push(r) });
    client.track("fine");
    // Wrong on purpose: the server's schema, not the client, decides.
    const bad = client.send({ type: "video_event", video_id: "v", action: "rewind" as "play", position: 1 });
    const result = await client.flush();
    expect(rejections).toEqual([[{ event: bad, errors: [{ path: "action", message: "Invalid option" }] }]]);
    expect(result).toMatchObject({ accepted: 1, rejected: rejections[0] });
  });
});

describe("retry timing", () => {
  const policy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 2000 };

  it("draws full jitter under a doubling ceiling capped at maxDelayMs", () => {
    const error = new TransportError("503", { status: 503, retryable: true });
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(error, attempt, policy, () => 0.999_999))).toEqual([249, 499, 999, 1999, 1999]);
    expect(retryDelayMs(error, 3, policy, () => 0)).toBe(0);
  });

  it("uses Retry-After as given", () => {
    expect(retryDelayMs(new TransportError("429", { status: 429, retryable: true, retryAfterMs: 1500 }), 1, policy, () => 0)).toBe(1500);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:27:58 GMT");
    expect(parseRetryAfter("1", now)).toBe(1000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
