import { z } from "zod";

/**
 * The event schemas: the single source of truth for every event the platform accepts.
 *
 * Everything else is derived from the shapes below: TypeScript types (`z.infer`), the lake's
 * Arrow/Parquet schema (`arrow.ts`), the Analytics Engine column map (`analytics-engine.ts`), and
 * the JSON Schema for external producers (`json-schema.ts`).
 *
 * Evolution rule: fields may be ADDED (optional, at the END of a shape), never renamed, retyped
 * or removed. The Analytics Engine map assigns blob/double slots in shape order, and a golden
 * file test (`analytics-engine.test.ts`) fails if an existing slot moves.
 */

/** Maximum number of entries in an event's `properties` map. */
export const MAX_PROPERTIES = 50;
/** The largest usage `quantity`, either sign (a quadrillion units of anything a product bills). */
export const MAX_USAGE_QUANTITY = 1e15;
/** Maximum length of a property key. */
export const MAX_PROPERTY_KEY_LENGTH = 64;
/** Maximum length of a string property value. */
export const MAX_PROPERTY_VALUE_LENGTH = 1024;
/** Keys that would alter an object's prototype if copied naively. */
export const FORBIDDEN_PROPERTY_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

const shortText = (max: number) => z.string().min(1).max(max);

/** The channels an event can come through (the multi-channel design's list). */
export const CHANNELS = ["web", "mobile", "chat", "voice", "agent", "server"] as const;
/** One of {@link CHANNELS}. */
export type Channel = (typeof CHANNELS)[number];

/** A flat map of scalar values, capped in count and size. */
export const propertiesSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(MAX_PROPERTY_KEY_LENGTH)
      .refine((key) => !FORBIDDEN_PROPERTY_KEYS.has(key), { message: "reserved property key" }),
    z.union([z.string().max(MAX_PROPERTY_VALUE_LENGTH), z.number().finite(), z.boolean(), z.null()]),
  )
  .refine((map) => Object.keys(map).length <= MAX_PROPERTIES, {
    message: `at most ${MAX_PROPERTIES} properties`,
  });

/** Project identifiers: lowercase slug, also used in object keys and as Analytics Engine index1. */
export const projectIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be a lowercase slug: a-z, 0-9, '_' or '-', at most 64 characters");

/** The span an event's `timestamp` may take (epoch ms, end exclusive): nothing in the lake lies outside it. */
export const EVENT_TIMESTAMP_BOUNDS = { earliestMs: Date.UTC(2000, 0, 1), endMs: Date.UTC(2100, 0, 1) } as const;
const EARLIEST_TIMESTAMP_MS = EVENT_TIMESTAMP_BOUNDS.earliestMs;
const LATEST_TIMESTAMP_MS = EVENT_TIMESTAMP_BOUNDS.endMs;

/**
 * ISO-8601 with an offset, within 2000..2099 once normalised to UTC: the lake partitions by
 * year, and a year outside four digits (e.g. 9999-12-31T23:59-23:59) has no ISO form in UTC.
 */
const isoTimestamp = z.iso.datetime({ offset: true }).refine(
  (value) => {
    // Malformed text is the format check's to report; one error per problem.
    if (!/^\d{4}-\d\d-\d\dT/.test(value)) return true;
    const ms = Date.parse(value);
    return ms >= EARLIEST_TIMESTAMP_MS && ms < LATEST_TIMESTAMP_MS;
  },
  { message: "must be between 2000-01-01 and 2099-12-31 (UTC)" },
);

/**
 * Fields every event carries. Context fields (country, browser, os, device_type) are filled by
 * enrichment when the producer leaves them out.
 */
export const baseEventShape = {
  event_id: z.uuid().optional(),
  timestamp: isoTimestamp.optional(),
  session_id: shortText(128),
  user_id: shortText(128).optional(),
  project_id: projectIdSchema.optional(),
  environment: shortText(32).default("production"),
  version: shortText(32).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as US")
    .optional(),
  browser: shortText(64).optional(),
  os: shortText(64).optional(),
  device_type: z.enum(["desktop", "mobile", "tablet", "tv", "console", "wearable", "embedded", "bot", "unknown"]).optional(),
  properties: propertiesSchema.optional(),
  // Schema version 2 (the multi-channel design): optional, appended, so older files read as null.
  /** Where the event happened; the tracker, the client and the Segment mapping set it. */
  channel: z.enum(CHANNELS).optional(),
  /** What produced it within the channel, e.g. `web`, `ios`, `android`, `node`, `workers`. */
  platform: shortText(64).optional(),
} as const;

/** Fields added by ingestion; present on every stored record. */
export const enrichmentShape = {
  event_id: z.uuid(),
  timestamp: isoTimestamp,
  project_id: projectIdSchema,
  received_at: isoTimestamp,
  is_bot: z.boolean(),
} as const;

/** The type-specific fields of each event type, in slot order (append only). */
export const eventTypeShapes = {
  page_view: {
    page_url: z.url({ protocol: /^https?$/ }).max(2048),
    page_title: z.string().max(512).optional(),
    referrer: z.string().max(2048).optional(),
    utm_source: z.string().max(256).optional(),
    utm_medium: z.string().max(256).optional(),
    utm_campaign: z.string().max(256).optional(),
    time_on_page: z.number().finite().nonnegative().max(86_400).optional(),
  },
  video_event: {
    video_id: shortText(128),
    action: z.enum(["play", "pause", "seek", "complete", "error"]),
    position: z.number().finite().nonnegative(),
    duration: z.number().finite().nonnegative().optional(),
    playback_rate: z.number().finite().positive().max(16).optional(),
    quality: z.string().max(32).optional(),
    buffered: z.number().finite().nonnegative().optional(),
  },
  user_action: {
    action: shortText(128),
    target: z.string().max(512).optional(),
    value: z.string().max(1024).optional(),
  },
  api_request: {
    method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    path: z.string().min(1).max(2048),
    status_code: z.int().min(100).max(599),
    duration_ms: z.number().finite().nonnegative(),
    organization_id: shortText(128).optional(),
  },
  usage: {
    organization_id: shortText(128),
    sku: shortText(128),
    // Bounded so every sum dbt and the API keep exactly (DECIMAL(38, 9): 29 integer digits) holds
    // a day of any traffic: a fuzzed 1.2e29 once made `dbt run --full-refresh` fail.
    quantity: z.number().finite().min(-MAX_USAGE_QUANTITY).max(MAX_USAGE_QUANTITY),
    unit: shortText(32),
  },
  custom: {
    name: shortText(128),
  },
} as const;

/** Every event type the platform accepts. */
export type EventType = keyof typeof eventTypeShapes;
/** The event types, in a stable order. */
export const EVENT_TYPES = Object.keys(eventTypeShapes) as EventType[];

/** The lake table (and Pipelines stream) each event type is written to. */
export const TABLE_BY_EVENT_TYPE = {
  page_view: "page_views",
  video_event: "video_events",
  user_action: "user_actions",
  api_request: "api_requests",
  usage: "usage_events",
  custom: "custom_events",
} as const satisfies Record<EventType, string>;

/** A raw lake table name. */
export type TableName = (typeof TABLE_BY_EVENT_TYPE)[EventType];
/** The raw lake tables, in event-type order. */
export const TABLE_NAMES: TableName[] = EVENT_TYPES.map((type) => TABLE_BY_EVENT_TYPE[type]);
/** The event type whose rows a raw lake table holds. */
export const EVENT_TYPE_BY_TABLE = Object.fromEntries(EVENT_TYPES.map((type) => [TABLE_BY_EVENT_TYPE[type], type])) as Record<TableName, EventType>;

function inputSchemaFor<T extends EventType>(type: T) {
  return z.strictObject({ type: z.literal(type), ...baseEventShape, ...eventTypeShapes[type] });
}

function recordSchemaFor<T extends EventType>(type: T) {
  return z.strictObject({
    type: z.literal(type),
    ...baseEventShape,
    ...enrichmentShape,
    ...eventTypeShapes[type],
  });
}

/** What producers send, per event type (strict: unknown fields are folded before parsing). */
export const eventInputSchemas = {
  page_view: inputSchemaFor("page_view"),
  video_event: inputSchemaFor("video_event"),
  user_action: inputSchemaFor("user_action"),
  api_request: inputSchemaFor("api_request"),
  usage: inputSchemaFor("usage"),
  custom: inputSchemaFor("custom"),
} as const;

/** What the platform stores, per event type: the input plus enrichment, with ids resolved. */
export const eventRecordSchemas = {
  page_view: recordSchemaFor("page_view"),
  video_event: recordSchemaFor("video_event"),
  user_action: recordSchemaFor("user_action"),
  api_request: recordSchemaFor("api_request"),
  usage: recordSchemaFor("usage"),
  custom: recordSchemaFor("custom"),
} as const;

/** Any event as a producer sends it. */
export const eventInputSchema = z.discriminatedUnion("type", [
  eventInputSchemas.page_view,
  eventInputSchemas.video_event,
  eventInputSchemas.user_action,
  eventInputSchemas.api_request,
  eventInputSchemas.usage,
  eventInputSchemas.custom,
]);

/** Any event as stored in the lake and sent to the hot store. */
export const eventRecordSchema = z.discriminatedUnion("type", [
  eventRecordSchemas.page_view,
  eventRecordSchemas.video_event,
  eventRecordSchemas.user_action,
  eventRecordSchemas.api_request,
  eventRecordSchemas.usage,
  eventRecordSchemas.custom,
]);

/** An event as a producer may send it (before defaults). */
export type EventInput = z.input<typeof eventInputSchema>;
/** A validated event (defaults applied, not yet enriched). */
export type ValidEvent = z.output<typeof eventInputSchema>;
/** A stored event record. */
export type EventRecord = z.output<typeof eventRecordSchema>;
/** A stored event record of one type. */
export type EventRecordOf<T extends EventType> = z.output<(typeof eventRecordSchemas)[T]>;
/** The `properties` map. */
export type EventProperties = z.output<typeof propertiesSchema>;

/** The names of every field an event of `type` may carry as input (base + type-specific + `type`). */
export function inputFieldNames(type: EventType): string[] {
  return ["type", ...Object.keys(baseEventShape), ...Object.keys(eventTypeShapes[type])];
}

/** Whether `value` names a known event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && Object.hasOwn(eventTypeShapes, value);
}
