/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Returns the wait
 * in milliseconds from `nowMs`, or `undefined` when the value is absent or unreadable.
 *
 * @example
 * parseRetryAfter("1"); // 1000
 * parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", Date.parse("Wed, 21 Oct 2026 07:27:58 GMT")); // 2000
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  // A date already past means "now", not a negative wait.
  return Math.max(0, at - nowMs);
}
