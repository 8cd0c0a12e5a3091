import type { EventRecord, ValidEvent } from "@edge-analytics/event-schema";
import { isbot } from "isbot";
// ua-parser-js 1.x is CommonJS: its default export is the constructor (a named import fails under vite SSR).
import UAParser from "ua-parser-js";
import { v7 as uuidv7 } from "uuid";

/** What the edge knows about a request, independent of the events in it. */
export interface RequestContext {
  /** The project of the API key; undefined for trusted callers (service binding / RPC). */
  keyProjectId?: string;
  /** The User-Agent header, when the request came over HTTP. */
  userAgent?: string;
  /** `request.cf.country` (ISO 3166-1 alpha-2), when known. */
  country?: string;
  receivedAt: Date;
  /**
   * Per event (by index), the device context a relaying producer reports for the event's own end
   * user (Segment's `context.userAgent`, `context.location.country`). An event with an entry takes
   * its facts from that entry only, never from the request, which came from the relaying server.
   */
  perEvent?: ReadonlyArray<{ userAgent?: string; country?: string } | undefined>;
}

/** Device facts derived once per request from its User-Agent. */
export interface ClientFacts {
  browser?: string;
  os?: string;
  device_type?: ValidEvent["device_type"];
  is_bot: boolean;
}

const DEVICE_TYPES: Record<string, NonNullable<ValidEvent["device_type"]>> = {
  mobile: "mobile",
  tablet: "tablet",
  smarttv: "tv",
  console: "console",
  wearable: "wearable",
  embedded: "embedded",
};

/**
 * Parses a User-Agent with ua-parser-js (browser, os, device) and isbot (crawlers, headless
 * browsers, HTTP libraries).
 */
export function clientFactsFromUserAgent(userAgent: string | undefined): ClientFacts {
  if (!userAgent) return { is_bot: false };
  const bot = isbot(userAgent);
  const result = new UAParser(userAgent).getResult();
  const facts: ClientFacts = { is_bot: bot };
  if (result.browser.name) facts.browser = result.browser.name.slice(0, 64);
  if (result.os.name) facts.os = result.os.name.slice(0, 64);
  // ua-parser-js leaves desktop devices without a type.
  facts.device_type = bot ? "bot" : (DEVICE_TYPES[result.device.type ?? ""] ?? (result.os.name ? "desktop" : "unknown"));
  return facts;
}

/** Cloudflare's country codes, minus its placeholders (XX unknown, T1 Tor). */
export function countryFromCf(country: unknown): string | undefined {
  return typeof country === "string" && /^[A-Z]{2}$/.test(country) && country !== "XX" ? country : undefined;
}

let sequence = 0;

/**
 * A UUIDv7 carrying the receive time; the sequence keeps ids generated in the same millisecond
 * ordered (the library's own counter is skipped when a time is passed in).
 */
function nextEventId(receivedAt: Date): string {
  sequence = (sequence + 1) % 0x7fffffff;
  return uuidv7({ msecs: receivedAt.getTime(), seq: sequence });
}

/**
 * Completes a validated event into a stored record: event_id (UUIDv7) and timestamp when absent,
 * received_at, project_id, and the context fields from the request when the producer sent none.
 */
export function enrichEvent(event: ValidEvent, projectId: string, context: RequestContext, client: ClientFacts): EventRecord {
  const receivedAt = context.receivedAt.toISOString();
  const record = {
    ...event,
    event_id: event.event_id ?? nextEventId(context.receivedAt),
    timestamp: event.timestamp ? new Date(event.timestamp).toISOString() : receivedAt,
    project_id: projectId,
    received_at: receivedAt,
    is_bot: client.is_bot,
    country: event.country ?? context.country,
    browser: event.browser ?? client.browser,
    os: event.os ?? client.os,
    device_type: event.device_type ?? client.device_type,
  };
  // Optional fields stay absent rather than present-but-undefined, so records round-trip as JSON.
  for (const key of ["country", "browser", "os", "device_type"] as const) {
    if (record[key] === undefined) delete record[key];
  }
  return record as EventRecord;
}
