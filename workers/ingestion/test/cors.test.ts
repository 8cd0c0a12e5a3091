import { makeEvent } from "@edge-analytics/test-support";
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { ORIGIN, postEvents } from "./helpers.ts";

it("answers a browser's CORS preflight for POST /events", async () => {
  const response = await SELF.fetch(`${ORIGIN}/events`, {
    method: "OPTIONS",
    headers: {
      origin: "https://shop.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-api-key",
    },
  });
  expect(response.status).toBe(204);
  expect(response.headers.get("access-control-allow-origin")).toBe("*");
  expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-api-key");
  expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
});

it("adds CORS headers to the POST answer, errors included", async () => {
  const ok = await postEvents(makeEvent("page_view"), { headers: { origin: "https://shop.example" } });
  expect(ok.status).toBe(202);
  expect(ok.headers.get("access-control-allow-origin")).toBe("*");
  const denied = await postEvents(makeEvent("page_view"), { key: null, headers: { origin: "https://shop.example" } });
  expect(denied.status).toBe(401);
  expect(denied.headers.get("access-control-allow-origin")).toBe("*");
});
