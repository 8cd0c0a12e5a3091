import { safely } from "./safely.ts";

/** The parts of `window` that SPA navigation goes through. */
export type HistoryWindow = Pick<Window, "history" | "location" | "addEventListener">;

/**
 * Calls `onPathChange` after each client-side navigation that changes `location.pathname`: the
 * page's own `history.pushState` and `history.replaceState` (patched, as no event announces them)
 * and back/forward (`popstate`). Query and hash changes are not new pages; routers also call
 * `replaceState` with the same URL to save state, which must not count as a view.
 */
export function watchPathChanges(win: HistoryWindow, onPathChange: () => void): void {
  const { history, location } = win;
  let path = location.pathname;

  const check = safely(function checkPath(): void {
    if (location.pathname === path) return;
    path = location.pathname;
    onPathChange();
  });

  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function patchedHistoryMethod(this: History, ...args: Parameters<History["pushState"]>): void {
      // The page's call first, unguarded: its errors are the page's; ours must not reach it.
      original.apply(this, args);
      check();
    };
  }
  win.addEventListener("popstate", check);
}
