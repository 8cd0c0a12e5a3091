/**
 * The Segment-compatible API (`POST /v1/*`) on the ingestion Worker: Segment's auth (Basic with
 * the write key as user name, or `writeKey` in a browser's body), its payloads and answers, its
 * limits, and the mapping into our tables through the one ingestion path.
 */
import { eventIdForMessageId } from "@edge-analytics/ingest";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bufferedById, type ErrorBody, ORIGIN } from "./helpers.ts";

const BROWSER_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

function basic(writeKey: string): string {
  return `Basic ${btoa(`${writeKey}:`)}`;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic("local-dev-key"), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface SegmentAnswer {
  success: boolean;
  accepted: number;
  duplicates: number;
  rejected: { index: number; errors: { path: string; message: string }[] }[];
}

describe("POST /v1/track, /v1/page, /v1/identify with Basic auth", () => {
  it("answers 200 {success:true} and lands each call in its table, mapped", async () => {
    const uuid = crypto.randomUUID();
    const track = await post("/v1/track", {
      event: "Signed Up",
      userId: "user-1",
      messageId: uuid,
      properties: { plan: "team" },
      context: { library: { name: "analytics-python", version: "2.3.0" } },
      timestamp: "2026-12-05T10:00:00Z",
    });
    expect(track.status).toBe(200);
    expect(await track.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    const [custom] = await bufferedById("custom_events", [uuid]);
    expect(custom).toMatchObject({
      type: "custom",
      name: "Signed Up",
      user_id: "user-1",
      session_id: "user-1",
      project_id: "local",
      channel: "server",
      platform: "analytics-python",
      timestamp: "2026-12-05T10:00:00.000Z",
      is_bot: false,
      properties: { plan: "team", "context.library.name": "analytics-python", "context.library.version": "2.3.0" },
    });
    // The request came from a server SDK: its User-Agent must not describe the user.
    expect(custom).not.toHaveProperty("browser");

    const pageId = crypto.randomUUID();
    const page = await post("/v1/page", {
      anonymousId: "anon-9",
      messageId: pageId,
      name: "Home",
      properties: { url: "https://shop.example/", title: "Shop" },
      context: { userAgent: BROWSER_UA, campaign: { source: "newsletter", medium: "email", name: "dec" } },
    });
    expect(page.status).toBe(200);
    expect((await bufferedById("page_views", [pageId]))[0]).toMatchObject({
      page_url: "https://shop.example/",
      page_title: "Shop",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "dec",
      browser: "Safari",
      os: "Mac OS",
      session_id: "anon-9",
    });

    const identifyId = crypto.randomUUID();
    expect((await post("/v1/identify", { userId: "user-1", messageId: identifyId, traits: { plan: "team" } })).status).toBe(200);
    expect((await bufferedById("user_actions", [identifyId]))[0]).toMatchObject({ action: "identify", target: "user-1", properties: { plan: "team" } });
  });

  it("gives a retried message (same messageId, not a UUID) the same event_id, so readers count it once", async () => {
    const message = { event: "Clicked", anonymousId: "a", messageId: `node-next-${Date.now()}-${crypto.randomUUID()}` };
    const first = (await (await post("/v1/track", message)).json()) as SegmentAnswer;
    const second = (await (await post("/v1/track", message)).json()) as SegmentAnswer;
    // At least once: the retry is accepted again; both copies share one event_id.
    expect([first.accepted, second.accepted, second.duplicates]).toEqual([1, 1, 0]);
    expect(await bufferedById("custom_events", [await eventIdForMessageId(message.messageId)])).toHaveLength(2);
  });
});

describe("POST /v1/batch", () => {
  it("ingests every call type of a batch, merges the batch's context, and rejects only the bad message", async () => {
    const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
    const response = await post("/v1/batch", {
      batch: [
        { type: "track", event: "Video Playback Started", anonymousId: "a", messageId: ids[0], properties: { content_asset_id: "v1", position: 0 } },
        { type: "screen", name: "Home", anonymousId: "a", messageId: ids[1] },
        { type: "group", userId: "u", groupId: "org_1", messageId: ids[2] },
        { type: "track", anonymousId: "a", messageId: ids[3] },
        { type: "shout", anonymousId: "a" },
      ],
      context: { app: { namespace: "com.example.app" } },
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as SegmentAnswer;
    expect(answer.success).toBe(true);
    expect(answer.accepted).toBe(3);
    expect(answer.rejected.map((r) => [r.index, r.errors[0]?.path])).toEqual([
      [3, "event"],
      [4, "type"],
    ]);
    expect((await bufferedById("video_events", [ids[0] ?? ""]))[0]).toMatchObject({ action: "play", video_id: "v1", position: 0 });
    expect((await bufferedById("page_views", [ids[1] ?? ""]))[0]).toMatchObject({ page_url: "https://com.example.app/Home", channel: "mobile" });
    expect((await bufferedById("user_actions", [ids[2] ?? ""]))[0]).toMatchObject({ action: "group", target: "org_1" });
  });

  it("takes the write key from the body as text/plain for a publishable key (browsers), on Segment's short paths", async () => {
    const id = crypto.randomUUID();
    const response = await SELF.fetch(`${ORIGIN}/v1/t`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "http://localhost:3000" },
      body: JSON.stringify({ writeKey: "local-pub-key", event: "Added To Cart", anonymousId: "a", messageId: id }),
    });
    expect(response.status).toBe(200);
    expect(await bufferedById("custom_events", [id])).toHaveLength(1);
  });
});

describe("what /v1/* refuses", () => {
  async function error(response: Response): Promise<[number, string]> {
    return [response.status, ((await response.json()) as ErrorBody).error.message];
  }

  it("401 without a write key, 401 for an unknown one, 403 for a read key", async () => {
    const body = { event: "x", anonymousId: "a" };
    expect((await error(await post("/v1/track", body, { authorization: "" })))[0]).toBe(401);
    expect((await error(await post("/v1/track", body, { authorization: basic("nope") })))[0]).toBe(401);
    const [status, message] = await error(await post("/v1/track", body, { authorization: basic("local-read-key") }));
    expect(status).toBe(403);
    expect(message).toContain("a read key may only query");
  });

  it("a secret write key in the body is refused: secrets travel in headers", async () => {
    const [status] = await error(await post("/v1/track", { writeKey: "local-dev-key", event: "x", anonymousId: "a" }, { authorization: "" }));
    expect(status).toBe(403);
  });

  it("400 for JSON that does not parse, and Segment's size limits (32 KB per call, 500 KB per batch)", async () => {
    expect((await error(await post("/v1/track", "{nope")))[0]).toBe(400);
    const big = "x".repeat(33 * 1024);
    const [status, message] = await error(await post("/v1/track", { event: "x", anonymousId: "a", properties: { big } }));
    expect(status).toBe(400);
    expect(message).toContain("limit is 32768");
    const batch = Array.from({ length: 20 }, () => ({ type: "track", event: "x", anonymousId: "a", properties: { big: "y".repeat(30 * 1024) } }));
    expect((await error(await post("/v1/batch", { batch })))[0]).toBe(400);
  });

  it("404 names the endpoints that exist", async () => {
    const [status, message] = await error(await post("/v1/pageview", {}));
    expect(status).toBe(404);
    expect(message).toContain("/v1/batch");
  });
});
