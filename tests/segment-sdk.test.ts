/**
 * Segment's official Node SDK (`@segment/analytics-node`), pointed at the local stack with only
 * its host changed, delivers track, page and identify calls that land in the lake with the
 * mapped fields (README "Segment-compatible API").
 */
import { randomUUID } from "node:crypto";
import { Analytics } from "@segment/analytics-node";
import { describe, expect, inject, it } from "vitest";
import { lakeRows } from "./support/lake-rows.ts";

const origin = inject("stackOrigin");

describe("@segment/analytics-node against the stack", () => {
  it("delivers track, page and identify into the lake, mapped onto our tables", async () => {
    const userId = `seg-${randomUUID()}`;
    const analytics = new Analytics({ writeKey: "local-dev-key", host: origin, flushAt: 20, flushInterval: 500, maxRetries: 2 });
    const failures: unknown[] = [];
    analytics.on("error", (error) => failures.push(error));
    const responses: number[] = [];
    analytics.on("http_response", (response) => responses.push(response.status));

    analytics.identify({ userId, traits: { plan: "team", seats: 5 } });
    analytics.track({ userId, event: "Order Completed", properties: { revenue: 99.5, currency: "EUR" } });
    analytics.track({
      userId,
      event: "usage",
      properties: { organization_id: "org_seg", sku: "api_calls", quantity: 12, unit: "count" },
    });
    analytics.page({
      userId,
      name: "Pricing",
      properties: { url: "https://shop.example/pricing", title: "Pricing", referrer: "https://search.example/" },
      context: { campaign: { source: "newsletter", medium: "email", name: "winter" } },
    });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(failures).toEqual([]);
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.every((status) => status === 200)).toBe(true);

    const mine = (row: Record<string, unknown>) => row.user_id === userId;
    const [identify] = await lakeRows(origin, "user_actions", mine);
    expect(identify).toMatchObject({ action: "identify", target: userId, channel: "server", project_id: "local" });
    expect(JSON.parse(String(identify?.properties))).toMatchObject({ plan: "team", seats: 5, "context.library.name": "@segment/analytics-node" });

    const [order] = await lakeRows(origin, "custom_events", mine);
    expect(order).toMatchObject({ name: "Order Completed", session_id: userId, is_bot: false });
    expect(JSON.parse(String(order?.properties))).toMatchObject({ revenue: 99.5, currency: "EUR" });

    const [usage] = await lakeRows(origin, "usage_events", mine);
    expect(usage).toMatchObject({ organization_id: "org_seg", sku: "api_calls", quantity: 12, unit: "count" });

    const [page] = await lakeRows(origin, "page_views", mine);
    expect(page).toMatchObject({
      page_url: "https://shop.example/pricing",
      page_title: "Pricing",
      referrer: "https://search.example/",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "winter",
    });
    // The SDK's messageIds are not UUIDs: each became a stable event_id, the original kept.
    expect(JSON.parse(String(page?.properties)).segment_message_id).toEqual(expect.any(String));
  });
});
