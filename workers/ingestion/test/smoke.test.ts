import { env, SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers health", async () => {
  const res = await SELF.fetch("https://example.com/health");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ worker: "analytics-ingestion" });
  const rpc = await env.PRODUCER.fetch("https://p/via-rpc-event", { method: "POST", body: JSON.stringify({ type: "page_view", session_id: "s", project_id: "local", page_url: "https://a.example/" }) });
  expect(await rpc.json()).toMatchObject({ accepted: 1 });
});
