import { EVENT_TIMESTAMP_BOUNDS } from "@edge-analytics/event-schema";
import { QueryError } from "./errors.ts";
import type { SqlFragment } from "./sql.ts";
import { timeZoneOffsetMs } from "./time-range.ts";

/** The periods a time series may step by. */
export const GRANULARITIES = ["minute", "hour", "day", "week", "month"] as const;
/** One of {@link GRANULARITIES}. */
export type Granularity = (typeof GRANULARITIES)[number];

/** Time-zone offsets over a range: `offsets[i]` holds from `starts[i]` (epoch ms) on. */
export interface OffsetSchedule {
  starts: number[];
  offsets: number[];
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const DAY_MS = 24 * HOUR_MS;

/**
 * The offsets of `timeZone` across [fromMs, toMs): probed daily, each change narrowed to the
 * minute (zones change on whole minutes, and no zone has changed twice within a day since 2000).
 * Only the span events can have (`EVENT_TIMESTAMP_BOUNDS`) is probed: a question from year 0
 * costs what one over the century does (~36,500 probes), not 17 million hourly ones (a fuzzed
 * `timeRange` froze the API for minutes). UTC has one offset and is not probed at all.
 */
export function offsetSchedule(timeZone: string, fromMs: number, toMs: number): OffsetSchedule {
  const start = Math.max(fromMs, EVENT_TIMESTAMP_BOUNDS.earliestMs);
  const end = Math.min(toMs, EVENT_TIMESTAMP_BOUNDS.endMs);
  const starts = [fromMs];
  const offsets = [timeZoneOffsetMs(Math.min(Math.max(fromMs, EVENT_TIMESTAMP_BOUNDS.earliestMs), EVENT_TIMESTAMP_BOUNDS.endMs - 1), timeZone)];
  if (timeZone === "UTC" || end <= start) return { starts, offsets };
  let previous = start;
  for (let t = start + DAY_MS; t < end + DAY_MS; t += DAY_MS) {
    const probe = Math.min(t, end);
    const offset = timeZoneOffsetMs(probe, timeZone);
    if (offset !== offsets.at(-1)) {
      let low = previous;
      let high = probe;
      while (high - low > MINUTE_MS) {
        const middle = Math.floor((low + high) / 2 / MINUTE_MS) * MINUTE_MS;
        if (timeZoneOffsetMs(middle, timeZone) === offset) high = middle;
        else low = middle;
      }
      starts.push(high);
      offsets.push(offset);
    }
    previous = probe;
  }
  return { starts, offsets };
}

/**
 * The SQL for the local period an event falls in, as its local start (`2024-03-31T00:00:00`, wall
 * time in the asked zone), without
 * DuckDB's ICU extension (DuckDB-WASM in Workers has none): the zone's offsets over the range are
 * computed here and bound, the event's local wall time is its instant plus the offset in force,
 * and the period is truncated on that wall time. Identical in native DuckDB and DuckDB-WASM.
 */
export function periodSql(granularity: Granularity, schedule: OffsetSchedule, timestampColumn = '"timestamp"'): SqlFragment {
  if (!(GRANULARITIES as readonly string[]).includes(granularity)) {
    throw new QueryError("BAD_ARGUMENT", `granularity must be one of ${GRANULARITIES.join(", ")}`, "granularity");
  }
  const params: number[] = [];
  const branches = schedule.starts.slice(1).map((start, i) => {
    params.push(start, schedule.offsets[i] ?? 0);
    return `WHEN epoch_ms(${timestampColumn}) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT)`;
  });
  params.push(schedule.offsets.at(-1) ?? 0);
  const offset = branches.length > 0 ? `(CASE ${branches.join(" ")} ELSE CAST(? AS BIGINT) END)` : "CAST(? AS BIGINT)";
  // Wall time as a naive timestamp: the instant shifted by its offset, read as UTC.
  const local = `make_timestamp(CAST((epoch_ms(${timestampColumn}) + ${offset}) AS BIGINT) * 1000)`;
  // date_trunc('week') starts weeks on Monday (ISO 8601).
  const truncated = `date_trunc('${granularity}', ${local})`;
  return { sql: `strftime(${truncated}, '%Y-%m-%dT%H:%M:%S')`, params: [...params] };
}
