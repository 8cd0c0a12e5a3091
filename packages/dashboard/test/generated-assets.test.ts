import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DASHBOARD_ASSETS, DASHBOARD_HTML } from "../generated/dashboard-assets.ts";
import { BUILD_COMMAND, buildDashboard, GENERATED_MODULE, renderGeneratedModule, sha256 } from "../scripts/build-dashboard.ts";

/** The dashboard rides in the API Worker's bundle beside DuckDB-WASM (~8.3 MB of 10 MB gzipped): keep it small. */
const MAX_GZIPPED_BYTES = 64 * 1024;

describe("generated/dashboard-assets.ts", () => {
  it("is a fresh build of src/", async () => {
    const committed = readFileSync(new URL(`../${GENERATED_MODULE}`, import.meta.url), "utf8");
    const fresh = renderGeneratedModule(await buildDashboard());
    expect(committed === fresh, `packages/dashboard/${GENERATED_MODULE} is stale: run \`${BUILD_COMMAND}\``).toBe(true);
  });

  it("builds the same bytes twice", async () => {
    expect(await buildDashboard()).toEqual(await buildDashboard());
  });

  it("has a page naming exactly its two hashed assets, nothing inline", () => {
    const paths = Object.keys(DASHBOARD_ASSETS);
    expect(paths).toHaveLength(2);
    for (const path of paths) {
      expect(path).toMatch(/^\/assets\/app-[A-Z0-9]+\.(js|css)$/);
      expect(DASHBOARD_HTML.body).toContain(`"${path}"`);
    }
    expect(DASHBOARD_HTML.body).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/);
    for (const asset of [DASHBOARD_HTML, ...Object.values(DASHBOARD_ASSETS)]) {
      expect(asset.sha256).toBe(sha256(asset.body));
      expect(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(asset.body)).toBe(true);
    }
  });

  it("uses no eval or string-compiled code (the CSP forbids it)", () => {
    const script = Object.values(DASHBOARD_ASSETS).find((asset) => asset.contentType.startsWith("text/javascript"));
    expect(script?.body).not.toMatch(/\beval\(|new Function\(/);
  });

  it(`is under ${MAX_GZIPPED_BYTES / 1024} KiB gzipped`, () => {
    const gzipped = [DASHBOARD_HTML, ...Object.values(DASHBOARD_ASSETS)].reduce((sum, asset) => sum + gzipSync(asset.body).length, 0);
    console.log(`dashboard: ${gzipped} bytes gzipped (budget ${MAX_GZIPPED_BYTES})`);
    expect(gzipped).toBeLessThan(MAX_GZIPPED_BYTES);
  });
});
