import type { BaseFields, TrackerEventOf } from "./tracker-event.ts";
import { utmParameters } from "./utm-parameters.ts";
import { createVisibleTimer, type VisibleTimer } from "./visible-timer.ts";

type PageView = TrackerEventOf<"page_view">;

/** What {@link createPageViews} reads from the page and where it puts finished views. */
export interface PageViewsOptions {
  now: () => number;
  /** Whether the page is visible now (`document.visibilityState === "visible"`). */
  visible: () => boolean;
  /** The title shown now (`document.title`). */
  title: () => string;
  /** Fresh base fields: a new `event_id`, the current time, the session and user. */
  base: () => BaseFields;
  /** Receives each view once, when it ends. */
  push: (event: PageView) => void;
}

/** The page view in progress, from its start to its end. */
export interface PageViews {
  /** A page or SPA route starts at `url`; the view in progress, if any, ends first. */
  start(url: string, documentReferrer: string): void;
  /** The view in progress ends and is pushed; nothing happens until the next start. */
  end(): void;
  /** The page was hidden: its time stops counting. */
  pause(): void;
  /** The page is visible again. */
  resume(): void;
}

/** The event schema's limits, so a long value is cut rather than the whole view rejected. */
const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 512;
const MAX_TIME_ON_PAGE_SECONDS = 86_400;

/**
 * Page views measured from start to end. A view gets its `event_id` and `timestamp` when it
 * starts and is pushed once, when it ends (the page is hidden or closed, or the SPA moves to
 * another path), carrying `time_on_page`: the seconds it was visible. Its referrer is
 * `document.referrer` for the first view and the previous view's URL after that.
 *
 * The title is read when the view ends: single-page apps usually change `document.title` after
 * `history.pushState`, so at the start of a route the previous route's title is still showing.
 */
export function createPageViews({ now, visible, title, base, push }: PageViewsOptions): PageViews {
  let current: { event: PageView; timer: VisibleTimer } | undefined;
  let previousUrl: string | undefined;

  function end(): void {
    if (!current) return;
    const { event, timer } = current;
    current = undefined;
    const shown = title();
    if (shown) event.page_title = shown.slice(0, MAX_TITLE_LENGTH);
    event.time_on_page = Math.min(MAX_TIME_ON_PAGE_SECONDS, Math.round(timer.elapsedMs()) / 1000);
    push(event);
  }

  return {
    start(url, documentReferrer) {
      end();
      const referrer = previousUrl ?? documentReferrer;
      const event: PageView = { ...base(), type: "page_view", page_url: url.slice(0, MAX_URL_LENGTH), ...utmParameters(url) };
      if (referrer) event.referrer = referrer.slice(0, MAX_URL_LENGTH);
      current = { event, timer: createVisibleTimer(now, visible()) };
      previousUrl = url;
    },
    end,
    pause() {
      current?.timer.pause();
    },
    resume() {
      current?.timer.resume();
    },
  };
}
