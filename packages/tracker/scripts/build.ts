// Writes generated/tracker-script.ts: the tracker bundled and minified (build-tracker-script.ts).
// Run from the repository root: `node_modules/.bin/node packages/tracker/scripts/build.ts`
// (or `bun run --cwd packages/tracker build`). A unit test fails when the file drifts.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { buildTrackerScript, GENERATED_MODULE, renderGeneratedModule } from "./build-tracker-script.ts";

const script = await buildTrackerScript();
writeFileSync(new URL(`../${GENERATED_MODULE}`, import.meta.url), renderGeneratedModule(script));
console.log(`wrote packages/tracker/${GENERATED_MODULE}: ${script.length} bytes, ${gzipSync(script).length} gzipped`);
