/** Length of the canonical `Date#toISOString` form `YYYY-MM-DDTHH:MM:SS.sssZ`. */
const CANONICAL_LENGTH = 24;
const DIGIT_0 = 48;
const MS_PER_DAY = 86_400_000;

/**
 * What `Date.parse` accepts that we also accept: ISO-8601 date-time with seconds optional,
 * fraction optional, and a `Z` or `±HH:MM` offset. `Date.parse` alone would also take legacy
 * forms ("Jan 1 2024", "2024-01-01 10:00") and read some of them in local time.
 */
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * Epoch milliseconds of an ISO-8601 timestamp with `Z` or an offset, or NaN when it is not one.
 *
 * The lake's rows carry the canonical form ingestion writes (`Date#toISOString`), so that form
 * is parsed with arithmetic: `Date.parse` was the largest single cost of building the Arrow
 * timestamp columns (see bench/lake-encode.mjs). The fast path only takes strings whose every
 * field is in range (days up to 28, so no month-length rule is needed); the rest go to
 * `Date.parse`, which defines the result, so both paths agree on every input.
 * @example parseTimestampMs("2024-01-15T10:30:00.000+02:00") // 1705307400000
 */
export function parseTimestampMs(text: string): number {
  if (text.length === CANONICAL_LENGTH) {
    const fast = parseCanonical(text);
    if (!Number.isNaN(fast)) return fast;
  }
  return ISO_DATE_TIME.test(text) ? Date.parse(text) : Number.NaN;
}

/** Large enough that any field with a non-digit in it fails its range check. */
const NOT_A_DIGIT = 1_000_000;

/** Value of the decimal digit at `at`, or {@link NOT_A_DIGIT}. */
function digit(text: string, at: number): number {
  const value = text.charCodeAt(at) - DIGIT_0;
  return value >= 0 && value <= 9 ? value : NOT_A_DIGIT;
}

function parseCanonical(text: string): number {
  if (
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 /* - */ ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 /* : */ ||
    text.charCodeAt(19) !== 46 /* . */ ||
    text.charCodeAt(23) !== 90 /* Z */
  ) {
    return Number.NaN;
  }
  const y0 = digit(text, 0), y1 = digit(text, 1), y2 = digit(text, 2), y3 = digit(text, 3);
  const mo0 = digit(text, 5), mo1 = digit(text, 6), d0 = digit(text, 8), d1 = digit(text, 9);
  const h0 = digit(text, 11), h1 = digit(text, 12), mi0 = digit(text, 14), mi1 = digit(text, 15);
  const s0 = digit(text, 17), s1 = digit(text, 18), f0 = digit(text, 20), f1 = digit(text, 21), f2 = digit(text, 22);
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  const millis = f0 * 100 + f1 * 10 + f2;
  if (
    year > 9999 ||
    month < 1 || month > 12 ||
    day < 1 || day > 28 ||
    hour > 23 || minute > 59 || second > 59 ||
    millis > 999
  ) {
    return Number.NaN;
  }
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
 * https://howardhinnant.github.io/date_algorithms.html#days_from_civil): exact for every year.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
