// Regenerates the committed, derived artefacts of the event schemas:
//   generated/event.schema.json          JSON Schema for external producers
//   generated/analytics-engine-map.json  the Analytics Engine slot map (golden copy)
//   ../../docs/analytics-engine-map.md   the same map as a table for humans
//   generated/pipelines/<table>.schema.json  the Cloudflare Pipelines stream schema per lake table
// Run: `bun run --cwd packages/event-schema generate`. A test fails when these drift.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { renderArtifacts } from "../src/artifacts.ts";

for (const [relative, content] of Object.entries(renderArtifacts())) {
  const path = fileURLToPath(new URL(`../${relative}`, import.meta.url));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote ${relative}`);
}
