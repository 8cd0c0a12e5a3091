/**
 * The dashboard in headless Chromium against the real local stack, over demo traffic loaded by
 * scripts/demo-traffic.mjs through the public ingestion API: a read key opens it, every panel
 * fills, the figures on screen are the GraphQL API's for the same range, a referrer's row filters
 * the time series (and the URL), the shared `#key=` link opens the same view, a phone shows it
 * without horizontal scrolling, and a breakdown exports as CSV. Screenshots of each panel are saved.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { formatCount, formatDuration, formatPercent } from "../../packages/dashboard/src/format.ts";
import { loadDemoTraffic } from "../../scripts/demo-traffic.mjs";
import { repoRoot } from "../../scripts/wrangler-process.mjs";
import { launchChromium } from "./support/chromium.ts";

const origin = inject("stackOrigin");
const READ_KEY = "local-read-key";
const ARTEFACTS = join(repoRoot, ".test-results", "browser", "dashboard");
/** Not UTC, so the viewer's zone visibly shapes the range and the periods. */
const TIMEZONE = "America/New_York";
/** Every panel: the overview, real time, 11 breakdowns, 4 product panels. */
const PANELS = 17;
const LOAD_TIMEOUT_MS = 120_000;

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
/** Uncaught errors of any page: every wait for the panels fails on them. */
const pageErrors: Error[] = [];

beforeAll(async () => {
  // Two weeks of traffic, small enough that every question stays well inside the API's budget.
  const loaded = await loadDemoTraffic({ origin, days: 14, sessionsPerDay: 120, apiRequestsPerDay: 150 });
  expect(loaded.accepted + loaded.duplicates).toBe(loaded.events);
  browser = await launchChromium([]);
  mkdirSync(ARTEFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
});

async function newPage(options: { width: number; height: number; mobile?: boolean }): Promise<Page> {
  if (!browser) throw new Error("Chromium did not start");
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    timezoneId: TIMEZONE,
    locale: "en-US",
    acceptDownloads: true,
    ...(options.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error));
  return page;
}

/** Waits until every panel has answered (no "Loading…" left) and fails on any error state. */
async function waitForPanels(page: Page): Promise<void> {
  await page.waitForFunction(
    (panels) => document.querySelectorAll(".panel").length >= panels && document.querySelectorAll('.state[role="status"]').length === 0,
    PANELS,
    { timeout: LOAD_TIMEOUT_MS },
  );
  const errors = await page.locator(".state.error").allInnerTexts();
  expect(errors).toEqual([]);
  expect(pageErrors).toEqual([]);
}

interface GraphQLAnswer<T> {
  data: { analytics: T };
  errors?: unknown[];
}

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": READ_KEY },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLAnswer<T>;
  expect(body.errors).toBeUndefined();
  return body.data.analytics;
}

/** The range and zone the page asked for (it shows them, and keeps the instants in data attributes). */
async function rangeOf(page: Page): Promise<{ range: { start: string; end: string }; timezone: string }> {
  const text = page.locator("#range-text");
  const start = await text.getAttribute("data-start");
  const end = await text.getAttribute("data-end");
  const timezone = await text.getAttribute("data-timezone");
  if (!start || !end || !timezone) throw new Error("the page does not say which range it shows");
  return { range: { start, end }, timezone };
}

type Row = Record<string, number | string | null>;

/** The total of the time series the page draws, for `filter`. */
async function seriesTotal(variables: Record<string, unknown>, interval: string): Promise<number> {
  const answer = await graphql<{ series: { rows: Row[] } }>(
    `query($range: TimeRange!, $timezone: String!, $filter: JSON) { analytics { series: query(metrics: ["page_views"], granularity: ${interval}, timeRange: $range, timezone: $timezone, filter: $filter, limit: 10000) { rows } } }`,
    variables,
  );
  return answer.series.rows.reduce((sum, row) => sum + Number(row.page_views), 0);
}

let sharedLink = "";
let filteredKpis: string[] = [];

describe("the dashboard", () => {
  it("serves the page and its assets with a CSP, nothing inline", async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style|style="/);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
    expect(assets).toHaveLength(2);
    for (const path of assets) {
      const asset = await fetch(`${origin}${path}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
      await asset.arrayBuffer();
    }
    expect((await fetch(`${origin}/assets/missing.js`)).status).toBe(404);
  });

  it("refuses a wrong key in words, then opens on a read key with every panel filled", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${origin}/?range=30d`);
    await page.fill("#key", "not-a-key");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("[role=alert]").innerText(), { timeout: 30_000 }).toContain("refused");

    await page.fill("#key", READ_KEY);
    await page.click("button[type=submit]");
    await waitForPanels(page);
    expect(await page.evaluate(() => sessionStorage.getItem("edge-analytics.dashboard.key"))).toBe(READ_KEY);

    // Every panel shows data: figures, the chart, the live counter and rows in each table.
    for (const kpi of ["visitors", "page_views", "sessions", "bounce_rate", "avg_time_on_page"]) {
      expect(await page.locator(`[data-kpi=${kpi}] .kpi-value`).getAttribute("data-value")).not.toBe("");
    }
    expect(Number(await page.locator("#timeseries").getAttribute("data-total"))).toBeGreaterThan(0);
    await expect.poll(async () => Number(await page.locator("#realtime-count").getAttribute("data-value"))).toBeGreaterThan(0);
    const panelIds = await page.locator(".panel").evaluateAll((panels) => panels.map((panel) => panel.id));
    expect(panelIds).toHaveLength(PANELS);
    for (const id of panelIds.filter((id) => id.startsWith("breakdown-") || ["videos", "api", "usage", "custom-events"].includes(id))) {
      expect(await page.locator(`#${id} tbody tr`).count(), `rows in #${id}`).toBeGreaterThan(0);
    }
    // Each answer's freshness line names the tier that answered.
    expect(await page.locator("#overview .freshness").innerText()).toMatch(/from (raw files|dbt marts)/);

    // Custom events open their properties.
    await page.locator("#custom-events tbody .row-button", { hasText: "signup" }).click();
    await page.waitForSelector("#custom-event-properties .property tbody tr", { timeout: LOAD_TIMEOUT_MS });
    expect(await page.locator("#custom-event-properties h4").allInnerTexts()).toEqual(expect.arrayContaining(["plan", "source"]));

    await page.screenshot({ path: join(ARTEFACTS, "dashboard.png"), fullPage: true });
    for (const id of panelIds) await page.locator(`#${id}`).screenshot({ path: join(ARTEFACTS, `panel-${id}.png`) });

    // The figures on screen are the API's for the same range and zone.
    const variables = { ...(await rangeOf(page)), filter: null };
    expect(variables.timezone).toBe(TIMEZONE);
    const { kpis } = await graphql<{ kpis: { rows: Row[]; comparison: { rows: Row[] } } }>(
      `query($range: TimeRange!, $timezone: String!, $filter: JSON) { analytics { kpis: query(metrics: ["visitors", "page_views", "sessions", "bounce_rate", "avg_time_on_page"], timeRange: $range, timezone: $timezone, filter: $filter, compare: PREVIOUS_PERIOD) { rows comparison { rows } } } }`,
      variables,
    );
    const figures = kpis.rows[0] ?? {};
    const formats = { visitors: formatCount, page_views: formatCount, sessions: formatCount, bounce_rate: formatPercent, avg_time_on_page: formatDuration };
    for (const [kpi, format] of Object.entries(formats)) {
      const value = page.locator(`[data-kpi=${kpi}] .kpi-value`);
      expect(Number(await value.getAttribute("data-value")), kpi).toBe(figures[kpi]);
      expect(await value.innerText(), kpi).toBe(format(Number(figures[kpi])));
      const previous = kpis.comparison.rows[0]?.[kpi];
      expect(await page.locator(`[data-kpi=${kpi}] .kpi-change`).getAttribute("data-previous"), kpi).toBe(previous === undefined || previous === null ? "" : String(previous));
    }
    const interval = await page.locator("#interval").inputValue();
    expect(interval).toBe("day");
    expect(Number(await page.locator("#timeseries").getAttribute("data-total"))).toBe(await seriesTotal(variables, interval));
    const { referrers } = await graphql<{ referrers: { rows: Row[] } }>(
      `query($range: TimeRange!, $timezone: String!, $filter: JSON) { analytics { referrers: query(metrics: ["visitors", "page_views"], dimensions: ["referrer"], timeRange: $range, timezone: $timezone, filter: $filter, orderBy: [{ field: "page_views" }], limit: 10) { rows } } }`,
      variables,
    );
    const onScreen = await page.locator("#breakdown-referrers tbody tr").evaluateAll((rows) =>
      rows.slice(0, 10).map((row) => [...row.querySelectorAll("td")].map((cell) => Number(cell.getAttribute("data-value")))),
    );
    expect(onScreen).toEqual(referrers.rows.map((row) => [Number(row.visitors), Number(row.page_views)]));
  });

  it("filters the whole dashboard by a clicked referrer, kept in the URL; a breakdown exports as CSV", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${origin}/?range=30d#key=${READ_KEY}`);
    await waitForPanels(page);
    const variables = await rangeOf(page);
    const unfiltered = Number(await page.locator("#timeseries").getAttribute("data-total"));

    const download = page.waitForEvent("download");
    await page.locator("#breakdown-referrers button", { hasText: "CSV" }).click();
    const csv = readFileSync(await (await download).path(), "utf8");
    expect(csv.split("\r\n")[0]).toBe("referrer,visitors,page_views");
    expect(csv).toContain("https://www.google.com/,");

    await page.locator("#breakdown-referrers .row-button", { hasText: "www.google.com" }).click();
    await expect.poll(() => page.locator("[data-filter=referrer]").count()).toBe(1);
    expect(new URL(page.url()).searchParams.get("f.referrer")).toBe("https://www.google.com/");
    await waitForPanels(page);
    const expected = await seriesTotal({ ...variables, filter: { referrer: { eq: "https://www.google.com/" } } }, "day");
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(unfiltered);
    await expect.poll(async () => Number(await page.locator("#timeseries").getAttribute("data-total")), { timeout: LOAD_TIMEOUT_MS }).toBe(expected);
    // Every breakdown follows: the referrer table now holds only that referrer.
    expect(await page.locator("#breakdown-referrers tbody tr").count()).toBe(1);
    expect(await page.locator("#breakdown-referrers .row-button").getAttribute("aria-pressed")).toBe("true");
    await page.locator("#overview").screenshot({ path: join(ARTEFACTS, "overview-filtered-by-referrer.png") });
    filteredKpis = await page.locator(".kpi-value").allInnerTexts();

    await page.click("#share");
    sharedLink = await page.locator("#share-link").inputValue();
    expect(sharedLink).toContain("f.referrer=");
    expect(new URL(sharedLink).hash).toBe(`#key=${READ_KEY}`);
  });

  it("opens the same view from the shared link in a fresh browser, and the key never reaches the server", async () => {
    expect(sharedLink).not.toBe("");
    const page = await newPage({ width: 1280, height: 900 });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(sharedLink);
    await waitForPanels(page);
    expect(await page.locator("#key").count()).toBe(0);
    expect(await page.locator("[data-filter=referrer]").innerText()).toContain("www.google.com");
    expect(await page.locator(".kpi-value").allInnerTexts()).toEqual(filteredKpis);
    // The fragment is dropped from the address bar once read; requests carry the key only in a header.
    expect(new URL(page.url()).hash).toBe("");
    expect(requested.filter((url) => url.includes(READ_KEY))).toEqual([]);
  });

  it("fits a phone without horizontal scrolling", async () => {
    const page = await newPage({ width: 390, height: 844, mobile: true });
    await page.goto(`${origin}/?range=30d#key=${READ_KEY}`);
    await waitForPanels(page);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
    await page.screenshot({ path: join(ARTEFACTS, "phone.png"), fullPage: true });
  });

  it("works from the keyboard: Tab to a row and Enter filters by it; the chip removes it", async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${origin}/?range=30d#key=${READ_KEY}`);
    await waitForPanels(page);
    await page.locator("#breakdown-countries .row-button").first().focus();
    const country = await page.locator("#breakdown-countries .row-button").first().innerText();
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.get("f.country")).toBe(country);
    await page.locator("[data-filter=country] button").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.get("f.country")).toBe(null);
  });
});
