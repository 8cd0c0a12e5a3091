/**
 * The dashboard's routes in workerd, through the real Worker (SELF): the page and its hashed
 * assets with the CSP and caching headers, ETag revalidation, HEAD, and 404s for anything else
 * under /assets/ or another method on `/`.
 */
import { SELF } from "cloudflare:test";
import { DASHBOARD_ASSETS, DASHBOARD_HTML } from "@edge-analytics/dashboard";
import { describe, expect, it } from "vitest";

const ORIGIN = "https://analytics.example";

describe("GET / and /assets/*", () => {
  it("serves the page with a CSP of 'self' only, revalidated on every load", async () => {
    const response = await SELF.fetch(`${ORIGIN}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(DASHBOARD_HTML.body);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves each hashed asset immutable, and a 304 for its ETag", async () => {
    for (const [path, asset] of Object.entries(DASHBOARD_ASSETS)) {
      const response = await SELF.fetch(`${ORIGIN}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(asset.contentType);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await response.text()).toBe(asset.body);
      const again = await SELF.fetch(`${ORIGIN}${path}`, { headers: { "if-none-match": `"${asset.sha256}"` } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
    }
  });

  it("answers HEAD without a body", async () => {
    const response = await SELF.fetch(`${ORIGIN}/`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("answers 404 for unknown assets and paths, and other methods", async () => {
    for (const path of ["/assets/", "/assets/app.js", "/assets/app.js/", "/index.html"]) {
      expect((await SELF.fetch(`${ORIGIN}${path}`)).status, path).toBe(404);
    }
    expect((await SELF.fetch(`${ORIGIN}/`, { method: "POST" })).status).toBe(404);
  });
});
