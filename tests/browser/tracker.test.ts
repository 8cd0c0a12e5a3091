/**
 * The browser tracker in headless Chromium against the real local stack: a page on another
 * origin loads `/tracker.js` with the one-line snippet; a visit (landing page with UTM fields, an
 * SPA route, an outbound click, a custom event, the tab closed) lands in the lake as the events
 * the tracker promises, enriched from the browser's request. The publishable key is refused from
 * a disallowed origin and on the read API.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TRACKER_SCRIPT } from "@edge-analytics/tracker";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { EdgeAnalytics } from "../../packages/tracker/src/global-api.ts";
import { SESSION_STORAGE_KEY } from "../../packages/tracker/src/session-id.ts";
import { repoRoot } from "../../scripts/wrangler-process.mjs";
import { lakeRows } from "../support/lake-rows.ts";
import { desktopChromeUserAgent, launchChromium } from "./support/chromium.ts";
import { PAGE_TITLES, STUB_EVENT, startTestPages, type TestPages } from "./support/test-pages.ts";

const origin = inject("stackOrigin");
const PUBLISHABLE_KEY = "local-pub-key";
/** Not among the key's allowed origins (`http://localhost:*`, `http://127.0.0.1:*`). */
const EVIL_HOST = "evil.test";
const OUTBOUND_HOST = "outbound.test";
const ARTEFACTS = join(repoRoot, ".test-results", "browser");
const LAKE_TIMEOUT_MS = 30_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type TableName = Parameters<typeof lakeRows>[1];
/** The page's global: the stub (methods that queue in `q`) until the tracker replaces it. */
type TrackerWindow = { edgeAnalytics?: EdgeAnalytics & { q?: unknown[] } };

let pages: TestPages | undefined;
let browser: Browser | undefined;
let context: BrowserContext;

beforeAll(async () => {
  pages = await startTestPages(origin, OUTBOUND_HOST);
  browser = await launchChromium([EVIL_HOST, OUTBOUND_HOST]);
  context = await browser.newContext({ userAgent: await desktopChromeUserAgent(browser) });
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

function pagesPort(): number {
  if (!pages) throw new Error("the test page server did not start");
  return pages.port;
}

/** Whether the tracker has replaced the page's stub (runs in the page). */
function trackerReady(): boolean {
  const api = (window as TrackerWindow).edgeAnalytics;
  return api !== undefined && !("q" in api);
}

function isEventsPost(response: Response): boolean {
  return response.url().startsWith(`${origin}/events`) && response.request().method() === "POST";
}

/** The events a tracker request carried. */
function postedEvents(response: Response): Record<string, unknown>[] {
  return (JSON.parse(response.request().postData() ?? "{}") as { events: Record<string, unknown>[] }).events;
}

/** What a page reported: uncaught errors, the tracker's console messages, the answers to its requests. */
interface PageReport {
  errors: Error[];
  trackerMessages: string[];
  answers: Response[];
}

/** Opens `url` in a new tab, watching it from the start, and waits for the tracker to load. */
async function openTrackedPage(url: string, referer?: string): Promise<{ page: Page; sessionId: string; report: PageReport }> {
  const page = await context.newPage();
  const report: PageReport = { errors: [], trackerMessages: [], answers: [] };
  page.on("pageerror", (error) => report.errors.push(error));
  page.on("console", (message) => void (message.text().includes("edge-analytics") && report.trackerMessages.push(message.text())));
  page.on("response", (response) => void (isEventsPost(response) && report.answers.push(response)));
  await page.goto(url, referer ? { referer } : {});
  await page.waitForFunction(trackerReady);
  const sessionId = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_STORAGE_KEY);
  if (!sessionId) throw new Error(`no session id in sessionStorage["${SESSION_STORAGE_KEY}"]`);
  return { page, sessionId, report };
}

/** The session's rows of `table`, once at least `count` have landed (the beacon may still be on its way). */
async function sessionRows(table: TableName, sessionId: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + LAKE_TIMEOUT_MS;
  for (;;) {
    const rows = await lakeRows(origin, table, (row) => row.session_id === sessionId);
    if (rows.length >= count || Date.now() > deadline) return rows.sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
    await new Promise((done) => setTimeout(done, 500));
  }
}

describe("GET /tracker.js", () => {
  it("serves the committed build, with an ETag that revalidates to 304", async () => {
    const response = await fetch(`${origin}/tracker.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^(application|text)\/javascript/);
    expect(await response.text()).toBe(TRACKER_SCRIPT);
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const again = await fetch(`${origin}/tracker.js`, { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
  });
});

describe("the tracker in Chromium", () => {
  it("records a visit: landing page, SPA route, outbound click, custom event, tab closed", async () => {
    const port = pagesPort();
    const landingUrl = `http://127.0.0.1:${port}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch`;
    const pricingUrl = `http://127.0.0.1:${port}/pricing`;
    const { page, sessionId, report } = await openTrackedPage(landingUrl, "https://search.example/results?q=shop");
    const { answers } = report;
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);

    // Visible time on the landing page; meanwhile the stub's queued call goes out after the 2 s delay.
    await page.waitForTimeout(1500);
    await page.click("a[href='/pricing']");
    expect(page.url()).toBe(pricingUrl);
    expect(await page.title()).toBe(PAGE_TITLES["/pricing"]);
    await page.click(`#outbound`);
    expect(page.url()).toBe(pricingUrl);
    await page.evaluate(() => (window as TrackerWindow).edgeAnalytics?.track("signup", { plan: "pro" }));

    // Stub call, landing view (ended by the route change), outbound click, signup: within a batch delay or two.
    await expect.poll(() => answers.flatMap(postedEvents).length, { timeout: 10_000 }).toBe(4);
    expect(answers.flatMap(postedEvents).map((event) => event.type).sort()).toEqual(["custom", "custom", "page_view", "user_action"]);
    for (const answer of answers) {
      const request = answer.request();
      expect(request.url()).toBe(`${origin}/events?key=${PUBLISHABLE_KEY}`);
      expect(request.resourceType()).toBe("fetch");
      const headers = await request.allHeaders();
      expect(headers["content-type"]).toBe("text/plain;charset=UTF-8");
      expect(headers["x-api-key"]).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
      expect(headers.origin).toBe(`http://127.0.0.1:${port}`);
      expect(answer.status()).toBe(202);
      expect(await answer.json()).toMatchObject({ duplicates: 0, rejected: [] });
    }
    expect(await page.evaluate(() => document.cookie)).toBe("");

    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTEFACTS, "tracker-page.png"), fullPage: true });
    // Closing the tab fires pagehide: its beacon carries the pricing view (Chromium delivers
    // beacons of a closing page; Playwright just does not report their responses).
    await page.close({ runBeforeUnload: true });

    const views = await sessionRows("page_views", sessionId, 2);
    expect(views).toHaveLength(2);
    const [landing, pricing] = views;
    const common = {
      session_id: sessionId,
      project_id: "local",
      channel: "web",
      platform: "web",
      browser: "Chrome",
      os: "Linux",
      device_type: "desktop",
      is_bot: false,
    };
    expect(landing).toMatchObject({
      ...common,
      page_url: landingUrl,
      page_title: PAGE_TITLES["/"],
      referrer: "https://search.example/results?q=shop",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "spring-launch",
    });
    expect(pricing).toMatchObject({ ...common, page_url: pricingUrl, page_title: PAGE_TITLES["/pricing"], referrer: landingUrl, utm_source: null });
    expect(Number(landing?.time_on_page)).toBeGreaterThanOrEqual(1);
    expect(Number(pricing?.time_on_page)).toBeGreaterThan(0);
    for (const view of views) expect(view.event_id).toMatch(UUID_V7);

    const custom = await sessionRows("custom_events", sessionId, 2);
    expect(custom.map((row) => ({ name: row.name, properties: JSON.parse(String(row.properties)) }))).toEqual([
      { name: STUB_EVENT.name, properties: STUB_EVENT.properties },
      { name: "signup", properties: { plan: "pro" } },
    ]);
    for (const row of custom) expect(row).toMatchObject(common);

    const actions = await sessionRows("user_actions", sessionId, 1);
    expect(actions).toEqual([expect.objectContaining({ ...common, action: "outbound_click", target: `http://${OUTBOUND_HOST}:${port}/partner` })]);

    // The tracker never threw into the page and had nothing to warn about.
    expect(report.errors).toEqual([]);
    expect(report.trackerMessages).toEqual([]);
  });

  it("is refused (403) with the publishable key from a disallowed origin, and nothing of that session lands", async () => {
    const port = pagesPort();
    const { page, sessionId } = await openTrackedPage(`http://${EVIL_HOST}:${port}/`);
    const refusal = { status: 403, message: expect.stringContaining(`origin http://${EVIL_HOST}:${port}`) };

    // The stub's call and one more, sent now by fetch: its answer is readable (the Worker answers CORS with *).
    const fetched = page.waitForResponse(isEventsPost);
    await page.evaluate(() => {
      (window as TrackerWindow).edgeAnalytics?.track("evil_signup");
      (window as TrackerWindow).edgeAnalytics?.flush();
    });
    const fetchAnswer = await fetched;
    expect(fetchAnswer.request().resourceType()).toBe("fetch");
    expect(fetchAnswer.request().url()).toBe(`${origin}/events?key=${PUBLISHABLE_KEY}`);
    expect(postedEvents(fetchAnswer).map((event) => event.name)).toEqual([STUB_EVENT.name, "evil_signup"]);
    expect(fetchAnswer.status()).toBe(403);
    expect(await fetchAnswer.json()).toEqual({ error: refusal });

    // A page hide the test can watch (Playwright does not report the requests of a closed page):
    // the landing view goes by beacon, whose opaque answer shows only its status.
    const beaconed = page.waitForResponse(isEventsPost);
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pagehide")));
    const beaconAnswer = await beaconed;
    expect(beaconAnswer.request().resourceType()).toBe("ping");
    expect(postedEvents(beaconAnswer).map((event) => event.type)).toEqual(["page_view"]);
    expect(beaconAnswer.status()).toBe(403);
    await page.close({ runBeforeUnload: true });

    for (const table of ["page_views", "custom_events"] as const) {
      expect(await lakeRows(origin, table, (row) => row.session_id === sessionId), table).toEqual([]);
    }
  });

  it("cannot read with the publishable key: POST /graphql answers 403", async () => {
    const response = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": PUBLISHABLE_KEY },
      body: JSON.stringify({ query: "{ realtime { topPages { page_url } } }" }),
    });
    expect(response.status).toBe(403);
  });
});
