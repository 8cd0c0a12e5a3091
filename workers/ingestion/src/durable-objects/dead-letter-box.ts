import { DurableObject } from "cloudflare:workers";
import type { DeadLetter } from "@edge-analytics/ingest";

const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_ROWS = 100_000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** A dead letter as operators read it. */
export interface StoredDeadLetter extends DeadLetter {
  id: number;
}

/**
 * Rejected events with their errors, kept 7 days (at most 100k rows) so operators can see what
 * producers send wrong: `GET /admin/dead-letters`.
 */
export class DeadLetterBox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS dead_letters (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         received_at TEXT NOT NULL,
         project_id TEXT,
         batch_index INTEGER NOT NULL,
         event_id TEXT,
         errors TEXT NOT NULL,
         raw TEXT NOT NULL
       )`,
    );
  }

  /** Stores rejected events. */
  async record(letters: DeadLetter[]): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO dead_letters (received_at, project_id, batch_index, event_id, errors, raw)
       SELECT json_extract(value, '$.receivedAt'), json_extract(value, '$.projectId'), json_extract(value, '$.index'),
              json_extract(value, '$.eventId'), json_extract(value, '$.errors'), json_extract(value, '$.raw')
       FROM json_each(?)`,
      JSON.stringify(letters),
    );
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }

  /** The newest dead letters first, optionally of one project. */
  async list(options: { limit: number; projectId?: string }): Promise<StoredDeadLetter[]> {
    const rows = this.ctx.storage.sql
      .exec<{ id: number; received_at: string; project_id: string | null; batch_index: number; event_id: string | null; errors: string; raw: string }>(
        `SELECT * FROM dead_letters WHERE (?1 IS NULL OR project_id = ?1) ORDER BY id DESC LIMIT ?2`,
        options.projectId ?? null,
        options.limit,
      )
      .toArray();
    return rows.map((row) => {
      const letter: StoredDeadLetter = {
        id: row.id,
        receivedAt: row.received_at,
        projectId: row.project_id,
        index: row.batch_index,
        errors: JSON.parse(row.errors) as DeadLetter["errors"],
        raw: row.raw,
      };
      if (row.event_id) letter.eventId = row.event_id;
      return letter;
    });
  }

  override async alarm(): Promise<void> {
    const cutoff = new Date(Date.now() - RETENTION_MS).toISOString();
    this.ctx.storage.sql.exec("DELETE FROM dead_letters WHERE received_at < ?", cutoff);
    this.ctx.storage.sql.exec(
      "DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?",
      MAX_ROWS,
    );
    await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }
}
