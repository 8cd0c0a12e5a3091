/**
 * Date presets and intervals in the viewer's time zone. Ranges are exact instants (end exclusive)
 * computed with the browser's local calendar, so every field of the API (also those without a
 * `timezone` argument) reads the same span; the zone is passed along for bucketing.
 */

export const PRESETS = ["today", "yesterday", "7d", "30d", "this-month", "last-month", "12m", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "this-month": "This month",
  "last-month": "Last month",
  "12m": "Last 12 months",
  custom: "Custom range",
};

export const INTERVALS = ["minute", "hour", "day", "week", "month"] as const;
export type Interval = (typeof INTERVALS)[number];

/** A resolved range: instants (ISO-8601, end exclusive) and the local dates it covers (both inclusive). */
export interface TimeRange {
  start: string;
  end: string;
  firstDay: string;
  lastDay: string;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a local date. */
export function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The local midnight of `YYYY-MM-DD`, or undefined when it is not a real date. */
export function parseLocalDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return localDate(date) === text ? date : undefined;
}

function addDays(date: Date, days: number): Date {
  // The calendar, not 24 h steps: a day with a DST change is 23 or 25 hours long.
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

function range(first: Date, endExclusive: Date): TimeRange {
  return { start: first.toISOString(), end: endExclusive.toISOString(), firstDay: localDate(first), lastDay: localDate(addDays(endExclusive, -1)) };
}

/**
 * The range of a preset at `now`, in the local time zone. `custom` uses `from`/`to` (local dates,
 * both inclusive) and falls back to the last 7 days when they are missing or reversed.
 */
export function resolveRange(preset: Preset, now: Date, custom?: { from?: string; to?: string }): TimeRange {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const tomorrow = addDays(today, 1);
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  switch (preset) {
    case "today":
      return range(today, tomorrow);
    case "yesterday":
      return range(addDays(today, -1), today);
    case "7d":
      return range(addDays(today, -6), tomorrow);
    case "30d":
      return range(addDays(today, -29), tomorrow);
    case "this-month":
      return range(monthStart, new Date(now.getFullYear(), now.getMonth() + 1, 1));
    case "last-month":
      return range(new Date(now.getFullYear(), now.getMonth() - 1, 1), monthStart);
    case "12m":
      return range(new Date(now.getFullYear(), now.getMonth() - 11, 1), new Date(now.getFullYear(), now.getMonth() + 1, 1));
    case "custom": {
      const from = custom?.from ? parseLocalDate(custom.from) : undefined;
      const to = custom?.to ? parseLocalDate(custom.to) : undefined;
      if (!from || !to || to < from) return resolveRange("7d", now);
      return range(from, addDays(to, 1));
    }
  }
}

/**
 * The intervals that make a readable series for a range: at most a few thousand points (minute
 * up to 2 days, hour up to 35), and never coarser than the range itself.
 */
export function intervalsFor(range: TimeRange): Interval[] {
  const days = (Date.parse(range.end) - Date.parse(range.start)) / DAY_MS;
  return INTERVALS.filter((interval) => {
    if (interval === "minute") return days <= 2.05;
    if (interval === "hour") return days <= 35;
    if (interval === "week") return days >= 7;
    if (interval === "month") return days >= 28;
    return true;
  });
}

/** The interval a preset opens with. */
export function defaultInterval(preset: Preset, range: TimeRange): Interval {
  const days = (Date.parse(range.end) - Date.parse(range.start)) / DAY_MS;
  if (preset === "today" || preset === "yesterday" || days <= 2.05) return "hour";
  if (preset === "12m" || days > 180) return "month";
  return "day";
}

/** The viewer's IANA time zone (what the browser's calendar above uses). */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
