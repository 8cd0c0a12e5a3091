import { createContext, runInContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TRACKER_SCRIPT } from "../generated/tracker-script.ts";
import type { EdgeAnalytics } from "../src/global-api.ts";
import { createFakeBrowser, type FakeBrowserOptions, FakeScript } from "./support/fake-browser.ts";

const SRC = "https://collect.example/tracker.js";

/** Runs the built bundle in a fresh context whose globals are a fake browser window. */
function load(attributes: Record<string, string>, options: FakeBrowserOptions = {}, before?: (win: Record<string, unknown>) => void) {
  const browser = createFakeBrowser(options);
  browser.document.currentScript = new FakeScript(SRC, attributes);
  before?.(browser.win);
  const context = createContext(browser.win);
  const run = () => runInContext(TRACKER_SCRIPT, context);
  run();
  return { ...browser, run, api: () => browser.win.edgeAnalytics as EdgeAnalytics };
}

describe("the built bundle (generated/tracker-script.ts)", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("starts from its script element: page view on hide, custom events, to the script's origin", async () => {
    const page = load({ "data-key": "pk" });
    page.api().track("signup", { plan: "pro" });
    await vi.advanceTimersByTimeAsync(2000);
    page.hide();
    expect(page.sent.map(({ via, url }) => ({ via, url }))).toEqual([
      { via: "fetch", url: "https://collect.example/events?key=pk" },
      { via: "beacon", url: "https://collect.example/events?key=pk" },
    ]);
    expect(page.events().map((event) => event.type)).toEqual(["custom", "page_view"]);
    expect(page.warnings).toEqual([]);
  });

  it("replays calls queued in the stub before it loaded", () => {
    const page = load({ "data-key": "pk", "data-auto": "false" }, {}, (win) => {
      win.edgeAnalytics = { q: [["identify", "u-7"], ["track", "early", { n: 1 }]] };
    });
    page.api().flush();
    expect(page.events()).toMatchObject([{ type: "custom", name: "early", user_id: "u-7", properties: { n: 1 } }]);
  });

  it("stays off, with a warning and an API that ignores calls, on file: pages and without data-key", () => {
    for (const [attributes, options, warning] of [
      [{ "data-key": "pk" }, { url: "file:///home/me/index.html" }, "edge-analytics: off: the page is not http(s)"],
      [{}, {}, "edge-analytics: off: no data-key"],
    ] as const) {
      const page = load(attributes, options);
      expect(page.warnings).toEqual([[warning]]);
      page.api().track("x");
      page.api().flush();
      page.hide();
      expect(page.sent).toEqual([]);
    }
  });

  it("sends nothing with data-respect-dnt=\"true\" when Do Not Track is on, and tracks without the attribute", () => {
    const respecting = load({ "data-key": "pk", "data-respect-dnt": "true" }, { doNotTrack: "1" });
    respecting.api().track("x");
    respecting.hide();
    expect(respecting.sent).toEqual([]);
    expect(respecting.warnings).toEqual([]);
    const ignoring = load({ "data-key": "pk" }, { doNotTrack: "1" });
    ignoring.hide();
    expect(ignoring.sent).toHaveLength(1);
  });

  it("ignores a second copy of the script on the same page", () => {
    const page = load({ "data-key": "pk" });
    const first = page.api();
    page.run();
    expect(page.api()).toBe(first);
    expect(page.warnings).toEqual([["edge-analytics: already running"]]);
    page.hide();
    expect(page.events()).toHaveLength(1);
  });

  it("never throws into the page, even when the browser lacks what it needs", () => {
    expect(() => load({ "data-key": "pk" }, {}, (win) => void (win.crypto = undefined))).not.toThrow();
    const page = load({ "data-key": "pk" }, {}, (win) => void (win.crypto = undefined));
    expect(page.warnings[0]?.[0]).toBe("edge-analytics:");
  });
});
