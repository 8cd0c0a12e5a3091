import { EVENT_TYPES, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { DESKTOP_CHROME_UA, GOOGLEBOT_UA, IPHONE_SAFARI_UA, makeEvent } from "@edge-analytics/test-support";
import { describe, expect, it } from "vitest";
import { bufferedById, bufferedRecords, ingest, postEvents } from "./helpers.ts";

describe("POST /events accepts every event type", () => {
  for (const type of EVENT_TYPES) {
    it(`stores a valid ${type} durably with enrichment`, async () => {
      const event = makeEvent(type);
      const result = await ingest(event, { headers: { "user-agent": DESKTOP_CHROME_UA }, cf: { country: "DE" } });
      expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

      const [stored] = await bufferedById(TABLE_BY_EVENT_TYPE[type], [event.event_id as string]);
      expect(stored).toMatchObject({
        ...event,
        project_id: "local",
        environment: "production",
        country: "DE",
        browser: "Chrome",
        os: "Windows",
        device_type: "desktop",
        is_bot: false,
      });
      expect(Date.parse(String(stored?.received_at))).toBeGreaterThan(Date.now() - 60_000);
    });
  }

  it("accepts a batch of every type at once", async () => {
    const events = EVENT_TYPES.map((type) => makeEvent(type));
    const result = await ingest({ events });
    expect(result).toEqual({ accepted: events.length, duplicates: 0, rejected: [] });
    for (const event of events) {
      expect(await bufferedById(TABLE_BY_EVENT_TYPE[event.type], [event.event_id as string])).toHaveLength(1);
    }
  });

  it("generates a UUIDv7 event_id and a timestamp when absent", async () => {
    const { event_id: _id, timestamp: _ts, ...event } = makeEvent("custom", { name: "no-id", session_id: "gen-id-session" });
    expect(await ingest(event)).toMatchObject({ accepted: 1 });
    const mine = (await bufferedRecords("custom_events")).filter((r) => r.session_id === "gen-id-session");
    expect(mine).toHaveLength(1);
    expect(String(mine[0]?.event_id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(mine[0]?.timestamp).toBe(mine[0]?.received_at);
  });

  it("derives device facts from the User-Agent and flags bots", async () => {
    const phone = makeEvent("page_view");
    const bot = makeEvent("page_view");
    await ingest(phone, { headers: { "user-agent": IPHONE_SAFARI_UA } });
    await ingest(bot, { headers: { "user-agent": GOOGLEBOT_UA } });
    const [storedPhone] = await bufferedById("page_views", [phone.event_id as string]);
    const [storedBot] = await bufferedById("page_views", [bot.event_id as string]);
    expect(storedPhone).toMatchObject({ device_type: "mobile", os: "iOS", is_bot: false });
    expect(storedBot).toMatchObject({ device_type: "bot", is_bot: true });
  });

  it("keeps producer-supplied context over what the request implies", async () => {
    const event = makeEvent("page_view", { country: "FR", browser: "Firefox", os: "Linux", device_type: "tablet" });
    await ingest(event, { headers: { "user-agent": DESKTOP_CHROME_UA }, cf: { country: "DE" } });
    const [stored] = await bufferedById("page_views", [event.event_id as string]);
    expect(stored).toMatchObject({ country: "FR", browser: "Firefox", os: "Linux", device_type: "tablet" });
  });

  it("keeps unknown scalar fields in properties instead of dropping them", async () => {
    const event = makeEvent("user_action", { experiment: "b", score: 7 });
    const result = await ingest(event);
    expect(result.accepted).toBe(1);
    const [stored] = await bufferedById("user_actions", [event.event_id as string]);
    expect(stored?.properties).toEqual({ experiment: "b", score: 7 });
    expect(stored).not.toHaveProperty("experiment");
  });

  it("accepts the Authorization: Bearer form of the key", async () => {
    const response = await postEvents(makeEvent("page_view"), { key: null, headers: { authorization: "Bearer local-dev-key" } });
    expect(response.status).toBe(202);
  });
});
