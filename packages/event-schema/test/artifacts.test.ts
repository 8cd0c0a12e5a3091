import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ANALYTICS_ENGINE_MAP } from "../src/analytics-engine.ts";
import { renderArtifacts } from "../src/artifacts.ts";
import {
  baseEventShape,
  EVENT_TYPES,
  eventInputSchemas,
  eventTypeShapes,
  inputFieldNames,
  isEventType,
  TABLE_NAMES,
} from "../src/events.ts";

const REGENERATE = "run `bun run --cwd packages/event-schema generate` and commit the result";

/** Paths in `renderArtifacts()` are relative to packages/event-schema. */
function readCommitted(relative: string): string {
  return readFileSync(fileURLToPath(new URL(`../${relative}`, import.meta.url)), "utf8");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === "string")) {
    throw new Error(`${what} must be an array of strings`);
  }
  return value;
}

describe("committed generated artifacts", () => {
  const artifacts = renderArtifacts();

  it("renders the artifacts producers, readers, infrastructure and humans use", () => {
    expect(Object.keys(artifacts).sort()).toEqual(
      [
        "../../docs/analytics-engine-map.md",
        "generated/analytics-engine-map.json",
        "generated/event.schema.json",
        ...TABLE_NAMES.map((table) => `generated/pipelines/${table}.schema.json`),
      ].sort(),
    );
  });

  it("generated/pipelines holds no stream schema beyond the rendered ones", () => {
    // infrastructure/setup-pipelines.sh creates one stream per file there, so a stale file would
    // become a stream.
    const committed = readdirSync(fileURLToPath(new URL("../generated/pipelines/", import.meta.url)));
    expect(committed.map((file) => `generated/pipelines/${file}`).sort()).toEqual(
      Object.keys(artifacts)
        .filter((path) => path.startsWith("generated/pipelines/"))
        .sort(),
    );
  });

  it.each(Object.keys(artifacts))("%s matches the zod schemas", (relative) => {
    expect(readCommitted(relative), `${relative} is stale: ${REGENERATE}`).toBe(artifacts[relative]);
  });
});

describe("Analytics Engine slots are append-only", () => {
  // The committed copy is the golden map: whatever it says was written to AE must stay readable.
  const golden: unknown = JSON.parse(readCommitted("generated/analytics-engine-map.json"));

  it("the golden map is an object keyed by event type", () => {
    expect(isRecord(golden)).toBe(true);
  });

  const goldenEntries = isRecord(golden) ? Object.entries(golden) : [];

  it.each(goldenEntries)("%s keeps every committed slot", (eventType, committed) => {
    expect(isEventType(eventType), `event type "${eventType}" was removed; event types may only be added`).toBe(true);
    if (!isEventType(eventType) || !isRecord(committed)) throw new Error(`golden entry for ${eventType} is malformed`);
    const current = ANALYTICS_ENGINE_MAP[eventType];
    const blobs = stringArray(committed.blobs, `${eventType}.blobs`);
    const doubles = stringArray(committed.doubles, `${eventType}.doubles`);
    const message = `${eventType}: Analytics Engine slots may only be appended, never renamed, moved or reused`;
    expect(current.blobs.slice(0, blobs.length), `${message} (blobs)`).toEqual(blobs);
    expect(current.doubles.slice(0, doubles.length), `${message} (doubles)`).toEqual(doubles);
    expect(committed.index1, `${message} (index1)`).toBe(current.index1);
  });

  it("the golden map covers every event type", () => {
    expect(goldenEntries.map(([type]) => type).sort()).toEqual([...EVENT_TYPES].sort());
  });
});

describe("generated/event.schema.json agrees with zod", () => {
  // No JSON Schema validator (ajv) is installed, so instead of validating sample events the test
  // checks the structure that decides acceptance: one branch per type, the same field names and
  // the same required fields as zod.
  const schema: unknown = JSON.parse(readCommitted("generated/event.schema.json"));
  const branches = isRecord(schema) && Array.isArray(schema.oneOf) ? schema.oneOf.filter(isRecord) : [];

  function branchFor(type: string): Record<string, unknown> {
    const branch = branches.find((b) => isRecord(b.properties) && isRecord(b.properties.type) && b.properties.type.const === type);
    if (!branch) throw new Error(`no JSON Schema branch for ${type}`);
    return branch;
  }

  it("has one branch per event type", () => {
    expect(branches).toHaveLength(EVENT_TYPES.length);
  });

  it.each(EVENT_TYPES)("%s: same fields and required fields as the zod input schema", (type) => {
    const branch = branchFor(type);
    const properties = isRecord(branch.properties) ? Object.keys(branch.properties) : [];
    expect(properties).toEqual(inputFieldNames(type));
    const shape = { ...baseEventShape, ...eventTypeShapes[type] };
    const requiredByZod = [
      "type",
      ...Object.entries(shape)
        .filter(([, field]) => !field.safeParse(undefined).success)
        .map(([name]) => name),
    ];
    expect(stringArray(branch.required, `${type}.required`).sort()).toEqual(requiredByZod.sort());
    // zod's input schemas are strict, but ingestion folds unknown scalars into `properties`
    // first, so the published schema allows exactly those.
    expect(branch.additionalProperties).toEqual({ type: ["string", "number", "boolean", "null"] });
    expect(eventInputSchemas[type].safeParse({ type, unknown_field: 1 }).success).toBe(false);
  });
});
