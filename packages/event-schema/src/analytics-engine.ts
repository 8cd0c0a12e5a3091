import { lakeColumns } from "./columns.ts";
import { EVENT_TYPES, type EventRecord, type EventType } from "./events.ts";

/**
 * The Workers Analytics Engine column map: which blob / double slot holds which field, per event
 * type. It is generated from the zod shapes, and it is the ONE map both the writer (ingestion)
 * and the readers (SQL queries) use.
 *
 * Rule: slots may be ADDED, never renamed, moved or reused. Shapes are append-only (events.ts),
 * and `generated/analytics-engine-map.json` is the committed golden copy; a test fails if an
 * existing slot changes.
 */

/**
 * Analytics Engine's limits per data point and per invocation, from Cloudflare's Analytics Engine
 * docs (current docs say 250 data points per invocation; older ones said 25).
 */
export const ANALYTICS_ENGINE_LIMITS = {
  maxBlobs: 20,
  maxBlobBytes: 16 * 1024,
  maxDoubles: 20,
  maxIndexes: 1,
  maxIndexBytes: 96,
  maxDataPointsPerInvocation: 250,
} as const;

/** The dataset every event is written to. */
export const ANALYTICS_ENGINE_DATASET = "analytics_events";

/** Blobs every event type shares, in slot order (blob1 = event type, so queries filter by it). */
export const COMMON_BLOB_FIELDS = [
  "type",
  "event_id",
  "session_id",
  "user_id",
  "environment",
  "version",
  "country",
  "browser",
  "os",
  "device_type",
] as const;

/**
 * Doubles every event type shares. `timestamp_ms` is the event's own time (AE's `timestamp`
 * column is the write time); `is_bot` is 1 or 0.
 */
export const COMMON_DOUBLE_FIELDS = ["is_bot", "timestamp_ms"] as const;

/** Where each field of one event type lives in an Analytics Engine data point. */
export interface AnalyticsEngineMapping {
  readonly eventType: EventType;
  /** index1 holds the project id: AE samples per index, so each project is sampled fairly. */
  readonly index1: "project_id";
  /** `blobs[i]` is the field stored in `blob${i + 1}`. */
  readonly blobs: readonly string[];
  /** `doubles[i]` is the field stored in `double${i + 1}`. */
  readonly doubles: readonly string[];
}

function buildMapping(eventType: EventType): AnalyticsEngineMapping {
  const own = lakeColumns(eventType).filter((column) => column.origin === "type");
  const blobs: string[] = [...COMMON_BLOB_FIELDS];
  const doubles: string[] = [...COMMON_DOUBLE_FIELDS];
  for (const column of own) {
    if (column.kind === "string" || column.kind === "json") blobs.push(column.name);
    else if (column.kind === "float64" || column.kind === "int64" || column.kind === "boolean") doubles.push(column.name);
  }
  // Custom events are only useful with their properties; other types keep theirs in the lake only.
  if (eventType === "custom") blobs.push("properties");
  if (blobs.length > ANALYTICS_ENGINE_LIMITS.maxBlobs || doubles.length > ANALYTICS_ENGINE_LIMITS.maxDoubles) {
    throw new Error(`event type "${eventType}" needs ${blobs.length} blobs / ${doubles.length} doubles: over Analytics Engine's limits`);
  }
  return { eventType, index1: "project_id", blobs, doubles };
}

/** The mapping of every event type. */
export const ANALYTICS_ENGINE_MAP: Readonly<Record<EventType, AnalyticsEngineMapping>> = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, buildMapping(type)]),
) as Record<EventType, AnalyticsEngineMapping>;

/** The slot (`blob3`, `double2`, ...) holding `field` for `eventType`, for query builders. */
export function analyticsEngineColumn(eventType: EventType, field: string): string {
  if (field === "project_id") return "index1";
  const mapping = ANALYTICS_ENGINE_MAP[eventType];
  const blob = mapping.blobs.indexOf(field);
  if (blob >= 0) return `blob${blob + 1}`;
  const double = mapping.doubles.indexOf(field);
  if (double >= 0) return `double${double + 1}`;
  throw new Error(`event type "${eventType}" has no Analytics Engine column for "${field}"`);
}

/** A data point as `AnalyticsEngineDataset.writeDataPoint` takes it. */
export interface AnalyticsEngineDataPoint {
  indexes: [string];
  blobs: string[];
  doubles: number[];
}

/**
 * The UTF-8 size of a string, counted without encoding it (this runs for every blob of every
 * event, so it must not allocate).
 * @example utf8ByteLength("é") // 2
 */
export function utf8ByteLength(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3; // a lone surrogate is encoded as U+FFFD
    } else bytes += 3;
  }
  return bytes;
}

/** Cuts `value` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (utf8ByteLength(value) <= maxBytes) return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = utf8ByteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}

function blobValue(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function doubleValue(record: Record<string, unknown>, field: string): number {
  if (field === "timestamp_ms") return Date.parse(String(record.timestamp));
  const value = record[field];
  if (typeof value === "boolean") return value ? 1 : 0;
  // AE has no nulls: an absent number is stored as 0 (documented in docs/analytics-engine.md).
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * Maps a stored event record to one Analytics Engine data point, within AE's limits: when the
 * blobs exceed 16 KB together, the longest blob is cut first (URLs and titles, never ids).
 */
export function toAnalyticsEngineDataPoint(record: EventRecord): AnalyticsEngineDataPoint {
  const fields = record as unknown as Record<string, unknown>;
  const mapping = ANALYTICS_ENGINE_MAP[record.type];
  const blobs = mapping.blobs.map((field) => blobValue(fields, field));
  let sizes = blobs.map(utf8ByteLength);
  let total = sizes.reduce((a, b) => a + b, 0);
  while (total > ANALYTICS_ENGINE_LIMITS.maxBlobBytes) {
    const longest = sizes.indexOf(Math.max(...sizes));
    const excess = total - ANALYTICS_ENGINE_LIMITS.maxBlobBytes;
    const target = Math.max(0, (sizes[longest] ?? 0) - excess);
    blobs[longest] = truncateUtf8(blobs[longest] ?? "", target);
    sizes = blobs.map(utf8ByteLength);
    total = sizes.reduce((a, b) => a + b, 0);
  }
  return {
    indexes: [truncateUtf8(record.project_id, ANALYTICS_ENGINE_LIMITS.maxIndexBytes)],
    blobs,
    doubles: mapping.doubles.map((field) => doubleValue(fields, field)),
  };
}
