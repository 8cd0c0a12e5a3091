import { createExecutionContext, env, SELF } from "cloudflare:test";
import { type AnalyticsEngineDataPoint, toAnalyticsEngineDataPoint, type EventRecord } from "@edge-analytics/event-schema";
import { makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { AnalyticsEngineDataset } from "../src/index.ts";
import { pointsQueue } from "../src/points-queue.ts";
import { recorder } from "../src/recorder-stub.ts";

/** The dataset entrypoint as ingestion's ANALYTICS_ENGINE service binding reaches it. */
function dataset(): AnalyticsEngineDataset {
  return new AnalyticsEngineDataset(createExecutionContext(), env);
}

const point = (blobs: string[], index = "local"): AnalyticsEngineDataPoint => ({ indexes: [index], blobs, doubles: [] });

describe("AnalyticsEngineDataset: the binding's writes, with Analytics Engine's limits", () => {
  it("records a data point in AE's table model", async () => {
    const record = { ...makeEvent("api_request", { status_code: 503 }), project_id: "aetest", received_at: new Date().toISOString(), is_bot: false } as unknown as EventRecord;
    await dataset().writeDataPoint(toAnalyticsEngineDataPoint(record));
    await pointsQueue(env).settled();
    const rows = await recorder(env).readDataPoints("analytics_events", 10);
    expect(rows.find((row) => row.index1 === "aetest")).toMatchObject({ dataset: "analytics_events", _sample_interval: 1, blob1: "api_request" });
  });

  it("refuses what the Analytics Engine binding refuses", async () => {
    await expect(dataset().writeDataPoint(point(Array.from({ length: 21 }, () => "b")))).rejects.toThrow("21 blobs; the limit is 20");
    await expect(dataset().writeDataPoint(point(["x".repeat(16 * 1024 + 1)]))).rejects.toThrow("the limit is 16384");
    await expect(dataset().writeDataPoint(point([], "i".repeat(97)))).rejects.toThrow("the limit is 96");
    await expect(dataset().writeDataPoints(Array.from({ length: 251 }, () => point([])))).rejects.toThrow("251 data points in one invocation");
    await expect(dataset().writeDataPoints([point([]), point(Array.from({ length: 21 }, () => "b"))])).rejects.toThrow("21 blobs");
  });

  it("writes an invocation's points in one call", async () => {
    const points = Array.from({ length: 250 }, (_, i) => point([`batch-${i}`], "aebatch"));
    await dataset().writeDataPoints(points);
    await pointsQueue(env).settled();
    const rows = await recorder(env).readDataPoints("analytics_events", 1_000);
    expect(rows.filter((row) => row.index1 === "aebatch")).toHaveLength(250);
  });
});

describe("the SQL API on the local origin", () => {
  const sql = (text: string, headers: Record<string, string> = { authorization: "Bearer local-admin-key" }, account = "local") =>
    SELF.fetch(`https://ae.local/client/v4/accounts/${account}/analytics_engine/sql`, { method: "POST", headers, body: text });

  it("answers in Cloudflare's wire format with the admin key", async () => {
    await dataset().writeDataPoints([point(["one"], "aesql"), point(["two"], "aesql")]);
    const response = await sql("SELECT count() AS n FROM analytics_events WHERE index1 = 'aesql'");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ meta: [{ name: "n", type: "UInt64" }], data: [{ n: "2" }], rows: 1 });
  });

  it("refuses without the admin key, for another account, and over 64 KiB", async () => {
    expect((await sql("SELECT 1", {})).status).toBe(401);
    expect((await sql("SELECT 1", { authorization: "Bearer local-dev-key" })).status).toBe(403);
    expect((await sql("SELECT 1", { authorization: "Bearer local-admin-key" }, "other")).status).toBe(404);
    expect((await sql(`SELECT '${"x".repeat(70_000)}'`)).status).toBe(413);
  });

  it("answers health and a JSON 404 elsewhere", async () => {
    expect(await (await SELF.fetch("https://ae.local/health")).json()).toEqual({ worker: "analytics-engine-local", status: "ok" });
    expect((await SELF.fetch("https://ae.local/events", { method: "POST" })).status).toBe(404);
  });
});
