import { QueryError } from "./errors.ts";

/** A time range as callers write it: dates (whole days, both inclusive) or instants (end exclusive). */
export interface TimeRangeInput {
  start: string;
  end: string;
}

/** A resolved range: epoch milliseconds, `fromMs` inclusive, `toMs` exclusive. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The offset of `timeZone` from UTC at `utcMs`, in milliseconds (positive east of Greenwich). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function timeZoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant a local midnight of `timeZone` falls on. Two passes settle days whose offset
 * differs from the previous day's (daylight saving changes).
 */
export function zonedMidnightMs(year: number, month: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  let guess = naive - timeZoneOffsetMs(naive, timeZone);
  guess = naive - timeZoneOffsetMs(guess, timeZone);
  return guess;
}

function parseBound(value: string, which: "start" | "end", timeZone: string): { ms: number; isDate: boolean } {
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      throw new QueryError("BAD_ARGUMENT", `${value} is not a calendar date`, `timeRange.${which}`);
    }
    return { ms: zonedMidnightMs(year, month, day, timeZone), isDate: true };
  }
  // Instants must say where they are: an offset or Z, as ISO 8601 writes it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    throw new QueryError("BAD_ARGUMENT", `"${value}" is neither a date (YYYY-MM-DD) nor an instant with an offset (2024-01-31T12:00:00Z)`, `timeRange.${which}`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new QueryError("BAD_ARGUMENT", `"${value}" is not a valid instant`, `timeRange.${which}`);
  return { ms, isDate: false };
}

/**
 * Resolves a range: a date covers its whole day in `timeZone` (so `end: "2024-01-31"` includes
 * that day), an instant is exact (`end` exclusive).
 * @example resolveTimeRange({ start: "2024-01-01", end: "2024-01-31" }) // { fromMs: 2024-01-01T00:00Z, toMs: 2024-02-01T00:00Z }
 */
export function resolveTimeRange(input: TimeRangeInput, timeZone = "UTC"): TimeRange {
  if (!isTimeZone(timeZone)) throw new QueryError("BAD_ARGUMENT", `unknown time zone "${timeZone}"; use an IANA name such as Europe/Berlin`, "timezone");
  const start = parseBound(input.start, "start", timeZone);
  const end = parseBound(input.end, "end", timeZone);
  // A date as the end includes its day: the range ends at the next local midnight.
  const toMs = end.isDate ? nextLocalMidnight(end.ms, timeZone) : end.ms;
  if (toMs <= start.ms) throw new QueryError("BAD_ARGUMENT", "timeRange.end must be after timeRange.start", "timeRange");
  return { fromMs: start.ms, toMs };
}

function nextLocalMidnight(midnightMs: number, timeZone: string): number {
  const local = new Date(midnightMs + timeZoneOffsetMs(midnightMs, timeZone) + DAY_MS);
  return zonedMidnightMs(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), timeZone);
}
