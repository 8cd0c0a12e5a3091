import { makeEvent } from "@edge-analytics/test-support";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type ErrorBody, ORIGIN, postEvents } from "./helpers.ts";

async function expectError(response: Response, status: number, messagePart: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.status).toBe(status);
  expect(body.error.message).toContain(messagePart);
}

describe("every error status of the contract, with a JSON reason", () => {
  it("400 for a body that is not JSON", async () => {
    await expectError(await postEvents(null, { raw: "{not json" }), 400, "not valid JSON");
  });

  it("400 for JSON that is not an event or a batch", async () => {
    await expectError(await postEvents([makeEvent("page_view")]), 400, "one event object");
    await expectError(await postEvents({ events: "nope" }), 400, "must be an array");
    await expectError(await postEvents({ events: [] }), 400, "empty");
    await expectError(await postEvents(null, { raw: "42" }), 400, "one event object");
  });

  it("400 for a body that is not UTF-8", async () => {
    const response = await SELF.fetch(`${ORIGIN}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "local-dev-key" },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    await expectError(response, 400, "UTF-8");
  });

  it("401 for a forged Host: internal from outside (only service bindings skip the key)", async () => {
    const response = await SELF.fetch("https://internal/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(makeEvent("page_view", { project_id: "other" })),
      cf: { country: "US", colo: "AMS" },
    });
    await expectError(response, 401, "missing API key");
  });

  it("401 without a key and with an unknown key", async () => {
    await expectError(await postEvents(makeEvent("page_view"), { key: null }), 401, "missing API key");
    await expectError(await postEvents(makeEvent("page_view"), { key: "not-a-key" }), 401, "unknown API key");
  });

  it("403 when the admin key tries to send events", async () => {
    await expectError(await postEvents(makeEvent("page_view"), { key: "local-admin-key" }), 403, "admin key");
  });

  it("413 for a body over the size limit, declared or streamed", async () => {
    const huge = "x".repeat(1024 * 1024 + 1);
    await expectError(await postEvents(null, { raw: huge }), 413, "limit");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 17; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        controller.close();
      },
    });
    const response = await SELF.fetch(`${ORIGIN}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "local-dev-key" },
      body: stream,
    });
    await expectError(response, 413, "exceeds the limit");
  });

  it("413 for a batch over the event limit", async () => {
    const events = Array.from({ length: 501 }, () => ({ type: "custom" }));
    await expectError(await postEvents({ events }), 413, "limit is 500");
  });

  it("415 for a body that is not JSON by content type", async () => {
    await expectError(await postEvents(makeEvent("page_view"), { headers: { "content-type": "text/plain" } }), 415, "application/json");
  });

  it("404 JSON for unknown routes", async () => {
    const response = await SELF.fetch(`${ORIGIN}/nope`);
    await expectError(response, 404, "no route");
  });

  it("429 with Retry-After once a key exceeds its rate", async () => {
    // wrangler.jsonc allows 1200 requests a minute per key; this key is used only here.
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // Windows are aligned to the clock, so a window may roll over mid-loop: allow two windows' worth.
    for (let i = 0; i < 2500 && !statuses.includes(429); i++) {
      const response = await postEvents(null, { key: "rate-limit-test-key", raw: "{}" });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get("retry-after");
        expect(((await response.json()) as ErrorBody).error.message).toContain("rate limit");
      } else {
        await response.body?.cancel();
      }
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Other keys are unaffected.
    expect((await postEvents(makeEvent("page_view"))).status).toBe(202);
  }, 60_000);
});
