/**
 * The entry of the bundle served at /tracker.js (scripts/build.ts): finds its `<script>`
 * element, reads its settings and starts tracking, or installs an API that ignores calls when it
 * must stay off. Nothing here may throw into the page.
 */
import { GLOBAL_NAME, installGlobalApi, isRunningApi, OFF_API } from "./global-api.ts";
import { optedOut } from "./privacy-signals.ts";
import { safely } from "./safely.ts";
import { startTracker } from "./start-tracker.ts";
import { readTrackerConfig } from "./tracker-config.ts";

safely(function bootEdgeAnalytics(): void {
  // Read now: `document.currentScript` is only set while this script runs.
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
  if (isRunningApi(Reflect.get(window, GLOBAL_NAME))) {
    console.warn("edge-analytics: already running");
    return;
  }
  const config = readTrackerConfig(script, location.href);
  if (typeof config === "string") {
    console.warn(`edge-analytics: ${config}`);
    installGlobalApi(window, OFF_API);
    return;
  }
  if (config.respectDnt && optedOut(navigator)) {
    installGlobalApi(window, OFF_API);
    return;
  }
  startTracker(config, window);
})();
