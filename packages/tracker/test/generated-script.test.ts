import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { TRACKER_SCRIPT, TRACKER_SCRIPT_SHA256 } from "../generated/tracker-script.ts";
import { BUILD_COMMAND, buildTrackerScript, GENERATED_MODULE, renderGeneratedModule, scriptSha256 } from "../scripts/build-tracker-script.ts";

/** The budget for /tracker.js on the wire: it loads on every page of every site that embeds it. */
const MAX_GZIPPED_BYTES = 3072;

describe("generated/tracker-script.ts", () => {
  it("is a fresh build of src/", async () => {
    const committed = readFileSync(new URL(`../${GENERATED_MODULE}`, import.meta.url), "utf8");
    const fresh = renderGeneratedModule(await buildTrackerScript());
    expect(committed === fresh, `packages/tracker/${GENERATED_MODULE} is stale: run \`${BUILD_COMMAND}\``).toBe(true);
  });

  it("builds the same bytes twice", async () => {
    expect(await buildTrackerScript()).toBe(await buildTrackerScript());
  });

  it("exports the script and its SHA-256", () => {
    expect(TRACKER_SCRIPT.length).toBeGreaterThan(0);
    expect(TRACKER_SCRIPT_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(TRACKER_SCRIPT_SHA256).toBe(scriptSha256(TRACKER_SCRIPT));
  });

  it("is one ASCII-only IIFE that names no module system", () => {
    expect(TRACKER_SCRIPT).toMatch(/^"use strict";\(\(\)=>\{[\s\S]*\}\)\(\);$/);
    expect(/^[\x20-\x7e]*$/.test(TRACKER_SCRIPT)).toBe(true);
    expect(TRACKER_SCRIPT).not.toMatch(/\brequire\(|\bimport\(|\bexport\b/);
  });

  it(`is under ${MAX_GZIPPED_BYTES} bytes gzipped`, () => {
    const gzipped = gzipSync(TRACKER_SCRIPT).length;
    console.log(`tracker.js: ${TRACKER_SCRIPT.length} bytes minified, ${gzipped} bytes gzipped (budget ${MAX_GZIPPED_BYTES})`);
    expect(gzipped).toBeLessThan(MAX_GZIPPED_BYTES);
  });
});
