// The dashboard (packages/dashboard) at `GET /` and `/assets/*`: a page and two content-hashed
// files, bundled into this Worker as a generated module (~41 KB gzipped beside DuckDB-WASM's
// ~8 MB). The page talks only to POST /graphql on this origin, which the CSP enforces.
import { DASHBOARD_ASSETS, DASHBOARD_HTML, type DashboardAsset } from "@edge-analytics/dashboard";

/**
 * Only this origin's script, stylesheet and API; no inline code, no frames, no forms elsewhere.
 * Styles set through the CSSOM (chart sizes, table bars) are not inline markup, so style-src 'self' holds.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  // The page's own URL may carry filters; never send it elsewhere (its fragment key never leaves anyway).
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
} as const;

function respond(request: Request, asset: DashboardAsset, cacheControl: string): Response {
  const etag = `"${asset.sha256}"`;
  const headers = { ...SECURITY_HEADERS, "content-type": asset.contentType, "cache-control": cacheControl, etag };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(request.method === "HEAD" ? null : asset.body, { headers });
}

/**
 * The dashboard's answer to `request`, or undefined when the path is not the dashboard's. The page
 * revalidates on every load (a deploy changes it); the hashed assets are immutable.
 */
export function serveDashboard(request: Request, pathname: string): Response | undefined {
  if (request.method !== "GET" && request.method !== "HEAD") return undefined;
  if (pathname === "/") return respond(request, DASHBOARD_HTML, "no-cache");
  const asset = DASHBOARD_ASSETS[pathname];
  if (asset) return respond(request, asset, "public, max-age=31536000, immutable");
  return undefined;
}
