import { createEventQueue } from "./event-queue.ts";
import { flatProperties } from "./flat-properties.ts";
import { type EdgeAnalytics, installGlobalApi } from "./global-api.ts";
import { watchPathChanges } from "./history-changes.ts";
import { outboundHref } from "./outbound-link.ts";
import { createPageViews } from "./page-views.ts";
import { type RandomBytes, randomHex } from "./random-hex.ts";
import { safely } from "./safely.ts";
import { sessionId } from "./session-id.ts";
import type { TrackerConfig } from "./tracker-config.ts";
import type { BaseFields, TrackerEvent, TrackerEventOf } from "./tracker-event.ts";
import { createTransport } from "./transport.ts";
import { createUuidV7 } from "./uuid-v7.ts";

/** Events per request, and the count that sends without waiting. */
const MAX_BATCH = 10;
/** How long clicks and custom events wait for company before they are sent. */
const FLUSH_DELAY_MS = 2000;
/** The event schema's limits for these fields. */
const MAX_NAME_LENGTH = 128;
const MAX_USER_ID_LENGTH = 128;
const MAX_TARGET_LENGTH = 512;

/**
 * Starts tracking on `win`: page views (unless `data-auto="false"`), outbound link clicks, the
 * global API (`window.edgeAnalytics`), and sending: batched while the page is in use, with
 * `sendBeacon` when it is hidden or unloaded. Returns the installed API.
 */
export function startTracker(config: TrackerConfig, win: Window & typeof globalThis): EdgeAnalytics {
  const { document, location, navigator } = win;
  const now = () => Date.now();
  const randomBytes: RandomBytes = (bytes) => win.crypto.getRandomValues(bytes);
  const newEventId = createUuidV7(randomBytes, now);
  const session = sessionId(config.memoryOnly ? undefined : () => win.sessionStorage, () => randomHex(randomBytes, 16));
  let userId: string | undefined;

  const queue = createEventQueue<TrackerEvent>({
    send: createTransport(config.endpoint, {
      sendBeacon: typeof navigator.sendBeacon === "function" ? (url, body) => navigator.sendBeacon(url, body) : undefined,
      fetch: (url, init) => win.fetch(url, init),
    }),
    maxBatch: MAX_BATCH,
    delayMs: FLUSH_DELAY_MS,
  });

  function base(): BaseFields {
    const fields: BaseFields = { event_id: newEventId(), timestamp: new Date(now()).toISOString(), session_id: session, channel: "web", platform: "web" };
    if (userId) fields.user_id = userId;
    return fields;
  }

  const pageViews = createPageViews({
    now,
    visible: () => document.visibilityState === "visible",
    title: () => document.title,
    base,
    // A view is sent when it ends: a user identified meanwhile (apps often learn who is signed in
    // after the first render) is the one who saw it.
    push(view) {
      if (userId && !view.user_id) view.user_id = userId;
      queue.push(view);
    },
  });
  const startPageView = () => pageViews.start(location.href, document.referrer);

  // Hidden is the last moment a page can count on (mobile browsers may discard a hidden tab
  // without unload events); `pagehide` covers browsers that skip it on close.
  function leave(): void {
    pageViews.end();
    queue.flush(true);
  }
  document.addEventListener(
    "visibilitychange",
    safely(function onVisibilityChange() {
      if (document.visibilityState === "hidden") {
        pageViews.pause();
        leave();
      } else {
        pageViews.resume();
      }
    }),
  );
  win.addEventListener("pagehide", safely(leave));

  // Capture phase: a page handler that stops propagation must not hide the click.
  const onLinkClick = safely(function onLinkClick(event: MouseEvent) {
    if (event.type === "auxclick" && event.button !== 1) return;
    for (const node of event.composedPath()) {
      if (!(node instanceof win.HTMLAnchorElement) || !node.hasAttribute("href")) continue;
      const target = outboundHref(node.href, location.host);
      if (target) queue.push({ ...base(), type: "user_action", action: "outbound_click", target: target.slice(0, MAX_TARGET_LENGTH) });
      return;
    }
  });
  document.addEventListener("click", onLinkClick, true);
  document.addEventListener("auxclick", onLinkClick, true);

  if (config.auto) {
    startPageView();
    watchPathChanges(win, startPageView);
    // A page restored from the back/forward cache ran no script: its earlier view already ended.
    win.addEventListener(
      "pageshow",
      safely(function onPageShow(event: PageTransitionEvent) {
        if (event.persisted) startPageView();
      }),
    );
  }

  return installGlobalApi(win, {
    track(name, properties) {
      if (typeof name !== "string" || !name) {
        console.warn("edge-analytics: track() needs a name");
        return;
      }
      const event: TrackerEventOf<"custom"> = { ...base(), type: "custom", name: name.slice(0, MAX_NAME_LENGTH) };
      const flat = flatProperties(properties);
      if (flat) event.properties = flat;
      queue.push(event);
    },
    identify(id) {
      userId = typeof id === "string" && id ? id.slice(0, MAX_USER_ID_LENGTH) : undefined;
    },
    page: startPageView,
    flush() {
      queue.flush(false);
    },
  });
}
