import { AeSqlError } from "./errors.ts";

/** Analytics Engine's server time zone (`SHOW TIMEZONE`): always UTC. */
export const DEFAULT_TIME_ZONE = "Etc/UTC";

/**
 * UTC offsets of a zone: `[utcSecondsFrom, offsetSeconds]` pairs in ascending order, the first
 * starting before any DateTime. SQLite has no time-zone database, so the compiler binds this table
 * as one JSON parameter and looks offsets up in it.
 */
export type OffsetTable = ReadonlyArray<readonly [number, number]>;

// ClickHouse DateTime is UInt32 seconds: 1970-01-01 .. 2106-02-07.
const DATETIME_MAX = 4_294_967_295;
// Sampling step when looking for offset changes. Shorter than any gap between two transitions of a
// real zone (Morocco's Ramadan suspension, about a month, is the shortest).
const STEP_SECONDS = 14 * 86_400;
const BEFORE_EVERYTHING = -1e15;

const formatters = new Map<string, Intl.DateTimeFormat>();
const tables = new Map<string, OffsetTable>();

/**
 * Checks a time-zone name the way ClickHouse does (IANA names, case-sensitive) and returns it.
 * @example assertTimeZone("America/New_York") // "America/New_York"
 */
export function assertTimeZone(name: string): string {
  formatter(name);
  return name;
}

function formatter(name: string): Intl.DateTimeFormat {
  const cached = formatters.get(name);
  if (cached !== undefined) return cached;
  let created: Intl.DateTimeFormat;
  try {
    created = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    throw new AeSqlError("type", `Invalid time zone: ${name}`);
  }
  // Intl accepts any letter case ("america/new_york"); ClickHouse reads zone files by exact name.
  const resolved = created.resolvedOptions().timeZone;
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) throw new AeSqlError("type", `Invalid time zone: ${name} (did you mean ${resolved}?)`);
  formatters.set(name, created);
  return created;
}

/** Offset from UTC, in seconds, of `zone` at the instant `utcSeconds`. */
export function offsetAt(zone: string, utcSeconds: number): number {
  if (isUtc(zone)) return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(utcSeconds * 1000))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) / 1000;
  return local - utcSeconds;
}

/** `true` for names that are UTC by definition, so no table is needed. */
export function isUtc(zone: string | undefined): boolean {
  return zone === undefined || zone === "UTC" || zone === "Etc/UTC" || zone === "Etc/GMT" || zone === "GMT" || zone === "Etc/Universal" || zone === "Universal" || zone === "Etc/Zulu" || zone === "Zulu";
}

/**
 * The zone's offsets over the whole DateTime range (computed once per zone and isolate).
 * @example offsetTable("Europe/Berlin")[0] // [-1e15, 3600]
 */
export function offsetTable(zone: string): OffsetTable {
  const cached = tables.get(zone);
  if (cached !== undefined) return cached;
  assertTimeZone(zone);
  const table: Array<readonly [number, number]> = [[BEFORE_EVERYTHING, offsetAt(zone, 0)]];
  let previous = 0;
  let previousOffset = offsetAt(zone, 0);
  for (let t = STEP_SECONDS; previous < DATETIME_MAX; t = Math.min(t + STEP_SECONDS, DATETIME_MAX)) {
    const offset = offsetAt(zone, t);
    if (offset !== previousOffset) {
      // Binary search for the first second with the new offset.
      let lo = previous;
      let hi = t;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid) === previousOffset) lo = mid;
        else hi = mid;
      }
      table.push([hi, offset]);
      previousOffset = offset;
    }
    previous = t;
  }
  tables.set(zone, table);
  return table;
}

/** The zone's offset when it never changes within the DateTime range, otherwise `undefined`. */
export function fixedOffset(zone: string | undefined): number | undefined {
  if (isUtc(zone)) return 0;
  const table = offsetTable(zone as string);
  return table.length === 1 ? (table[0] as readonly [number, number])[1] : undefined;
}

/** UTC seconds of a wall-clock time (seconds since the epoch as if it were UTC) in `zone`. */
export function localToUtc(zone: string | undefined, localSeconds: number): number {
  if (isUtc(zone)) return localSeconds;
  const z = zone as string;
  const guess = localSeconds - offsetAt(z, localSeconds);
  return localSeconds - offsetAt(z, guess);
}

/** Zones `SHOW TIMEZONES` lists: the runtime's IANA names plus the UTC spellings. */
export function supportedTimeZones(): string[] {
  const names = new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"]);
  return [...names].sort();
}
