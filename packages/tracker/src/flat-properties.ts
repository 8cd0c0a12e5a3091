import type { EventProperties } from "@edge-analytics/event-schema";

/**
 * The event schema's limits on `properties`, repeated here because importing them would bundle
 * zod into the tracker; `test/flat-properties.test.ts` fails if they drift from event-schema's.
 */
export const MAX_PROPERTIES = 50;
/** See {@link MAX_PROPERTIES}. */
export const MAX_PROPERTY_KEY_LENGTH = 64;
/** See {@link MAX_PROPERTIES}. */
export const MAX_PROPERTY_VALUE_LENGTH = 1024;
/** See {@link MAX_PROPERTIES}. */
export const FORBIDDEN_PROPERTY_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * The flat, scalar part of what a page passed as properties: strings (cut to the value limit),
 * finite numbers, booleans and null, under keys the schema accepts, at most the first 50. Nested
 * values are dropped here rather than having the server reject the whole event.
 */
export function flatProperties(input: unknown): EventProperties | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const properties: EventProperties = {};
  let count = 0;
  for (const [key, value] of Object.entries(input)) {
    if (count === MAX_PROPERTIES) break;
    if (!key || key.length > MAX_PROPERTY_KEY_LENGTH || FORBIDDEN_PROPERTY_KEYS.includes(key)) continue;
    let scalar: string | number | boolean | null;
    if (typeof value === "string") scalar = value.slice(0, MAX_PROPERTY_VALUE_LENGTH);
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" || value === null) scalar = value;
    else continue;
    properties[key] = scalar;
    count++;
  }
  return count > 0 ? properties : undefined;
}
