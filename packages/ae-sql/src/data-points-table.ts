/**
 * The stand-in's storage: the `data_points` table the compiled SQL reads (see TABLE_COLUMNS in
 * compile.ts). Each point is stored as its JSON text; blob1..20 and double1..20 are virtual columns
 * over it, so a write costs one row of five values instead of 45 (queries read what they name).
 * One definition for the recorder Durable Object (workers/analytics-engine-local) and the workerd
 * corpus harness (test-workerd), so the two never drift.
 */
const BLOBS = Array.from({ length: 20 }, (_, i) => `blob${i + 1}`);
const DOUBLES = Array.from({ length: 20 }, (_, i) => `double${i + 1}`);

export const DATA_POINTS_DDL = `CREATE TABLE IF NOT EXISTS data_points (
  dataset TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  _sample_interval INTEGER NOT NULL DEFAULT 1,
  index1 TEXT NOT NULL,
  point TEXT NOT NULL,
  ${BLOBS.map((c, i) => `${c} TEXT GENERATED ALWAYS AS (coalesce(point ->> '$.blobs[${i}]', '')) VIRTUAL`).join(",\n  ")},
  ${DOUBLES.map((c, i) => `${c} REAL GENERATED ALWAYS AS (coalesce(point ->> '$.doubles[${i}]', 0.0)) VIRTUAL`).join(",\n  ")}
);
CREATE INDEX IF NOT EXISTS data_points_by_time ON data_points (dataset, timestamp_ms);`;
