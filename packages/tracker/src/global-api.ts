import { safely } from "./safely.ts";

/** `window.edgeAnalytics`: what a page can call. */
export interface EdgeAnalytics {
  /** A custom event `name` with flat scalar `properties`. */
  track(name: string, properties?: Record<string, string | number | boolean | null>): void;
  /** Sets `user_id` on the events that follow (in memory: call it again on every page load); `null` clears it. */
  identify(userId: string | null): void;
  /** Starts a page view for the current URL, ending the one in progress (for `data-auto="false"`). */
  page(): void;
  /** Sends what is queued now. */
  flush(): void;
}

/** One call made to the stub before the tracker loaded: the method's name, then its arguments. */
export type QueuedCall = [method: string, ...args: unknown[]];

/** The global the API is installed as (`window.edgeAnalytics`). */
export const GLOBAL_NAME = "edgeAnalytics";

const METHODS = ["track", "identify", "page", "flush"] as const;

function queuedCalls(stub: unknown): unknown[] {
  return typeof stub === "object" && stub !== null && "q" in stub && Array.isArray(stub.q) ? stub.q : [];
}

/**
 * Whether `value` is a running tracker's API (methods, no stub queue): a second copy of the
 * script on the page must not count everything twice.
 */
export function isRunningApi(value: unknown): boolean {
  return typeof value === "object" && value !== null && "track" in value && typeof value.track === "function" && !("q" in value);
}

/**
 * Installs `api` as `target.edgeAnalytics` (`target` is `window`, or a fake in tests), every
 * method guarded so it never throws into the page, then replays the calls the page queued in the
 * stub's `q` before the script loaded (an array of {@link QueuedCall}), in order. Unknown
 * methods in the queue are skipped.
 */
export function installGlobalApi(target: object, api: EdgeAnalytics): EdgeAnalytics {
  const queued = queuedCalls(Reflect.get(target, GLOBAL_NAME));
  const installed: EdgeAnalytics = {
    track: safely(api.track),
    identify: safely(api.identify),
    page: safely(api.page),
    flush: safely(api.flush),
  };
  Reflect.set(target, GLOBAL_NAME, installed);
  for (const call of queued) {
    if (!Array.isArray(call)) continue;
    const [name, ...args] = call as unknown[];
    const method = METHODS.find((known) => known === name);
    // Queued arguments are whatever the page passed; each method checks its own.
    if (method) (installed[method] as (...values: unknown[]) => void)(...args);
  }
  return installed;
}

/** The API of a tracker that stays off (no key, opted out): calls are accepted and ignored. */
export const OFF_API: EdgeAnalytics = {
  track() {},
  identify() {},
  page() {},
  flush() {},
};
