// Writes generated/dashboard-assets.ts: the dashboard bundled and minified (build-dashboard.ts).
// Run from the repository root: `node_modules/.bin/node packages/dashboard/scripts/build.ts`
// (or `bun run --cwd packages/dashboard build`). A unit test fails when the file drifts.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { buildDashboard, GENERATED_MODULE, renderGeneratedModule } from "./build-dashboard.ts";

const built = await buildDashboard();
writeFileSync(new URL(`../${GENERATED_MODULE}`, import.meta.url), renderGeneratedModule(built));
for (const { path, body } of [{ path: "/", body: built.html }, ...built.assets]) {
  console.log(`  ${path}: ${body.length} bytes, ${gzipSync(body).length} gzipped`);
}
console.log(`wrote packages/dashboard/${GENERATED_MODULE}`);
