/**
 * Events accepted by ingestion for one raw table and UTC hour of receipt, as one project's
 * journal reports them to the catalog, which compares them with the rows that landed in files.
 */
export interface AcceptedCount {
  table: string;
  /** `2026-11-25T09` */
  hour: string;
  accepted: number;
  /**
   * Accepted but not yet in a file; null when unknown: a Cloudflare Pipelines stream holds events
   * until it rolls a file and does not say how many (the production ledger reports null).
   */
  buffered: number | null;
}
