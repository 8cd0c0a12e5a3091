import type { FixturePoint } from "./points.ts";

// The corpus' datasets as plain data, shared by the Node fixture (`corpus-fixture.ts`) and the
// workerd harness (`../test-workerd/`), so both runtimes answer the same queries over the same rows.

/** The corpus queries' `now()`: a day with data in the last hour, day, week and 90 days. */
export const CORPUS_NOW = Date.parse("2026-04-20T12:00:00Z");

const HOUR = 3_600_000;

function at(hoursBeforeNow: number): number {
  return CORPUS_NOW - hoursBeforeNow * HOUR;
}

/**
 * Rows shaped like the corpus' datasets: cities and probes in blob1, paths and sites in
 * blob3/blob8 (counterscale), decisions and reasons (fraud), unix seconds in double1 of
 * link-clicks, sample intervals above 1. Several queries filter on these exact values.
 */
const EVENTS: readonly FixturePoint[] = [
  { timestamp: at(0.2), index1: "checkout-api", sampleInterval: 1, blobs: ["error", "none", "5xx", "CA", "example.com", "", "visitor-1", "example.com", "", "", "", "", "", "user42"], doubles: [0.8, 1, 1, 0, 120] },
  { timestamp: at(0.5), index1: "checkout-api", sampleInterval: 2, blobs: ["ok", "none", "/", "CA", "test.com", "", "visitor-2", "example.com", "", "", "", "", "", "guest"], doubles: [0.2, 1, 0, 0, 80] },
  { timestamp: at(2), index1: "cus_8f3a2b", sampleInterval: 1, blobs: ["London", "test2", "/blog/post-1", "US", "DEBUG build", "Toronto", "visitor-1", "example.com", "203.0.113.1", "", "", "", "", "user1"], doubles: [12.5, 3, 21, 4, 33] },
  { timestamp: at(3), index1: "cus_8f3a2b", sampleInterval: 10, blobs: ["Paris", "photo.JPG", "/about", "log42", "GB", "Paris", "none", "example.com"], doubles: [25, 0.5, -3, 2, 50] },
  { timestamp: at(5), index1: "error", sampleInterval: 1, blobs: ["block", "bot", "503", "high", "example.com", "", "visitor-3", "other.org"], doubles: [0.9, 0.4, -1, 7, 300] },
  { timestamp: at(7), index1: "cite_book", sampleInterval: 4, blobs: ["test", "/", "my test file", "ok", "debug", "", "visitor-4", "example.com"], doubles: [1, 1, 1, 1, 5] },
  { timestamp: at(9), index1: "cite_journal", sampleInterval: 1, blobs: ["errorPage", "none", "f", "log12", "x", "", "visitor-1", "example.com"], doubles: [4, 0, 0, 9, 12] },
  { timestamp: at(20), index1: "a", sampleInterval: 3, blobs: ["London", "a", "/", "CA", "example.com", "", "visitor-5", "example.com"], doubles: [-7.25, 6, 10, 0, 44] },
  { timestamp: at(30), index1: "b", sampleInterval: 1, blobs: ["pageview", "/", "/", "US", "", "", "visitor-6", "example.com"], doubles: [100, 2, 30, 3, 60] },
  { timestamp: at(24 * 5), index1: "checkout-api", sampleInterval: 1, blobs: ["Paris", "go.example.com", "/about", "FR", "", "", "", "example.com"], doubles: [15, 0, 0, 0, 70] },
  { timestamp: at(24 * 20), index1: "b", sampleInterval: 100, blobs: ["pageview", "/", "/", "US", "", "", "visitor-7", "example.com"], doubles: [3, 1, 1, 1, 1] },
  { timestamp: "2026-04-13 06:00:00", index1: "x", sampleInterval: 1, blobs: ["Oslo", "", "", "up", "", "", "", "example.com"], doubles: [2, 2, 2, 2, 2] },
  { timestamp: "2024-01-17 10:30:00", index1: "cus_8f3a2b", sampleInterval: 1, blobs: ["/api", "", "/blog/post-1", "CA", "", "", "", "example.com"], doubles: [1, 0, 0, 0, 0] },
  { timestamp: "2024-01-12 03:00:00", index1: "x", sampleInterval: 1, blobs: ["/api", "", "/blog/post-1", "US", "", "", "", "example.com"], doubles: [1, 0, 1, 0, 0] },
  { timestamp: "2023-03-15 08:00:00", index1: "cus_8f3a2b", sampleInterval: 2, blobs: ["/api/v1/orders"], doubles: [1] },
  { timestamp: "2024-11-24 06:00:00", index1: "grafana", sampleInterval: 1, blobs: ["label-a"], doubles: [42] },
];

const LINK_CLICKS: readonly FixturePoint[] = [
  { dataset: "link-clicks", timestamp: "2024-11-20 10:00:00", blobs: ["3f2b6c1e-8a4d-4e2f-9b7a-1c2d3e4f5a6b", "go.example.com", "", "", "GB", "London", "", "", "198.51.100.7"], doubles: [1732097000] },
  { dataset: "link-clicks", timestamp: "2024-11-21 10:00:00", blobs: ["3f2b6c1e-8a4d-4e2f-9b7a-1c2d3e4f5a6b", "l.example.org", "", "", "US", "Austin", "", "", "198.51.100.8"], doubles: [1732183400] },
];

export type CorpusDatasetName = "shared" | "dateTimeBlobs";

/** The datasets the corpus queries run on, by name (see {@link CORPUS_DATASET_FOR}). */
export const CORPUS_DATASETS: Readonly<Record<CorpusDatasetName, readonly FixturePoint[]>> = {
  /** Dataset `analytics_events` (and `link-clicks`) with the rows above. */
  shared: [...EVENTS, ...LINK_CLICKS, ...EVENTS.map((p) => ({ ...p, dataset: "link-clicks" }))],
  /**
   * For doc-dt-todatetime-columns: "double1 contains a unix timestamp in seconds; blob1 contains
   * a datetime in the format 'YYYY-MM-DD hh:mm:ss'". toDateTime(blob1) fails on a city name, in
   * ClickHouse as here, so that query needs data shaped the way it says.
   */
  dateTimeBlobs: [
    { timestamp: at(1), blobs: ["2025-10-27 16:55:25"], doubles: [1761584125] },
    { timestamp: at(2), blobs: ["1981-04-12 12:00:04"], doubles: [355924804] },
    { timestamp: at(3), blobs: ["not a date"], doubles: [0] },
  ],
};

/** Queries that need a dataset shaped as the query describes; every other query runs on `shared`. */
export const CORPUS_DATASET_FOR: Readonly<Record<string, CorpusDatasetName>> = {
  "doc-dt-todatetime-columns": "dateTimeBlobs",
};
