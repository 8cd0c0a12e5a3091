/**
 * `.test-results/crash-summary.json`: the figures of the crash tests (tests/launcher.test.ts,
 * tests/crash.test.ts), one section per test file, merged so each file can write its own.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/local-stack.mjs";

/** Where the summary goes (gitignored with the rest of .test-results/). */
export const crashSummaryPath = join(repoRoot, ".test-results", "crash-summary.json");

/** Replaces `section` of the summary with `figures`, keeping the other sections. */
export function recordCrashFigures(section: string, figures: unknown): void {
  mkdirSync(join(repoRoot, ".test-results"), { recursive: true });
  let summary: Record<string, unknown> = {};
  if (existsSync(crashSummaryPath)) {
    try {
      summary = JSON.parse(readFileSync(crashSummaryPath, "utf8")) as Record<string, unknown>;
    } catch {
      // A half-written file from an interrupted run: start over.
    }
  }
  summary[section] = { recorded_at: new Date().toISOString(), ...(figures as object) };
  writeFileSync(crashSummaryPath, `${JSON.stringify(summary, null, 2)}\n`);
}
