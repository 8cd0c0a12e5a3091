/**
 * What deploys contains no local stand-in: `wrangler deploy --dry-run --env production` of the
 * ingestion Worker and of the API Worker (the exact bundle and bindings a deploy uploads) holds none of the local
 * stand-ins' code (the Analytics Engine SQL dialect, its recorder, the Pipelines stand-in's
 * buffer and sink) and binds none of their Workers; it binds Cloudflare's own Pipelines streams
 * and Analytics Engine dataset instead. Runs in Node: wrangler is a Node program.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { TABLE_NAMES } from "@edge-analytics/event-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pinnedNode, repoRoot, wranglerCli } from "../../../scripts/wrangler-process.mjs";

const LOCAL_ONLY_WORKERS = ["analytics-pipelines-local", "analytics-engine-local", "analytics-s3-local", "analytics-local"];

/** Module paths (esbuild marks each bundled module with a `// <path>` line) and names only a stand-in has. */
const STAND_IN_MARKERS = [
  /^\/\/ packages\/ae-sql\//m,
  /^\/\/ workers\/pipelines-local\//m,
  /^\/\/ workers\/analytics-engine-local\//m,
  /\bAnalyticsEngineRecorder\b/,
  /\bStreamBuffer\b/,
  /\bSendCoalescer\b/,
  /\bPointCoalescer\b/,
  /\brunAeSql\b/,
  /analytics_engine\/sql/,
];

/** `wrangler deploy --dry-run --env production` of one config: the bundle's text and the bindings wrangler lists. */
async function productionBuild(config: string, outdir: string): Promise<{ bundle: string; bindings: string }> {
  const { stdout } = await promisify(execFile)(pinnedNode, [wranglerCli, "deploy", "--dry-run", "--env", "production", "--outdir", outdir, "-c", config], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { bundle: readFileSync(join(outdir, "index.js"), "utf8"), bindings: stdout.slice(stdout.indexOf("Your Worker has access to the following bindings")) };
}

let outdir: string;
let bundle: string;
let bindings: string;
let apiOutdir: string;
let api: { bundle: string; bindings: string };

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "ingestion-production-bundle-"));
  apiOutdir = mkdtempSync(join(tmpdir(), "api-production-bundle-"));
  ({ bundle, bindings } = await productionBuild("wrangler.jsonc", outdir));
  api = await productionBuild("wrangler-api.toml", apiOutdir);
}, 240_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(apiOutdir, { recursive: true, force: true });
});

describe("the production bundle of analytics-ingestion", () => {
  it("is the ingestion path (a real bundle, not an empty one)", () => {
    expect(bundle).toMatch(/^\/\/ packages\/ingest\/src\/ingest-events\.ts$/m);
    expect(bundle).toContain("PipelinesLakeSink");
  });

  it.each(STAND_IN_MARKERS.map((marker) => [String(marker), marker] as const))("contains no stand-in code: %s", (_name, marker) => {
    expect(bundle).not.toMatch(marker);
  });

  it("binds Cloudflare's Pipelines streams and Analytics Engine dataset, and no local-only Worker", () => {
    expect(bindings).toMatch(/env\.ANALYTICS_ENGINE \(analytics_events\)\s+Analytics Engine Dataset/);
    for (const table of TABLE_NAMES) expect(bindings).toMatch(new RegExp(`env\\.PIPELINE_${table.toUpperCase()} \\(\\S+\\)\\s+Pipeline`));
    for (const worker of LOCAL_ONLY_WORKERS) expect(bindings).not.toContain(worker);
    expect(bindings).not.toMatch(/AnalyticsEngineRecorder|StreamBuffer/);
  });
});

describe("the production bundle of analytics-api", () => {
  it("is the API (a real bundle) and calls Cloudflare's Analytics Engine SQL API over HTTP, not the stand-in", () => {
    expect(api.bundle).toMatch(/^\/\/ packages\/query\/src\/run-aggregate\.ts$/m);
    expect(api.bindings).toMatch(/env\.AE_SQL_BASE_URL \("https:\/\/api\.cloudflare\.com\/client\/v4"\)/);
    expect(api.bindings).not.toMatch(/env\.AE_SQL \(/);
    for (const worker of LOCAL_ONLY_WORKERS) expect(api.bindings).not.toContain(worker);
  });

  it.each(STAND_IN_MARKERS.filter((marker) => !/analytics_engine/.test(String(marker))).map((marker) => [String(marker), marker] as const))(
    "contains no stand-in code: %s",
    (_name, marker) => {
      expect(api.bundle).not.toMatch(marker);
    },
  );
});
