import { DurableObject } from "cloudflare:workers";

/**
 * The durable buffer of one lake table: accepted events are appended here (in SQLite, committed
 * before the ingestion Worker answers 202) and later written to R2 as Parquet by the lake sink.
 * Locally it stands in for Cloudflare Pipelines, whose miniflare binding discards data.
 */
export class LakeBuffer extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS buffered_events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         event_id TEXT NOT NULL,
         buffered_at_ms INTEGER NOT NULL,
         record TEXT NOT NULL
       )`,
    );
  }

  /** Appends records (JSON text each) in one transaction; resolves once they are durable. */
  async append(records: string[]): Promise<number> {
    this.ctx.storage.sql.exec(
      `INSERT INTO buffered_events (event_id, buffered_at_ms, record)
       SELECT json_extract(value, '$.event_id'), ?, value FROM json_each(?)`,
      Date.now(),
      `[${records.join(",")}]`,
    );
    return records.length;
  }

  /** Rows buffered and not yet written to the lake. */
  async stats(): Promise<{ rows: number; oldestBufferedAtMs: number | null }> {
    const row = this.ctx.storage.sql
      .exec<{ rows: number; oldest: number | null }>("SELECT count(*) AS rows, min(buffered_at_ms) AS oldest FROM buffered_events")
      .one();
    return { rows: row.rows, oldestBufferedAtMs: row.oldest };
  }

  /** The oldest buffered records, parsed (for tests and the lake writer). */
  async read(limit: number): Promise<unknown[]> {
    return this.ctx.storage.sql
      .exec<{ record: string }>("SELECT record FROM buffered_events ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => JSON.parse(row.record) as unknown);
  }
}
