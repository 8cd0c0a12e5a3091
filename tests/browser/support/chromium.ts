/**
 * Launches the system's Chromium for the browser tests: playwright-core drives it, no browser is
 * downloaded. `CHROMIUM_PATH` overrides the Debian default.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where Chromium is looked for when `CHROMIUM_PATH` is not set. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Headless Chromium resolving `hostNames` to 127.0.0.1 (`--host-resolver-rules`), so a local
 * server is reachable under other origins. Fails with what to do when Chromium is missing.
 */
export async function launchChromium(hostNames: readonly string[]): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: the browser tests drive a system Chromium with playwright-core (no download). ` +
        "Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to its executable.",
    );
  }
  const rules = hostNames.map((host) => `MAP ${host} 127.0.0.1`).join(", ");
  return chromium.launch({ executablePath, args: [`--host-resolver-rules=${rules}`] });
}

/**
 * The User-Agent of a desktop Chrome of the same version. Headless Chromium says
 * `HeadlessChrome/...`, which enrichment rightly flags as a bot (isbot) and names
 * "Chrome Headless" (ua-parser-js); the tests stand in for a real visitor.
 */
export async function desktopChromeUserAgent(browser: Browser): Promise<string> {
  const session = await browser.newBrowserCDPSession();
  const { userAgent } = await session.send("Browser.getVersion");
  await session.detach();
  return userAgent.replace("HeadlessChrome/", "Chrome/");
}
