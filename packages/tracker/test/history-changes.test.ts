import { describe, expect, it, vi } from "vitest";
import { type HistoryWindow, watchPathChanges } from "../src/history-changes.ts";

/** A window whose history moves a fake location, as the real one does. */
function fakeWindow() {
  const location = new URL("https://shop.example/");
  const events = new EventTarget();
  const history = {
    pushState(_state: unknown, _unused: string, url?: string | URL | null) {
      // As browsers do for a URL of another origin.
      if (url && new URL(url, location.href).origin !== location.origin) throw new DOMException("cannot be created in a document with origin", "SecurityError");
      if (url) location.href = new URL(url, location.href).href;
    },
    replaceState(_state: unknown, _unused: string, url?: string | URL | null) {
      if (url) location.href = new URL(url, location.href).href;
    },
  };
  // A cast: the fake has only the members watchPathChanges uses.
  const win = { history, location, addEventListener: events.addEventListener.bind(events) } as unknown as HistoryWindow;
  return { win, history: win.history, location, events };
}

describe("watchPathChanges", () => {
  it("calls back when pushState or replaceState changes the path", () => {
    const { win, history } = fakeWindow();
    const seen: string[] = [];
    watchPathChanges(win, () => seen.push(win.location.pathname));
    history.pushState({}, "", "/pricing");
    history.replaceState({}, "", "/pricing/team");
    expect(seen).toEqual(["/pricing", "/pricing/team"]);
  });

  it("ignores query, hash and same-URL state updates", () => {
    const { win, history } = fakeWindow();
    let calls = 0;
    watchPathChanges(win, () => calls++);
    history.pushState({}, "", "/?tab=2");
    history.pushState({}, "", "/#section");
    history.replaceState({ scroll: 10 }, "");
    expect(calls).toBe(0);
  });

  it("calls back on popstate (back/forward) to another path", () => {
    const { win, location, events } = fakeWindow();
    let calls = 0;
    watchPathChanges(win, () => calls++);
    location.href = "https://shop.example/back";
    events.dispatchEvent(new Event("popstate"));
    events.dispatchEvent(new Event("popstate"));
    expect(calls).toBe(1);
  });

  it("keeps the page's own pushState working and its errors the page's, and hides the tracker's", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { win, history } = fakeWindow();
    watchPathChanges(win, () => {
      throw new Error("tracker bug");
    });
    expect(() => history.pushState({}, "", "/next")).not.toThrow();
    expect(win.location.pathname).toBe("/next");
    expect(warn).toHaveBeenCalledWith("edge-analytics:", new Error("tracker bug"));
    expect(() => history.pushState({}, "", "http://other.example/")).toThrow(DOMException);
    warn.mockRestore();
  });
});
