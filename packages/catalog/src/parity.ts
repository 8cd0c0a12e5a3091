// Parity: per raw table and UTC hour of receipt, events ingestion accepted vs rows that landed in
// files, and the distinct events among them.
import { type AcceptedCount, type LakeTableName, parityCutoffHour } from "@edge-analytics/lake";
import type { CatalogSql } from "./sql.ts";
import type { DistinctWork, ParityRow } from "./types.ts";

/**
 * How long after an hour ends a stream may still land its rows: Pipelines rolls a file at least
 * every 300 s by default, plus delivery; after this, rows still missing are a mismatch.
 */
export const STREAM_PARITY_GRACE_MS = 15 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * Per raw table and UTC hour of receipt H (bound ?2: the parity window's first hour): the active
 * files that hold rows received in H or in the hour before (a resend's first copy may be there),
 * as a signature (files, rows, newest registration: any change of those files changes it), their
 * keys, their rows in those two hours, and their rows in H itself.
 */
const DISTINCT_SIGNATURES_SQL = `
  SELECT table_name, hour, count(DISTINCT key) || '/' || sum(rows) || '/' || max(registered_at_ms) AS signature,
         json_group_array(DISTINCT key) AS keys, sum(rows) AS rows, sum(CASE WHEN own THEN rows ELSE 0 END) AS own_rows
  FROM (
    SELECT f.table_name, h.hour AS hour, f.key, h.rows, f.registered_at_ms, 1 AS own
    FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
    WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2
    UNION ALL
    SELECT f.table_name, strftime('%Y-%m-%dT%H', h.hour || ':00:00', '+1 hour') AS hour, f.key, h.rows, f.registered_at_ms, 0 AS own
    FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
    WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2
  )
  GROUP BY table_name, hour`;

/**
 * Records a project's accepted counts: the absolute figures of the hours its counter names (the
 * hours changed since its last report); hours it does not name keep their earlier figures. A row
 * whose figures did not change is not rewritten, and the project's hours that left the parity
 * window are forgotten: rows written follow the hours that changed, not the hours kept.
 */
export function recordAcceptedCounts(sql: CatalogSql, project: string, counts: readonly AcceptedCount[], nowMs = Date.now()): void {
  sql.transaction(() => {
    for (const count of counts) {
      sql.exec(
        `INSERT INTO accepted_counts (project, table_name, hour, accepted, buffered, buffered_known) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (project, table_name, hour) DO UPDATE SET accepted = ?4, buffered = ?5, buffered_known = ?6
         WHERE accepted != ?4 OR buffered != ?5 OR buffered_known != ?6`,
        project,
        count.table,
        count.hour,
        count.accepted,
        count.buffered ?? 0,
        count.buffered === null ? 0 : 1,
      );
    }
    sql.exec("DELETE FROM accepted_counts WHERE project = ? AND hour < ?", project, parityCutoffHour(nowMs));
  });
}

/**
 * Per raw table and UTC hour of receipt, within the last PARITY_WINDOW_DAYS: events ingestion
 * accepted vs rows that landed in files (counted from the files' own `received_at` columns,
 * plus the duplicates compaction removed since) and the distinct events among them.
 */
export function parity(sql: CatalogSql, table?: string, nowMs = Date.now()): ParityRow[] {
  const rows = sql
    .exec<{
      table_name: string;
      hour: string;
      accepted: number;
      buffered: number;
      buffered_known: number;
      landed: number;
      reported: number;
      distinct_ids: number | null;
    }>(
      `WITH accepted AS (
         SELECT table_name, hour, sum(accepted) AS accepted, sum(buffered) AS buffered, min(buffered_known) AS buffered_known
         FROM accepted_counts WHERE hour >= ?2 GROUP BY table_name, hour
       ), in_files AS (
         SELECT f.table_name, h.hour, sum(h.rows) AS rows
         FROM file_received_hours AS h JOIN files AS f ON f.bucket = h.bucket AND f.key = h.key
         WHERE f.bucket = 'analytics-source' AND f.state = 'active' AND h.hour >= ?2 GROUP BY f.table_name, h.hour
       ), landed AS (
         SELECT table_name, hour, sum(rows) AS landed FROM (
           SELECT table_name, hour, rows FROM in_files
           UNION ALL SELECT table_name, hour, rows FROM compacted_duplicates WHERE hour >= ?2
         ) GROUP BY table_name, hour
       ), pairs AS (
         SELECT table_name, hour FROM accepted UNION SELECT table_name, hour FROM landed
       ), signatures AS (${DISTINCT_SIGNATURES_SQL})
       SELECT p.table_name, p.hour, (a.table_name IS NOT NULL) AS reported, coalesce(a.accepted, 0) AS accepted, coalesce(a.buffered, 0) AS buffered,
              coalesce(a.buffered_known, 1) AS buffered_known, coalesce(l.landed, 0) AS landed,
              CASE WHEN coalesce(l.landed, 0) = 0 THEN 0 WHEN d.signature = s.signature THEN d.distinct_ids END AS distinct_ids
       FROM pairs AS p
       LEFT JOIN accepted AS a ON a.table_name = p.table_name AND a.hour = p.hour
       LEFT JOIN landed AS l ON l.table_name = p.table_name AND l.hour = p.hour
       LEFT JOIN signatures AS s ON s.table_name = p.table_name AND s.hour = p.hour
       LEFT JOIN parity_distinct AS d ON d.table_name = p.table_name AND d.hour = p.hour
       WHERE ?1 IS NULL OR p.table_name = ?1
       ORDER BY p.table_name, p.hour`,
      table ?? null,
      parityCutoffHour(nowMs),
    )
    .toArray();
  return rows.map((row) => {
    const known = row.buffered_known === 1;
    // A stream's rows may land until the grace period after the hour's end.
    const streamMayHold = !known && row.landed < row.accepted && Date.parse(`${row.hour}:00:00Z`) + HOUR_MS + STREAM_PARITY_GRACE_MS > nowMs;
    const status: ParityRow["status"] = !row.reported
      ? "unreported"
      : row.landed >= row.accepted
        ? "ok"
        : (known && row.landed + row.buffered >= row.accepted) || streamMayHold
          ? "pending"
          : "mismatch";
    return {
      table: row.table_name,
      hour: row.hour,
      accepted: row.accepted,
      landed: row.landed,
      distinct: row.distinct_ids,
      buffered: known ? row.buffered : null,
      status,
    };
  });
}

/**
 * The hours (within the parity window, with rows in files) whose distinct count is missing or
 * stale, oldest first: the files to read for each. The Worker reads them and records the counts.
 */
export function distinctWork(sql: CatalogSql, table?: string, nowMs = Date.now()): DistinctWork[] {
  const rows = sql
    .exec<{ table_name: LakeTableName; hour: string; signature: string; keys: string; rows: number }>(
      `WITH signatures AS (${DISTINCT_SIGNATURES_SQL})
       SELECT s.table_name, s.hour, s.signature, s.keys, s.rows
       FROM signatures AS s LEFT JOIN parity_distinct AS d ON d.table_name = s.table_name AND d.hour = s.hour
       WHERE s.own_rows > 0 AND (?1 IS NULL OR s.table_name = ?1) AND (d.signature IS NULL OR d.signature <> s.signature)
       ORDER BY s.table_name, s.hour`,
      table ?? null,
      parityCutoffHour(nowMs),
    )
    .toArray();
  return rows.map((row) => ({ table: row.table_name, hour: row.hour, signature: row.signature, keys: JSON.parse(row.keys) as string[], rows: row.rows }));
}

/** Records distinct counts the Worker read from the files a signature names; counts older than the window go. One transaction. */
export function recordDistinct(sql: CatalogSql, table: LakeTableName, counts: readonly { hour: string; signature: string; distinct: number }[], nowMs = Date.now()): void {
  sql.transaction(() => {
    for (const count of counts) {
      sql.exec(
        `INSERT INTO parity_distinct (table_name, hour, signature, distinct_ids) VALUES (?, ?, ?, ?)
         ON CONFLICT (table_name, hour) DO UPDATE SET signature = excluded.signature, distinct_ids = excluded.distinct_ids`,
        table,
        count.hour,
        count.signature,
        count.distinct,
      );
    }
    sql.exec("DELETE FROM parity_distinct WHERE hour < ?", parityCutoffHour(nowMs));
  });
}
