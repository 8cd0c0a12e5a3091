import { eventInputSchemas } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { createPageViews } from "../src/page-views.ts";
import type { TrackerEventOf } from "../src/tracker-event.ts";

/** Page views over a fake clock, visibility and title; `pushed` collects finished views. */
function setup(visibleAtStart = true) {
  let now = Date.UTC(2026, 4, 1, 12);
  let visible = visibleAtStart;
  let title = "Home";
  let ids = 0;
  const pushed: TrackerEventOf<"page_view">[] = [];
  const views = createPageViews({
    now: () => now,
    visible: () => visible,
    title: () => title,
    base: () => ({ event_id: `00000000-0000-7000-8000-00000000000${ids++}`, timestamp: new Date(now).toISOString(), session_id: "s-1", channel: "web", platform: "web" }),
    push: (event) => pushed.push(event),
  });
  return {
    views,
    pushed,
    advance: (ms: number) => void (now += ms),
    setVisible: (value: boolean) => void (visible = value),
    setTitle: (value: string) => void (title = value),
  };
}

describe("createPageViews", () => {
  it("sends a view once, when it ends, with its visible time, UTM fields and the document referrer", () => {
    const { views, pushed, advance } = setup();
    views.start("https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=launch", "https://search.example/");
    advance(2500);
    expect(pushed).toEqual([]);
    views.end();
    views.end();
    expect(pushed).toEqual([
      {
        type: "page_view",
        event_id: "00000000-0000-7000-8000-000000000000",
        timestamp: "2026-05-01T12:00:00.000Z",
        session_id: "s-1",
        channel: "web",
        platform: "web",
        page_url: "https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=launch",
        page_title: "Home",
        referrer: "https://search.example/",
        utm_source: "news",
        utm_medium: "email",
        utm_campaign: "launch",
        time_on_page: 2.5,
      },
    ]);
    expect(eventInputSchemas.page_view.safeParse(pushed[0]).success).toBe(true);
  });

  it("ends the view in progress when the next starts; the previous URL becomes the referrer", () => {
    const { views, pushed, advance, setTitle } = setup();
    views.start("https://shop.example/", "");
    advance(1000);
    // The router pushes the new URL before it renders the new title: the ending view keeps its own.
    views.start("https://shop.example/pricing", "https://ignored.example/");
    setTitle("Pricing");
    advance(4000);
    views.end();
    expect(pushed.map(({ page_url, referrer, page_title, time_on_page }) => ({ page_url, referrer, page_title, time_on_page }))).toEqual([
      { page_url: "https://shop.example/", referrer: undefined, page_title: "Home", time_on_page: 1 },
      { page_url: "https://shop.example/pricing", referrer: "https://shop.example/", page_title: "Pricing", time_on_page: 4 },
    ]);
    expect(pushed[0]).not.toHaveProperty("referrer");
  });

  it("counts only visible time", () => {
    const { views, pushed, advance, setVisible } = setup(false);
    views.start("https://shop.example/", "");
    advance(30_000);
    setVisible(true);
    views.resume();
    advance(1500);
    views.pause();
    advance(60_000);
    views.end();
    expect(pushed[0]?.time_on_page).toBe(1.5);
  });

  it("cuts long values to the schema's limits", () => {
    const { views, pushed, advance, setTitle } = setup();
    const url = `https://shop.example/?q=${"x".repeat(3000)}`;
    views.start(url, `https://r.example/${"y".repeat(3000)}`);
    setTitle("t".repeat(600));
    advance(100_000_000);
    views.end();
    const view = pushed[0];
    expect(view?.page_url).toHaveLength(2048);
    expect(view?.referrer).toHaveLength(2048);
    expect(view?.page_title).toHaveLength(512);
    expect(view?.time_on_page).toBe(86_400);
    expect(eventInputSchemas.page_view.safeParse(view).success).toBe(true);
  });

  it("does nothing on end, pause or resume before any start", () => {
    const { views, pushed } = setup();
    views.pause();
    views.resume();
    views.end();
    expect(pushed).toEqual([]);
  });
});
