// workerd refuses to generate code from strings (`new Function`, `eval`): apache-arrow's Builders
// and vectorFromArray fail there (`EvalError: Code generation from strings disallowed`). Node has
// the same switch, so the whole encoder runs in a child Node with it on: whatever would fail in a Worker for that reason fails here.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EVENT_TYPES } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";

const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

const SCRIPT = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { EVENT_TYPES, lakeColumns } from "@edge-analytics/event-schema";
import { encodeLakeRows } from ${source("../src/parquet/encode-lake-rows.ts")};
import { initZstd } from ${source("../src/parquet/writer/zstd.ts")};
initZstd(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
const sample = { string: "x", json: "{}", float64: 1.5, int64: 200, boolean: 1, timestamp: "2024-01-15T10:30:00.000Z" };
for (const type of EVENT_TYPES) {
  const row = lakeColumns(type).map((column) => sample[column.kind]);
  process.stdout.write(type + ":" + encodeLakeRows(type, [row, row]).length + "\\n");
}
let refused = "no";
try { new Function("return 1"); } catch (error) { refused = error.name; }
process.stdout.write("new Function: " + refused + "\\n");
`;

describe("encodeLakeRows without code generation from strings (as in workerd)", () => {
  // Node strips the sources' types itself from 22.18 (process.features.typescript).
  it.skipIf(!process.features.typescript)("encodes every event type", () => {
    const child = spawnSync(process.execPath, ["--disallow-code-generation-from-strings", "--input-type=module", "-e", SCRIPT], {
      // The package folder, so that bare imports resolve as they do for the sources.
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
    });
    expect(child.stderr).not.toMatch(/Error/);
    const lines = child.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe("new Function: EvalError");
    expect(lines.slice(0, -1).map((line) => line.split(":")[0])).toEqual(EVENT_TYPES);
    expect(child.status).toBe(0);
  });
});
