import {
  EVENT_TYPES,
  eventInputSchemas,
  FORBIDDEN_PROPERTY_KEYS,
  inputFieldNames,
  isEventType,
  type ValidEvent,
} from "@edge-analytics/event-schema";
import type { FieldError } from "./errors.ts";
import type { IngestLimits } from "./limits.ts";

/** The outcome of validating one raw event. */
export type EventValidation =
  | { ok: true; event: ValidEvent }
  | { ok: false; errors: FieldError[]; eventId?: string };

const knownFieldsByType = new Map(EVENT_TYPES.map((type) => [type, new Set(inputFieldNames(type))]));
const encoder = new TextEncoder();

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function rawEventId(raw: Record<string, unknown>): string | undefined {
  const id = raw.event_id;
  return typeof id === "string" && id.length <= 64 ? id : undefined;
}

/**
 * The event's size in UTF-8 bytes, or `within` when it cannot exceed `maxBytes`: a UTF-16 code
 * unit encodes to at most 3 bytes, so most events skip the encoding (a quarter of validation's
 * cost when every event was encoded).
 */
function eventBytes(raw: unknown, maxBytes: number): number | "within" | "too-deep" {
  let text: string;
  try {
    text = JSON.stringify(raw);
  } catch {
    // JSON.stringify recurses: only absurd nesting (a hostile body) gets here.
    return "too-deep";
  }
  if (text.length * 3 <= maxBytes) return "within";
  return encoder.encode(text).byteLength;
}

/**
 * Moves unknown top-level scalar fields into `properties` (documented: they are kept, never
 * dropped); unknown non-scalar fields and reserved names are reported as errors.
 */
function foldUnknownFields(
  raw: Record<string, unknown>,
  known: ReadonlySet<string>,
): { event: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const entries: [string, unknown][] = [];
  const extra: [string, unknown][] = [];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (known.has(key)) entries.push([key, value]);
    else if (FORBIDDEN_PROPERTY_KEYS.has(key)) errors.push({ path: key, message: "reserved field name" });
    else if (isScalar(value)) extra.push([key, value]);
    else errors.push({ path: key, message: "unknown field with a non-scalar value; send flat values in `properties`" });
  }
  const event = Object.fromEntries(entries);
  // zod's record parser silently skips a "__proto__" key (it reports the other reserved keys
  // itself): report it instead of dropping it.
  if (isPlainObject(event.properties) && Object.hasOwn(event.properties, "__proto__")) {
    errors.push({ path: "properties.__proto__", message: "reserved property key" });
  }
  if (extra.length > 0) {
    const declared = event.properties;
    if (declared !== undefined && !isPlainObject(declared)) return { event, errors };
    const properties = Object.fromEntries(Object.entries(declared ?? {}));
    for (const [key, value] of extra) {
      if (Object.hasOwn(properties, key)) {
        errors.push({ path: key, message: `also present in properties.${key}; send it once` });
      } else {
        properties[key] = value;
      }
    }
    event.properties = properties;
  }
  return { event, errors };
}

/**
 * The design names an event's type `event_type`; the lake, the API and our SDKs call it `type`.
 * Either is accepted (README "Events"); the stored record has `type` only. Both present must agree.
 */
function withTypeField(raw: Record<string, unknown>): { ok: true; event: Record<string, unknown> } | { ok: false; error: FieldError } {
  if (!Object.hasOwn(raw, "event_type")) return { ok: true, event: raw };
  const { event_type: eventType, ...rest } = raw;
  if (Object.hasOwn(raw, "type") && raw.type !== eventType) {
    return { ok: false, error: { path: "event_type", message: `"${String(eventType)}" disagrees with type "${String(raw.type)}"; send one of them` } };
  }
  return { ok: true, event: { ...rest, type: eventType } };
}

/**
 * Validates one raw event against its type's schema, with field paths in every error. Never
 * throws: hostile input (wrong types, `__proto__` keys, deep nesting, huge strings) is reported.
 * @example validateEvent({ type: "page_view", session_id: "s1", page_url: "https://a.example/" }, limits)
 */
export function validateEvent(raw: unknown, limits: IngestLimits): EventValidation {
  if (!isPlainObject(raw)) return { ok: false, errors: [{ path: "", message: "each event must be a JSON object" }] };
  const typed = withTypeField(raw);
  if (!typed.ok) {
    const id = rawEventId(raw);
    return id ? { ok: false, errors: [typed.error], eventId: id } : { ok: false, errors: [typed.error] };
  }
  return validateTyped(typed.event, limits);
}

function validateTyped(raw: Record<string, unknown>, limits: IngestLimits): EventValidation {
  const eventId = rawEventId(raw);
  const reject = (errors: FieldError[]): EventValidation => (eventId ? { ok: false, errors, eventId } : { ok: false, errors });

  const bytes = eventBytes(raw, limits.maxEventBytes);
  if (bytes === "too-deep") return reject([{ path: "", message: "event is nested too deeply" }]);
  if (bytes !== "within" && bytes > limits.maxEventBytes) {
    return reject([{ path: "", message: `event is ${bytes} bytes; the limit is ${limits.maxEventBytes}` }]);
  }
  if (!isEventType(raw.type)) {
    return reject([{ path: "type", message: `must be one of ${EVENT_TYPES.join(", ")} (as "type", or the design's "event_type")` }]);
  }
  const { event, errors } = foldUnknownFields(raw, knownFieldsByType.get(raw.type) ?? new Set());
  const parsed = eventInputSchemas[raw.type].safeParse(event);
  if (parsed.success && errors.length === 0) return { ok: true, event: parsed.data };
  const schemaErrors = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  return reject([...errors, ...schemaErrors]);
}
