/**
 * A browser window faked with just what the tracker touches (document, location, history,
 * navigator, storage, fetch, crypto, events), for running `startTracker` and the built bundle in
 * Node. Events are delivered by calling the registered listeners directly, with the event objects
 * the tracker reads (`composedPath`, `button`, `persisted`).
 */
import { webcrypto } from "node:crypto";

/** A request the fake browser sent: by beacon or by fetch. */
export interface SentRequest {
  via: "beacon" | "fetch";
  url: string;
  body: string;
  init?: RequestInit;
}

type Listener = (event: unknown) => void;

class Listeners {
  private readonly byType = new Map<string, Listener[]>();
  addEventListener = (type: string, listener: Listener) => {
    this.byType.set(type, [...(this.byType.get(type) ?? []), listener]);
  };
  fire(type: string, event: Record<string, unknown> = {}): void {
    for (const listener of this.byType.get(type) ?? []) listener({ type, ...event });
  }
}

/** An `<a>` element as the click handler sees it. */
export class FakeAnchor {
  constructor(readonly href: string) {}
  hasAttribute(name: string): boolean {
    return name === "href";
  }
}

/** The tracker's `<script>` element. */
export class FakeScript {
  constructor(
    readonly src: string,
    private readonly attributes: Record<string, string>,
  ) {}
  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }
}

/** Options of {@link createFakeBrowser}. */
export interface FakeBrowserOptions {
  url?: string;
  referrer?: string;
  title?: string;
  /** The HTTP status fetch answers with. */
  status?: number;
  doNotTrack?: string;
  /** Whether `sessionStorage` throws, as when storage is blocked. */
  storageBlocked?: boolean;
}

/** A fake window, its parts, and what it sent. */
export function createFakeBrowser(options: FakeBrowserOptions = {}) {
  const sent: SentRequest[] = [];
  const warnings: unknown[][] = [];
  const storage = new Map<string, string>();
  const location = new URL(options.url ?? "https://shop.example/?utm_source=news");
  const windowEvents = new Listeners();
  const documentEvents = new Listeners();
  const document = {
    title: options.title ?? "Home",
    referrer: options.referrer ?? "https://search.example/",
    visibilityState: "visible" as DocumentVisibilityState,
    currentScript: null as FakeScript | null,
    addEventListener: documentEvents.addEventListener,
  };
  const moveTo = (url: string | URL | null | undefined) => {
    if (url) location.href = new URL(url, location.href).href;
  };
  const win: Record<string, unknown> = {
    document,
    location,
    history: {
      pushState: (_state: unknown, _unused: string, url?: string | URL | null) => moveTo(url),
      replaceState: (_state: unknown, _unused: string, url?: string | URL | null) => moveTo(url),
    },
    navigator: {
      doNotTrack: options.doNotTrack ?? null,
      sendBeacon: (url: string, body: string) => {
        sent.push({ via: "beacon", url, body });
        return true;
      },
    },
    get sessionStorage() {
      if (options.storageBlocked) throw new Error("SecurityError: storage is blocked");
      return { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value) };
    },
    crypto: webcrypto,
    fetch: async (url: string, init: RequestInit) => {
      sent.push({ via: "fetch", url, body: String(init.body), init });
      return { status: options.status ?? 202 };
    },
    addEventListener: windowEvents.addEventListener,
    HTMLAnchorElement: FakeAnchor,
    HTMLScriptElement: FakeScript,
    console: { ...console, warn: (...args: unknown[]) => void warnings.push(args) },
    URL,
    URLSearchParams,
    Date,
    Math,
    JSON,
    Promise,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: ReturnType<typeof setTimeout> | undefined) => clearTimeout(id),
  };
  win.window = win;
  return {
    win,
    document,
    location,
    storage,
    sent,
    warnings,
    /** The events of every request sent so far, in order. */
    events: () => sent.flatMap((request) => (JSON.parse(request.body) as { events: Record<string, unknown>[] }).events),
    /** The page is hidden (tab switched or closed). */
    hide() {
      document.visibilityState = "hidden";
      documentEvents.fire("visibilitychange");
    },
    show() {
      document.visibilityState = "visible";
      documentEvents.fire("visibilitychange");
    },
    pagehide: () => windowEvents.fire("pagehide", { persisted: false }),
    pageshow: (persisted: boolean) => windowEvents.fire("pageshow", { persisted }),
    popstate: () => windowEvents.fire("popstate"),
    /** A click on `path`, innermost element first (what `composedPath()` returns). */
    click(path: unknown[], button = 0) {
      documentEvents.fire(button === 0 ? "click" : "auxclick", { button, composedPath: () => path });
    },
  };
}
