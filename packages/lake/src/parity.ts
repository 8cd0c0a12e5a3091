/**
 * Events accepted by ingestion for one raw table and UTC hour of receipt, as one project's
 * journal reports them to the catalog, which compares them with the rows that landed in files.
 */
export interface AcceptedCount {
  table: string;
  /** `2026-11-25T09` */
  hour: string;
  accepted: number;
  /** Accepted but not yet in a file. */
  buffered: number;
}
