/**
 * `@edge-analytics/client` and its Hono middleware end to end: the example producer's `/app/*`
 * API (examples/producer-worker/src/app.ts) records each request as an `api_request` and a usage
 * call as a `usage` event, over the RPC service binding to the stack's ingestion, flushed in
 * `waitUntil` after the response; the rows are then read back from the lake.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it, vi } from "vitest";
import { lakeRows } from "./support/lake-rows.ts";

const stackOrigin = inject("stackOrigin");
const producerOrigin = inject("producerOrigin");

/** Events leave after the response (`waitUntil`), so the lake is read until they are there. */
const ARRIVAL_TIMEOUT_MS = 30_000;

describe("the Hono middleware on a Worker (examples/producer-worker /app/*)", () => {
  it("records every request once as an api_request with its route pattern, and usage for billing", async () => {
    const session = `client-hono-${randomUUID()}`;
    const headers = { "x-session-id": session, "content-type": "application/json" };

    const answers = [
      await fetch(`${producerOrigin}/app/orgs/acme/items/42`, { headers }),
      await fetch(`${producerOrigin}/app/orgs/acme/items/43`, { headers }),
      await fetch(`${producerOrigin}/app/orgs/globex/usage`, { method: "POST", headers, body: JSON.stringify({ sku: "exports", quantity: 3, unit: "count" }) }),
      await fetch(`${producerOrigin}/app/orgs/acme/fail`, { headers }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 202, 500]);
    const { recorded } = (await answers[2]!.json()) as { recorded: string };

    const bySession = (row: Record<string, unknown>) => row.session_id === session;
    let requests: Record<string, unknown>[] = [];
    await vi.waitFor(
      async () => {
        requests = await lakeRows(stackOrigin, "api_requests", bySession);
        expect(requests.length).toBeGreaterThanOrEqual(4);
      },
      { timeout: ARRIVAL_TIMEOUT_MS, interval: 500 },
    );

    const summary = requests
      // status_code is an INT64 column: hyparquet reads it as a bigint.
      .map((row) => [row.method, row.path, Number(row.status_code), row.organization_id])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])) || Number(a[2]) - Number(b[2]));
    expect(summary).toEqual([
      ["GET", "/app/orgs/:org/fail", 500, "acme"],
      ["GET", "/app/orgs/:org/items/:id", 200, "acme"],
      ["GET", "/app/orgs/:org/items/:id", 200, "acme"],
      ["POST", "/app/orgs/:org/usage", 202, "globex"],
    ]);
    expect(new Set(requests.map((row) => row.event_id)).size).toBe(4);
    for (const row of requests) {
      expect(row).toMatchObject({ project_id: "local", channel: "server", platform: "workers" });
      expect(typeof row.duration_ms).toBe("number");
      expect(row.duration_ms as number).toBeGreaterThanOrEqual(0);
    }

    const usage = await lakeRows(stackOrigin, "usage_events", bySession);
    expect(usage).toEqual([
      expect.objectContaining({ event_id: recorded, organization_id: "globex", sku: "exports", quantity: 3, unit: "count", channel: "server", project_id: "local" }),
    ]);
  });
});
