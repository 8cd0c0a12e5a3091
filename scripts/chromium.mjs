// The browser the browser tests drive: Debian's Chromium through playwright-core (no browser
// download: the registries reachable here serve packages, not Playwright's browser builds).
import { existsSync } from "node:fs";
import { aptInstall } from "./apt.mjs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium executable: `CHROMIUM_PATH`, else Debian's, else undefined. */
export function chromiumPath() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Makes sure Chromium is installed for the browser tests (apt-get as root or with password-less
 * sudo). When it cannot be installed, says why and goes on: the browser tests then fail with the
 * same reason, and every other test still runs.
 */
export function ensureChromium({ log }) {
  if (chromiumPath()) return;
  try {
    aptInstall(["chromium", "chromium-browser"], { log, why: "the browser tests (headless Chromium)" });
  } catch (error) {
    log(`cannot install Chromium: ${error.message}`);
  }
}
