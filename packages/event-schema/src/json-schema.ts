import { z } from "zod";
import { eventInputSchema } from "./events.ts";

/**
 * The JSON Schema (draft 2020-12) of what producers may send, for external producers and their
 * tooling. Generated from the zod schemas; `generated/event.schema.json` is the committed copy.
 */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(eventInputSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  // Ingestion keeps unknown top-level scalars (moving them into `properties`); say so instead of
  // the strict parser's `additionalProperties: false`.
  for (const branch of (schema.oneOf ?? schema.anyOf ?? []) as Record<string, unknown>[]) {
    branch.additionalProperties = { type: ["string", "number", "boolean", "null"] };
  }
  return {
    $id: "https://github.com/edge-analytics/edge-analytics/event.schema.json",
    title: "Edge Analytics event",
    description:
      "One event as sent to POST /events (or one element of its `events` array). Unknown top-level scalar fields are kept in `properties`.",
    ...schema,
  };
}
