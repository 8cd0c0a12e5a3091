// Small helpers shared by the project's scripts (run under the pinned Node).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Prints a step heading, so long runs show progress. */
export function step(message) {
  process.stdout.write(`\n\x1b[1m▶ ${message}\x1b[0m\n`);
}
