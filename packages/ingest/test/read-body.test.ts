import { describe, expect, it } from "vitest";
import { IngestError } from "../src/errors.ts";
import type { IngestLimits } from "../src/limits.ts";
import { eventsFromBody, eventsFromJsonText, readEventsFromRequest } from "../src/read-body.ts";

const limits: IngestLimits = { maxBodyBytes: 1024, maxBatchEvents: 3, maxEventBytes: 512 };
const EVENT = { type: "custom", session_id: "s", name: "n" };

function post(body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }): Request {
  return new Request("https://ingest.example/events", { method: "POST", headers, body });
}

/** A streamed body without Content-Length; it counts how many chunks were pulled and whether it was cancelled. */
function streamed(chunks: number, chunkBytes: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20)); // spaces: valid JSON whitespace
    },
    cancel() {
      state.cancelled = true;
    },
  });
  // Node's fetch needs `duplex: "half"` for a stream body; the DOM typings do not declare it.
  const init: RequestInit & { duplex: "half" } = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
    duplex: "half",
  };
  return { request: new Request("https://ingest.example/events", init), state };
}

/** Awaits `work` and returns the IngestError it must reject with. */
async function ingestError(work: Promise<unknown> | (() => unknown)): Promise<IngestError> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error("expected an IngestError");
}

describe("readEventsFromRequest: content type", () => {
  it.each([
    ["no Content-Type", {}],
    ["text/plain", { "content-type": "text/plain" }],
    ["form data", { "content-type": "application/x-www-form-urlencoded" }],
    ["application/jsonp", { "content-type": "application/jsonp" }],
    ["text/json", { "content-type": "text/json" }],
  ])("415 for %s", async (_case, headers: Record<string, string>) => {
    const error = await ingestError(readEventsFromRequest(post(JSON.stringify(EVENT), headers), limits));
    expect(error.status).toBe(415);
    expect(error.message).toMatch(/Content-Type must be application\/json/);
  });

  it("names the content type it got", async () => {
    const error = await ingestError(readEventsFromRequest(post("{}", { "content-type": "text/plain" }), limits));
    expect(error.message).toContain('"text/plain"');
  });

  it.each(["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", "application/vnd.x+json", "application/ld+json"])(
    "accepts %s",
    async (contentType) => {
      expect(await readEventsFromRequest(post(JSON.stringify(EVENT), { "content-type": contentType }), limits)).toEqual([EVENT]);
    },
  );
});

describe("readEventsFromRequest: size", () => {
  it("413 from Content-Length alone, before reading the body", async () => {
    const request = post(JSON.stringify(EVENT), { "content-type": "application/json", "content-length": "5000" });
    const error = await ingestError(readEventsFromRequest(request, limits));
    expect(error.status).toBe(413);
    expect(error.message).toBe("request body is 5000 bytes; the limit is 1024");
    expect(request.bodyUsed).toBe(false);
  });

  it("413 for a body over the limit without Content-Length, without reading it all", async () => {
    const { request, state } = streamed(1000, 256); // would be 256 000 bytes
    expect(request.headers.get("content-length")).toBeNull();
    const error = await ingestError(readEventsFromRequest(request, limits));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/exceeds the limit of 1024 bytes/);
    // The limit is 4 chunks; reading stops at the fifth instead of buffering the rest.
    expect(state.pulled).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
  });

  it("413 when Content-Length understates the real body", async () => {
    const { request } = streamed(8, 256);
    request.headers.set("content-length", "10");
    expect((await ingestError(readEventsFromRequest(request, limits))).status).toBe(413);
  });

  it("accepts a streamed body exactly at the limit", async () => {
    const json = JSON.stringify(EVENT);
    const body = new TextEncoder().encode(json.padEnd(limits.maxBodyBytes, " "));
    expect(body.byteLength).toBe(limits.maxBodyBytes);
    expect(await readEventsFromRequest(post(body), limits)).toEqual([EVENT]);
  });

  it("counts bytes, not characters", async () => {
    // 400 "€" are 400 characters but 1200 bytes.
    const error = await ingestError(readEventsFromRequest(post(JSON.stringify({ ...EVENT, name: "€".repeat(400) })), limits));
    expect(error.status).toBe(413);
  });
});

describe("readEventsFromRequest: body", () => {
  it("returns one event as a one-element list", async () => {
    expect(await readEventsFromRequest(post(JSON.stringify(EVENT)), limits)).toEqual([EVENT]);
  });

  it("returns a batch's events in order", async () => {
    const events = [EVENT, { ...EVENT, name: "b" }, { ...EVENT, name: "c" }];
    expect(await readEventsFromRequest(post(JSON.stringify({ events })), limits)).toEqual(events);
  });

  it("ignores a UTF-8 byte order mark", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(EVENT))]);
    expect(await readEventsFromRequest(post(bytes), limits)).toEqual([EVENT]);
  });

  it.each([
    ["invalid JSON", "{", /not valid JSON/],
    ["trailing garbage", '{"a":1} x', /not valid JSON/],
    ["an empty body", "", /not valid JSON/],
    ["an array", JSON.stringify([EVENT]), /one event object or/],
    ["a number", "42", /one event object or/],
    ["null", "null", /one event object or/],
    ["a string", '"event"', /one event object or/],
    ["events that is not an array", JSON.stringify({ events: { 0: EVENT } }), /"events" must be an array/],
    ["events that is null", JSON.stringify({ events: null }), /"events" must be an array/],
    ["an empty events array", JSON.stringify({ events: [] }), /"events" is empty/],
  ])("400 for %s", async (_case, body, message) => {
    const error = await ingestError(readEventsFromRequest(post(body), limits));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it("400 for a body that is not valid UTF-8", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
    const error = await ingestError(readEventsFromRequest(post(bytes), limits));
    expect(error.status).toBe(400);
    expect(error.message).toBe("request body is not valid UTF-8");
  });

  it("400 for a truncated multi-byte character", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"a":"'), 0xe2, 0x82, ...new TextEncoder().encode('"}')]);
    expect((await ingestError(readEventsFromRequest(post(bytes), limits))).status).toBe(400);
  });

  it("413 for a batch over maxBatchEvents, naming both numbers", async () => {
    const error = await ingestError(readEventsFromRequest(post(JSON.stringify({ events: [EVENT, EVENT, EVENT, EVENT] })), limits));
    expect(error.status).toBe(413);
    expect(error.message).toBe("batch has 4 events; the limit is 3");
  });

  it("leaves each element's validity to event validation", async () => {
    expect(await readEventsFromRequest(post(JSON.stringify({ events: [1, null, "x"] })), limits)).toEqual([1, null, "x"]);
  });
});

describe("eventsFromJsonText / eventsFromBody", () => {
  it("only an own `events` key makes a batch; an inherited one does not", () => {
    const body: unknown = Object.create({ events: [EVENT] });
    expect(eventsFromBody(body, limits)).toEqual([body]);
  });

  it("reports the parser's reason for invalid JSON", async () => {
    const error = await ingestError(() => eventsFromJsonText("{", limits));
    expect(error.status).toBe(400);
    expect(error.message.length).toBeGreaterThan("request body is not valid JSON: ".length);
  });

  it("a batch of exactly maxBatchEvents is accepted", () => {
    expect(eventsFromJsonText(JSON.stringify({ events: [EVENT, EVENT, EVENT] }), limits)).toHaveLength(3);
  });
});
