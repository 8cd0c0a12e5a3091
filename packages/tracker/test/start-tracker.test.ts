import { eventInputSchema } from "@edge-analytics/event-schema";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SESSION_STORAGE_KEY } from "../src/session-id.ts";
import { startTracker } from "../src/start-tracker.ts";
import type { TrackerConfig } from "../src/tracker-config.ts";
import { createFakeBrowser, FakeAnchor, type FakeBrowserOptions } from "./support/fake-browser.ts";

const CONFIG: TrackerConfig = { endpoint: "https://collect.example/events?key=pk", auto: true, memoryOnly: false, respectDnt: false };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function start(config: Partial<TrackerConfig> = {}, options: FakeBrowserOptions = {}) {
  const browser = createFakeBrowser(options);
  // A cast: the fake window has only the members the tracker uses.
  const api = startTracker({ ...CONFIG, ...config }, browser.win as unknown as Window & typeof globalThis);
  return { ...browser, api };
}

describe("startTracker", () => {
  beforeEach(() => void vi.useFakeTimers({ now: Date.UTC(2026, 4, 1, 9) }));
  afterEach(() => void vi.useRealTimers());

  it("sends the landing page view when the page is hidden, by beacon, to the endpoint with the key", async () => {
    const browser = start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(browser.sent).toEqual([]);
    browser.hide();
    browser.pagehide();
    expect(browser.sent.map(({ via, url }) => ({ via, url }))).toEqual([{ via: "beacon", url: "https://collect.example/events?key=pk" }]);
    const [view, ...rest] = browser.events();
    expect(rest).toEqual([]);
    expect(view).toMatchObject({
      type: "page_view",
      timestamp: "2026-05-01T09:00:00.000Z",
      session_id: browser.storage.get(SESSION_STORAGE_KEY),
      channel: "web",
      platform: "web",
      page_url: "https://shop.example/?utm_source=news",
      page_title: "Home",
      referrer: "https://search.example/",
      utm_source: "news",
      time_on_page: 10,
    });
    expect(view?.event_id).toMatch(UUID_V7);
    expect(browser.storage.get(SESSION_STORAGE_KEY)).toMatch(/^[0-9a-f]{32}$/);
  });

  it("tracks an SPA route, an outbound click and a custom event, batched within 2 s, all valid events", async () => {
    const browser = start();
    await vi.advanceTimersByTimeAsync(3000);
    const history = browser.win.history as History;
    history.pushState({}, "", "/pricing");
    browser.document.title = "Pricing";
    browser.click([new FakeAnchor("https://shop.example/pricing#team")]);
    browser.click([{}, new FakeAnchor("https://partner.example/deal"), {}]);
    browser.api.identify("u-42");
    browser.api.track("signup", { plan: "pro", nested: { dropped: true } } as unknown as Record<string, string>);
    expect(browser.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(browser.sent.map((request) => request.via)).toEqual(["fetch"]);
    expect(browser.sent[0]?.init).toMatchObject({ method: "POST", keepalive: true, credentials: "omit" });
    await vi.advanceTimersByTimeAsync(5000);
    browser.hide();

    const events = browser.events();
    expect(events.map((event) => event.type)).toEqual(["page_view", "user_action", "custom", "page_view"]);
    const [landing, click, custom, pricing] = events;
    expect(landing).toMatchObject({ page_url: "https://shop.example/?utm_source=news", page_title: "Home", time_on_page: 3 });
    // Ended before identify(): no user. The pricing view was in progress: it gets the user.
    expect(landing).not.toHaveProperty("user_id");
    expect(click).toMatchObject({ action: "outbound_click", target: "https://partner.example/deal" });
    expect(click).not.toHaveProperty("user_id");
    expect(custom).toMatchObject({ name: "signup", properties: { plan: "pro" }, user_id: "u-42" });
    expect(pricing).toMatchObject({ page_url: "https://shop.example/pricing", referrer: "https://shop.example/?utm_source=news", page_title: "Pricing", time_on_page: 7, user_id: "u-42" });
    expect(new Set(events.map((event) => event.session_id)).size).toBe(1);
    expect(new Set(events.map((event) => event.event_id)).size).toBe(4);
    for (const event of events) expect(eventInputSchema.safeParse(event).error).toBeUndefined();
  });

  it("sends each page view once: hiding twice, pagehide after hide and coming back send nothing more", async () => {
    const browser = start();
    browser.hide();
    browser.pagehide();
    browser.show();
    await vi.advanceTimersByTimeAsync(5000);
    browser.hide();
    expect(browser.events().filter((event) => event.type === "page_view")).toHaveLength(1);
  });

  it("starts a new view on back/forward to another path and on a restore from the back/forward cache", async () => {
    const browser = start();
    browser.location.href = "https://shop.example/back";
    browser.popstate();
    browser.pagehide();
    browser.pageshow(true);
    browser.pagehide();
    expect(browser.events().map((event) => event.page_url)).toEqual(["https://shop.example/?utm_source=news", "https://shop.example/back", "https://shop.example/back"]);
  });

  it("sends a full batch of 10 at once", () => {
    const browser = start();
    for (let index = 0; index < 10; index++) browser.api.track(`e${index}`);
    expect(browser.sent).toHaveLength(1);
    expect(browser.events()).toHaveLength(10);
  });

  it("with data-auto=\"false\" sends page views only through page()", async () => {
    const browser = start({ auto: false });
    (browser.win.history as History).pushState({}, "", "/spa");
    browser.hide();
    expect(browser.sent).toEqual([]);
    browser.show();
    browser.api.page();
    await vi.advanceTimersByTimeAsync(1000);
    // flush() sends what is queued; the view in progress is queued when it ends.
    browser.api.flush();
    expect(browser.sent).toEqual([]);
    browser.hide();
    expect(browser.events()).toMatchObject([{ type: "page_view", page_url: "https://shop.example/spa", time_on_page: 1 }]);
  });

  it("keeps the session in memory with data-storage=\"none\" or when storage is blocked", () => {
    const memory = start({ memoryOnly: true });
    memory.hide();
    expect(memory.storage.size).toBe(0);
    expect(memory.events()[0]?.session_id).toMatch(/^[0-9a-f]{32}$/);
    const blocked = start({}, { storageBlocked: true });
    blocked.hide();
    expect(blocked.events()[0]?.session_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("reuses the tab's session id from sessionStorage", () => {
    const browser = createFakeBrowser();
    browser.storage.set(SESSION_STORAGE_KEY, "tab-session");
    startTracker(CONFIG, browser.win as unknown as Window & typeof globalThis);
    browser.hide();
    expect(browser.events()[0]?.session_id).toBe("tab-session");
  });

  it("ignores same-host links, middle clicks elsewhere count, other buttons do not", () => {
    const browser = start({ auto: false });
    browser.click([new FakeAnchor("https://shop.example/about")]);
    browser.click([new FakeAnchor("https://partner.example/a")], 1);
    browser.click([new FakeAnchor("https://partner.example/b")], 2);
    browser.api.flush();
    expect(browser.events().map((event) => event.target)).toEqual(["https://partner.example/a"]);
  });

  it("warns about track() without a name and clears the user with identify(null)", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const browser = start({ auto: false });
    browser.api.track("");
    expect(warn).toHaveBeenCalledWith("edge-analytics: track() needs a name");
    browser.api.identify("u-1");
    browser.api.identify(null);
    browser.api.track("x");
    browser.api.flush();
    expect(browser.events()).toHaveLength(1);
    expect(browser.events()[0]).not.toHaveProperty("user_id");
    warn.mockRestore();
  });
});
