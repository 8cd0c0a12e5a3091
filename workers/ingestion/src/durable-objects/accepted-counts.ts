// The accepted-counts table both ingestion paths keep for the catalog's parity: the local journal
// (filled from its buffered rows) and the production ledger (filled from each commit's tallies).
import { parityCutoffHour } from "@edge-analytics/lake";

/** Events accepted per lake table and UTC hour of receipt (`2026-11-25T09`). */
export const ACCEPTED_COUNTS_TABLE = `CREATE TABLE IF NOT EXISTS accepted_counts (
  event_table TEXT NOT NULL,
  hour TEXT NOT NULL,
  accepted INTEGER NOT NULL,
  PRIMARY KEY (event_table, hour)
) WITHOUT ROWID;`;

/** Forgets the hours before the parity window (each reporter's hourly sweep). */
export function pruneAcceptedCounts(sql: SqlStorage, nowMs: number): void {
  sql.exec("DELETE FROM accepted_counts WHERE hour < ?", parityCutoffHour(nowMs));
}
