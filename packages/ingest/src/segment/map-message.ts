import { type Channel, CHANNELS, type EventType, inputFieldNames, isEventType } from "@edge-analytics/event-schema";
import type { FieldError } from "../errors.ts";

/**
 * Segment's Spec (track, page, screen, identify, group, alias) mapped onto our event types, so
 * Segment- and RudderStack-spec SDKs send here with only their host changed. The mapping table
 * is README "Segment-compatible API"; the rule behind it: every field either maps to a column,
 * or lands in `properties` under its Segment path (`context.app.version`), or is one of the few
 * documented as not kept (`context.ip`, `integrations`, `_metadata`, `writeKey`).
 */

/** The Segment calls, each with its own endpoint (`POST /v1/<call>`). */
export const SEGMENT_CALLS = ["track", "page", "screen", "identify", "group", "alias"] as const;
/** One of {@link SEGMENT_CALLS}. */
export type SegmentCall = (typeof SEGMENT_CALLS)[number];

/** Segment's per-message limit; a batch may carry 500 KB (Segment's HTTP API docs). */
export const SEGMENT_MAX_MESSAGE_BYTES = 32 * 1024;
/** Segment's per-request limit on `/v1/batch`. */
export const SEGMENT_MAX_BATCH_BYTES = 500 * 1024;

/** The device context a Segment message carries for its own end user (not the relaying server's). */
export interface SegmentDeviceContext {
  userAgent?: string;
  country?: string;
}

/** One message mapped: the event to validate, plus its own device context. */
export type MappedMessage =
  | { ok: true; event: Record<string, unknown>; device: SegmentDeviceContext }
  | { ok: false; errors: FieldError[]; messageId?: string };

type Json = Record<string, unknown>;

/** Fields Segment's own payloads carry that have no place in an event (README says so). */
const NOT_KEPT_TOP_LEVEL = new Set(["integrations", "_metadata", "writeKey", "sentAt", "receivedAt", "version"]);
const NOT_KEPT_CONTEXT = new Set(["ip"]);

/** Segment's video spec events (https://segment.com/docs/connections/spec/video/) → our actions. */
const VIDEO_ACTIONS: Readonly<Record<string, "play" | "pause" | "seek" | "complete">> = {
  "Video Playback Started": "play",
  "Video Playback Resumed": "play",
  "Video Playback Paused": "pause",
  "Video Playback Seek Completed": "seek",
  "Video Playback Completed": "complete",
  "Video Content Completed": "complete",
};

/** Segment's `channel` values → ours; any of ours is taken as is. */
const SEGMENT_CHANNELS: Readonly<Record<string, Channel>> = { browser: "web", client: "web", mobile: "mobile", server: "server" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A UUID for a Segment `messageId`: the id itself when it is one, else a name-based UUID (version
 * 8, from SHA-256 of the id) so a retried message gets the same event_id and is deduplicated.
 */
export async function eventIdForMessageId(messageId: string): Promise<string> {
  if (UUID.test(messageId)) return messageId.toLowerCase();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`segment:${messageId}`)));
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function isoOrRaw(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/**
 * The event time, as Segment computes it: `timestamp` when given; else `originalTimestamp`
 * corrected by the device's clock skew (`receivedAt - (sentAt - originalTimestamp)`); else none
 * (ingestion uses the receive time).
 */
function eventTimestamp(message: Json, receivedAt: Date): unknown {
  if (message.timestamp !== undefined) return isoOrRaw(message.timestamp);
  if (typeof message.originalTimestamp !== "string") return undefined;
  const original = Date.parse(message.originalTimestamp);
  const sent = typeof message.sentAt === "string" ? Date.parse(message.sentAt) : Number.NaN;
  if (Number.isNaN(original)) return message.originalTimestamp;
  if (Number.isNaN(sent)) return new Date(original).toISOString();
  return new Date(receivedAt.getTime() - (sent - original)).toISOString();
}

/**
 * How deep a message's objects may nest (Segment's own go 3 deep: `context.campaign.source`).
 * Flattening recurses per level: a message nested a few thousand deep (still within
 * SEGMENT_MAX_MESSAGE_BYTES) overflowed the stack, a 500 for the whole request (found by
 * tests/fuzz.test.ts). Deeper is the message's error, with its path.
 */
export const SEGMENT_MAX_NESTING = 16;

/** A message's object nested over {@link SEGMENT_MAX_NESTING} levels, at `path`. */
class NestedTooDeep extends Error {
  constructor(readonly path: string) {
    super(`nested more than ${SEGMENT_MAX_NESTING} levels deep`);
  }
}

/**
 * Flattens a Segment object into flat properties: nested objects become dotted keys
 * (`product.id`), arrays JSON text, under `prefix`. Values are not truncated: the event's
 * validation reports a value or a count over the limits with its path.
 */
function flattenInto(target: Json, source: Json, prefix: string, skip: ReadonlySet<string> = new Set(), depth = 1): void {
  if (depth > SEGMENT_MAX_NESTING) throw new NestedTooDeep(prefix);
  for (const [key, value] of Object.entries(source)) {
    if (skip.has(key) || value === undefined) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) flattenInto(target, value, name, undefined, depth + 1);
    else if (Array.isArray(value)) target[name] = JSON.stringify(value);
    else target[name] = value;
  }
}

function channelOf(call: SegmentCall, message: Json, context: Json): Channel | undefined {
  if (call === "screen") return "mobile";
  const declared = text(message.channel) ?? text(context.channel);
  if (declared) {
    if ((CHANNELS as readonly string[]).includes(declared)) return declared as Channel;
    const mapped = SEGMENT_CHANNELS[declared.toLowerCase()];
    if (mapped) return mapped;
  }
  const library = text(isObject(context.library) ? context.library.name : undefined)?.toLowerCase() ?? "";
  if (/analytics[.-]?(js|next)|analytics\.js/.test(library)) return "web";
  if (/(ios|android|react-native|flutter|kotlin|swift)/.test(library)) return "mobile";
  if (/(node|python|go|ruby|java|php|\.net|csharp|rust)/.test(library)) return "server";
  return undefined;
}

function platformOf(channel: Channel | undefined, context: Json): string | undefined {
  const os = isObject(context.os) ? text(context.os.name) : undefined;
  const library = isObject(context.library) ? text(context.library.name) : undefined;
  if (channel === "web") return "web";
  if (channel === "mobile") return os?.toLowerCase() ?? library;
  return library;
}

/** The typed event a `track` names: one of our types by name, a Segment video event, or custom. */
function trackTarget(name: string): { type: EventType; fixed: Json } {
  if (isEventType(name)) return { type: name, fixed: {} };
  const videoAction = VIDEO_ACTIONS[name];
  if (videoAction) return { type: "video_event", fixed: { action: videoAction } };
  return { type: "custom", fixed: { name } };
}

/** Segment video spec property names → our video_event fields. */
function videoFields(properties: Json): { fields: Json; consumed: string[] } {
  const fields: Json = {};
  const consumed: string[] = [];
  const take = (ours: string, ...theirs: string[]) => {
    for (const key of theirs) {
      if (properties[key] !== undefined) {
        fields[ours] = key === "content_asset_ids" && Array.isArray(properties[key]) ? properties[key][0] : properties[key];
        consumed.push(key);
        return;
      }
    }
  };
  take("video_id", "video_id", "content_asset_id", "asset_id", "content_asset_ids");
  take("position", "position");
  take("duration", "duration", "total_length");
  take("quality", "quality");
  take("playback_rate", "playback_rate");
  return { fields, consumed };
}

function screenUrl(context: Json, name: string | undefined): string {
  const namespace = isObject(context.app) ? text(context.app.namespace) : undefined;
  // page_url must be http(s); `.invalid` is reserved (RFC 2606), so the URL is visibly synthetic.
  const host = namespace && /^[a-z0-9.-]+$/i.test(namespace) ? namespace.toLowerCase() : "app.invalid";
  return `https://${host}/${encodeURIComponent(name ?? "screen")}`;
}

/**
 * Maps one Segment message (as sent to `/v1/<call>` or inside `/v1/batch`) onto one of our
 * events. Pure apart from hashing a non-UUID messageId. Field errors name the Segment path.
 * @example await mapSegmentMessage("track", { event: "Signed Up", userId: "u1" }, new Date())
 */
export async function mapSegmentMessage(call: SegmentCall, raw: unknown, receivedAt: Date): Promise<MappedMessage> {
  try {
    return await mapMessage(call, raw, receivedAt);
  } catch (error) {
    if (!(error instanceof NestedTooDeep)) throw error;
    const messageId = isObject(raw) ? text(raw.messageId) : undefined;
    // The path names the level where the limit was crossed, cut to a readable length.
    return { ok: false, errors: [{ path: error.path.slice(0, 200), message: error.message }], ...(messageId ? { messageId } : {}) };
  }
}

async function mapMessage(call: SegmentCall, raw: unknown, receivedAt: Date): Promise<MappedMessage> {
  if (!isObject(raw)) return { ok: false, errors: [{ path: "", message: "each message must be a JSON object" }] };
  const messageId = text(raw.messageId);
  const fail = (path: string, message: string): MappedMessage => ({ ok: false, errors: [{ path, message }], ...(messageId ? { messageId } : {}) });
  const userId = text(raw.userId);
  const anonymousId = text(raw.anonymousId);
  if (!userId && !anonymousId) return fail("userId", "a message needs a userId or an anonymousId (Segment's rule)");
  const context = isObject(raw.context) ? raw.context : {};
  const properties: Json = {};
  const event: Json = {};
  const consumedContext = new Set<string>(["userAgent", "library", "location", "os", "channel"]);

  const campaign = isObject(context.campaign) ? context.campaign : undefined;
  const page = isObject(context.page) ? context.page : undefined;
  const inputProperties = isObject(raw.properties) ? raw.properties : {};
  const consumedProperties = new Set<string>();

  switch (call) {
    case "page":
    case "screen": {
      event.type = "page_view";
      if (call === "page") {
        event.page_url = inputProperties.url ?? page?.url;
        event.page_title = inputProperties.title ?? page?.title ?? raw.name;
        event.referrer = inputProperties.referrer ?? page?.referrer;
        // path and search are parts of the URL already kept.
        for (const key of ["url", "title", "referrer", "path", "search"]) consumedProperties.add(key);
        consumedContext.add("page");
      } else {
        event.page_url = screenUrl(context, text(raw.name));
        event.page_title = raw.name;
      }
      if (typeof inputProperties.time_on_page === "number") {
        event.time_on_page = inputProperties.time_on_page;
        consumedProperties.add("time_on_page");
      }
      if (campaign) {
        event.utm_source = campaign.source;
        event.utm_medium = campaign.medium;
        event.utm_campaign = campaign.name;
        const rest: Json = {};
        flattenInto(rest, campaign, "context.campaign", new Set(["source", "medium", "name"]));
        Object.assign(properties, rest);
        consumedContext.add("campaign");
      }
      if (raw.name !== undefined && call === "page") properties.name = raw.name;
      if (raw.category !== undefined) properties.category = raw.category;
      break;
    }
    case "track": {
      const name = text(raw.event);
      if (!name) return fail("event", "a track call needs an event name");
      const { type, fixed } = trackTarget(name);
      event.type = type;
      Object.assign(event, fixed);
      if (type === "video_event") {
        const { fields, consumed } = videoFields(inputProperties);
        Object.assign(event, fields);
        for (const key of consumed) consumedProperties.add(key);
      } else if (type !== "custom") {
        // A track named after one of our types carries that type's fields in its properties.
        const own = new Set(inputFieldNames(type));
        for (const [key, value] of Object.entries(inputProperties)) {
          if (own.has(key) && key !== "type" && key !== "properties") {
            event[key] = value;
            consumedProperties.add(key);
          }
        }
      }
      break;
    }
    case "identify":
    case "group":
    case "alias": {
      event.type = "user_action";
      event.action = call;
      event.target = call === "identify" ? (userId ?? anonymousId) : call === "group" ? text(raw.groupId) : text(raw.previousId);
      if (event.target === undefined) return fail(call === "group" ? "groupId" : "previousId", `a ${call} call needs ${call === "group" ? "a groupId" : "a previousId"}`);
      if (isObject(raw.traits)) flattenInto(properties, raw.traits, "");
      break;
    }
  }

  // Our own optional base fields win when a producer sets them in properties.
  flattenInto(properties, inputProperties, "", consumedProperties);
  if (isObject(context.traits)) flattenInto(properties, context.traits, "context.traits");

  event.event_id = messageId ? await eventIdForMessageId(messageId) : undefined;
  if (messageId && !UUID.test(messageId)) properties.segment_message_id = messageId;
  event.timestamp = eventTimestamp(raw, receivedAt);
  event.user_id = userId;
  if (anonymousId) properties.anonymous_id = anonymousId;
  // Segment has no sessions: an SDK that tracks one sends it in context (Amplitude-style) or properties.
  event.session_id = text(properties.session_id) ?? text(context.sessionId) ?? text(context.session_id) ?? anonymousId ?? userId;
  delete properties.session_id;
  consumedContext.add("sessionId").add("session_id").add("traits");
  const channel = channelOf(call, raw, context);
  event.channel = channel;
  event.platform = platformOf(channel, context);

  const library = isObject(context.library) ? context.library : undefined;
  if (library) flattenInto(properties, library, "context.library");
  const os = isObject(context.os) ? context.os : undefined;
  if (os?.version !== undefined) properties["context.os.version"] = os.version;
  if (!text(context.userAgent) && os && text(os.name)) event.os = text(os.name);
  const location = isObject(context.location) ? context.location : undefined;
  const countryCode = text(location?.country)?.toUpperCase();
  const device: SegmentDeviceContext = {};
  if (countryCode && /^[A-Z]{2}$/.test(countryCode)) device.country = countryCode;
  if (location) flattenInto(properties, location, "context.location", new Set(device.country ? ["country"] : []));
  const userAgent = text(context.userAgent);
  if (userAgent) device.userAgent = userAgent;
  for (const [key, value] of Object.entries(context)) {
    if (consumedContext.has(key) || NOT_KEPT_CONTEXT.has(key) || value === undefined) continue;
    if (isObject(value)) flattenInto(properties, value, `context.${key}`);
    else properties[`context.${key}`] = Array.isArray(value) ? JSON.stringify(value) : value;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (KNOWN_TOP_LEVEL.has(key) || NOT_KEPT_TOP_LEVEL.has(key) || value === undefined) continue;
    if (isObject(value)) flattenInto(properties, value, key);
    else properties[key] = Array.isArray(value) ? JSON.stringify(value) : value;
  }

  if (Object.keys(properties).length > 0) event.properties = properties;
  for (const key of Object.keys(event)) if (event[key] === undefined || event[key] === null) delete event[key];
  return { ok: true, event, device };
}

/** Top-level message fields the mapping reads (everything else lands in properties). */
const KNOWN_TOP_LEVEL = new Set([
  "type",
  "messageId",
  "userId",
  "anonymousId",
  "context",
  "properties",
  "traits",
  "event",
  "name",
  "category",
  "groupId",
  "previousId",
  "timestamp",
  "originalTimestamp",
  "channel",
]);
