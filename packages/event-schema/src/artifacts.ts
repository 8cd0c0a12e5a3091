import { ANALYTICS_ENGINE_DATASET, ANALYTICS_ENGINE_MAP } from "./analytics-engine.ts";
import { EVENT_TYPES, TABLE_BY_EVENT_TYPE } from "./events.ts";
import { eventJsonSchema } from "./json-schema.ts";
import { pipelinesStreamSchemas } from "./pipelines-schema.ts";

function renderAnalyticsEngineMarkdown(): string {
  const lines = [
    "# Analytics Engine column map",
    "",
    "Generated from `packages/event-schema` by `bun run --cwd packages/event-schema generate`; do not edit.",
    "",
    `Dataset \`${ANALYTICS_ENGINE_DATASET}\`, one data point per accepted event (so \`sum(_sample_interval)\` counts events).`,
    "`index1` is the project id. Slots are append-only: a field keeps its slot forever.",
    "Absent strings are stored as `''`, absent numbers as `0` (Analytics Engine has no nulls).",
    "",
  ];
  for (const type of EVENT_TYPES) {
    const mapping = ANALYTICS_ENGINE_MAP[type];
    lines.push(`## \`${type}\` (lake table \`${TABLE_BY_EVENT_TYPE[type]}\`)`, "", "| column | field |", "| --- | --- |");
    lines.push("| index1 | project_id |");
    mapping.blobs.forEach((field, i) => lines.push(`| blob${i + 1} | ${field} |`));
    mapping.doubles.forEach((field, i) => lines.push(`| double${i + 1} | ${field} |`));
    lines.push("");
  }
  return lines.join("\n");
}

/**
 * Every generated file, by path relative to packages/event-schema. The Pipelines stream schemas
 * are files because `wrangler pipelines streams create --schema-file` reads one per stream
 * (infrastructure/setup-pipelines.sh).
 */
export function renderArtifacts(): Record<string, string> {
  const streamSchemas = Object.entries(pipelinesStreamSchemas()).map(([table, schema]) => [
    `generated/pipelines/${table}.schema.json`,
    `${JSON.stringify(schema, null, 2)}\n`,
  ]);
  return {
    "generated/event.schema.json": `${JSON.stringify(eventJsonSchema(), null, 2)}\n`,
    "generated/analytics-engine-map.json": `${JSON.stringify(ANALYTICS_ENGINE_MAP, null, 2)}\n`,
    ...Object.fromEntries(streamSchemas),
    "../../docs/analytics-engine-map.md": renderAnalyticsEngineMarkdown(),
  };
}
