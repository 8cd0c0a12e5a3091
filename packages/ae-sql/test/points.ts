/**
 * Data points as a Worker would write them, shared by the Node fixture (node:sqlite) and the
 * workerd harness (`../test-workerd/`): no runtime-specific imports here.
 */

/** One data point as a Worker would write it, plus when it was recorded. */
export interface FixturePoint {
  dataset?: string;
  /** Unix milliseconds, or `YYYY-MM-DD hh:mm:ss` (UTC). */
  timestamp: number | string;
  sampleInterval?: number;
  index1?: string;
  blobs?: readonly string[];
  doubles?: readonly number[];
}

/** Milliseconds of a fixture timestamp. */
export function ms(timestamp: number | string): number {
  return typeof timestamp === "number" ? timestamp : Date.parse(`${timestamp.replace(" ", "T")}Z`);
}

/** A FORMAT JSON answer, parsed. */
export interface JsonResult {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  rows_before_limit_at_least?: number;
}
