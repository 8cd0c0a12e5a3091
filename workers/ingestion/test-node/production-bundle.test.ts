/**
 * What deploys contains no local stand-in: `wrangler deploy --dry-run --env production` of the
 * ingestion Worker (the exact bundle and bindings a deploy uploads) holds none of the local
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

let outdir: string;
let bundle: string;
let bindings: string;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "ingestion-production-bundle-"));
  const { stdout } = await promisify(execFile)(pinnedNode, [wranglerCli, "deploy", "--dry-run", "--env", "production", "--outdir", outdir, "-c", "wrangler.jsonc"], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  bundle = readFileSync(join(outdir, "index.js"), "utf8");
  bindings = stdout.slice(stdout.indexOf("Your Worker has access to the following bindings"));
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

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
