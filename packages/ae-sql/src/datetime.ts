import { AeSqlError } from "./errors.ts";
import { localToUtc, offsetAt } from "./timezones.ts";

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `YYYY-MM-DD` of a day given as seconds since the epoch (UTC). */
export function formatDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * How ClickHouse prints a DateTime: `YYYY-MM-DD hh:mm:ss` as wall-clock time in its zone.
 * @example formatDateTime(0, "America/New_York") // "1969-12-31 19:00:00"
 */
export function formatDateTime(seconds: number, zone?: string): string {
  const local = seconds + (zone === undefined ? 0 : offsetAt(zone, seconds));
  const d = new Date(local * 1000);
  return `${formatDate(local)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * Reads what toDateTime accepts from a string: `YYYY-MM-DD hh:mm:ss`, `YYYY-MM-DD`, or unix
 * seconds as digits. ISO-8601 `T`/offsets are refused, as the docs say.
 * @example parseDateTime("1981-04-12 12:00:04") // 355924804
 */
export function parseDateTime(text: string, zone?: string): number {
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    if (seconds > 4_294_967_295) throw new AeSqlError("type", `Cannot parse string '${text}' as DateTime: out of range`);
    return seconds;
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(text);
  if (match === null) throw new AeSqlError("type", `Cannot parse string '${text}' as DateTime (expected 'YYYY-MM-DD hh:mm:ss')`);
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = match;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  return localToUtc(zone, local);
}

/**
 * Adds calendar months the way ClickHouse's addMonths does: in the value's zone, keeping the
 * time of day and clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonths(seconds: number, months: number, zone?: string): number {
  const local = seconds + (zone === undefined ? 0 : offsetAt(zone, seconds));
  const d = new Date(local * 1000);
  const index = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), daysInMonth);
  const timeOfDay = local - Math.floor(local / 86_400) * 86_400;
  return localToUtc(zone, Date.UTC(year, month, day) / 1000 + timeOfDay);
}
