/**
 * HTTP byte ranges as S3 serves them (RFC 9110 §14): one range `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. S3 ignores a Range it cannot parse, and a multi-range request, and sends the whole
 * object; a range that starts at or beyond the end is 416 InvalidRange.
 */

/** What to send for a `Range` header against an object of `size` bytes. */
export type ResolvedRange =
  | { kind: "full" }
  | { kind: "partial"; offset: number; length: number }
  | { kind: "unsatisfiable" };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * @example resolveRange("bytes=0-9", 100) → { kind: "partial", offset: 0, length: 10 }
 * @example resolveRange("bytes=-10", 100) → { kind: "partial", offset: 90, length: 10 }
 * @example resolveRange("bytes=100-", 100) → { kind: "unsatisfiable" }
 */
export function resolveRange(header: string | null, size: number): ResolvedRange {
  if (header === null) return { kind: "full" };
  const match = SINGLE_RANGE.exec(header.trim().replace(/\s+/g, ""));
  if (!match) return { kind: "full" };
  const [, startText = "", endText = ""] = match;
  if (startText === "" && endText === "") return { kind: "full" };
  if (startText === "") {
    // Suffix: the last n bytes (all of them when n exceeds the size).
    const suffix = Number(endText);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "partial", offset: size - length, length };
  }
  const start = Number(startText);
  const end = endText === "" ? size - 1 : Number(endText);
  // `a-b` with b < a is not a valid range: ignored, as RFC 9110 says.
  if (endText !== "" && end < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", offset: start, length: Math.min(end, size - 1) - start + 1 };
}
