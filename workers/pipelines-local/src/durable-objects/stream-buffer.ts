import { catalogRpc } from "@edge-analytics/catalog";
import { TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";
import { LAKE_BUCKETS, LakeFileWriter, parseLakeObjectKey, rawObjectKey, type WrittenLakeFile } from "@edge-analytics/lake";
import { DurableObject } from "cloudflare:workers";
import { encodeLakeFile, type LakeRollPolicy, lakeRollPolicy } from "../lake-file.ts";
import { StreamLakeBuffer } from "./stream-lake-buffer.ts";

/** After a failed write (R2 or the catalog unavailable), try again this much later. */
const WRITE_RETRY_MS = 30_000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * The test-only fault switch: every file the sink writes is delivered `copies` more times, as
 * files of their own in the partition `partitionOffsetHours` after the original's (0: the same
 * hour; 1: the next), as an at-least-once sink redelivers a batch after a lost acknowledgement.
 */
export interface DuplicateDeliveries {
  copies: number;
  partitionOffsetHours: number;
}

/** Why a duplicate-delivery setting is refused, or undefined when it is valid. */
export function duplicateDeliveriesError(setting: DuplicateDeliveries): string | undefined {
  if (!Number.isInteger(setting.copies) || setting.copies < 0 || setting.copies > 3) return "copies must be an integer from 0 to 3";
  if (!Number.isInteger(setting.partitionOffsetHours) || setting.partitionOffsetHours < 0 || setting.partitionOffsetHours > 24) {
    return "partition_offset_hours must be an integer from 0 to 24";
  }
  return undefined;
}

/** One file a flush or roll wrote; a duplicate delivery names the file it repeats. */
export interface SinkFile extends WrittenLakeFile {
  duplicate_of?: string;
}

/** What one flush or roll wrote. */
export interface SinkFlushResult {
  files: SinkFile[];
}

/**
 * The local Pipelines stand-in's storage, one object for every stream: what a stream accepted
 * (durable before `send()` resolves: the append's transaction commits before the call returns)
 * until the sink has written it to R2. Per stream it rolls the buffered rows into a Parquet file
 * when the oldest waited the roll interval or the stream holds a full file, and on `flush()`; the
 * file's hour partition is the hour the sink writes it, as Pipelines' R2 sink does. Files are
 * written with the lake's `LakeFileWriter` (a row is forgotten only once its file is in R2 and
 * registered with the catalog), so nothing accepted is lost; duplicates come from clients that
 * resend and, when switched on for a test, from injected duplicate deliveries.
 */
export class StreamBuffer extends DurableObject<Env> {
  private readonly policy: LakeRollPolicy;
  private readonly buffer: StreamLakeBuffer;
  /** The alarm as last set by this instance (undefined: not read yet). */
  private alarmAtMs: number | null | undefined;
  private rowsSinceSizeCheck = 0;
  /** Writes run one at a time (alarm and flush may overlap). */
  private writing: Promise<unknown> = Promise.resolve();
  /** After a failed write, no roll before this instant (appends must not re-trigger it at once). */
  private writeBlockedUntilMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.policy = lakeRollPolicy(env);
    this.buffer = new StreamLakeBuffer(ctx.storage);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS buffered_events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         event_table TEXT NOT NULL,
         buffered_at_ms INTEGER NOT NULL,
         record TEXT NOT NULL
       );
       CREATE INDEX IF NOT EXISTS buffered_events_by_table ON buffered_events (event_table, seq);
       CREATE TABLE IF NOT EXISTS sink_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    );
    StreamLakeBuffer.createTables(ctx.storage.sql);
  }

  /**
   * Appends the sends of several streams in one transaction: `batchJson` is the JSON text of
   * `[{ "stream": "page_views", "records": [...] }, ...]` (streams checked by the entrypoint).
   */
  async appendBatch(batchJson: string): Promise<number> {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      `INSERT INTO buffered_events (event_table, buffered_at_ms, record)
       SELECT send.value ->> '$.stream', ?, record.value FROM json_each(?) AS send, json_each(send.value, '$.records') AS record`,
      now,
      batchJson,
    );
    // The rows inserted (a cursor's rowsWritten also counts the index's entries).
    const rows = this.ctx.storage.sql.exec<{ rows: number }>("SELECT changes() AS rows").one().rows;
    this.rowsSinceSizeCheck += rows;
    await this.scheduleRoll(now);
    return rows;
  }

  /**
   * Makes sure an alarm rolls the new rows within the roll interval, or now when a stream holds
   * a full file's worth (counted only every tenth of a file, to keep appends cheap).
   */
  private async scheduleRoll(now: number): Promise<void> {
    let due = now + this.policy.intervalMs;
    if (this.rowsSinceSizeCheck >= this.policy.maxRowsPerFile / 10) {
      this.rowsSinceSizeCheck = 0;
      if (this.buffer.holdsFullFile(this.policy.maxRowsPerFile)) due = now;
    }
    due = Math.max(due, this.writeBlockedUntilMs);
    if (this.alarmAtMs === undefined) this.alarmAtMs = await this.ctx.storage.getAlarm();
    if (this.alarmAtMs === null || due < this.alarmAtMs) {
      await this.ctx.storage.setAlarm(due);
      this.alarmAtMs = due;
    }
  }

  /** Writes every buffered row to the lake now (`POST /admin/flush`). */
  async flush(): Promise<SinkFlushResult> {
    return this.writeFiles(TABLE_NAMES);
  }

  /** Switches injected duplicate deliveries on (copies > 0) or off (copies 0). */
  async setDuplicateDeliveries(setting: DuplicateDeliveries): Promise<DuplicateDeliveries> {
    const error = duplicateDeliveriesError(setting);
    if (error) throw new RangeError(error);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO sink_meta (name, value) VALUES ('duplicates', ?)", JSON.stringify(setting));
    return setting;
  }

  /** The injected duplicate deliveries in force (copies 0: none). */
  async duplicateDeliveries(): Promise<DuplicateDeliveries> {
    const stored = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM sink_meta WHERE name = 'duplicates'").toArray()[0]?.value;
    return stored ? (JSON.parse(stored) as DuplicateDeliveries) : { copies: 0, partitionOffsetHours: 0 };
  }

  /**
   * Writes the given streams' files (and any file a failed write left planned), one run at a time.
   * With duplicate deliveries switched on, each file's bytes are also written and registered as
   * the configured copies, right after the original is in R2.
   */
  private writeFiles(tables: readonly TableName[]): Promise<SinkFlushResult> {
    const run = this.writing.then(async () => {
      const catalog = catalogRpc(this.env.CATALOG);
      const duplicates = await this.duplicateDeliveries();
      const copies: { key: string; duplicate_of: string; bytes: number }[] = [];
      const bucket = this.env.SOURCE_BUCKET;
      const writer = new LakeFileWriter(
        {
          buffer: this.buffer,
          objects: {
            put: async (key, bytes) => {
              await bucket.put(key, bytes);
              const table = parseLakeObjectKey(LAKE_BUCKETS.source, key)?.table as TableName | undefined;
              if (!table) return;
              for (let i = 0; i < duplicates.copies; i++) {
                const copyKey = rawObjectKey(table, new Date(Date.now() + duplicates.partitionOffsetHours * HOUR_MS), crypto.randomUUID());
                await bucket.put(copyKey, bytes);
                await catalog.registerFile(LAKE_BUCKETS.source, copyKey);
                copies.push({ key: copyKey, duplicate_of: key, bytes: bytes.byteLength });
              }
            },
          },
          registry: { registerFile: async (bucketName, key) => void (await catalog.registerFile(bucketName, key)) },
          encode: encodeLakeFile,
        },
        { maxRowsPerFile: this.policy.maxRowsPerFile, now: () => new Date(), newFileId: () => crypto.randomUUID() },
      );
      const files: SinkFile[] = await writer.writeTables(tables);
      await this.buffer.purgeWritten();
      for (const copy of copies) {
        const original = files.find((file) => file.key === copy.duplicate_of);
        if (original) files.push({ table: original.table, key: copy.key, rows: original.rows, bytes: copy.bytes, duplicate_of: copy.duplicate_of });
      }
      return { files };
    });
    // The next run waits for this one whether it succeeded or not.
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Rows buffered per stream and not yet written to the lake. */
  async stats(): Promise<{ stream: string; rows: number; oldest_buffered_at: string }[]> {
    return this.ctx.storage.sql
      .exec<{ stream: string; rows: number; oldest: number }>(
        `SELECT event_table AS stream, count(*) AS rows, min(buffered_at_ms) AS oldest FROM unwritten_events GROUP BY event_table ORDER BY event_table`,
      )
      .toArray()
      .map((row) => ({ stream: row.stream, rows: row.rows, oldest_buffered_at: new Date(row.oldest).toISOString() }));
  }

  /** The oldest buffered records of a stream, as the JSON text of an array (for tests). */
  async read(stream: TableName, limit: number): Promise<string> {
    const records = this.ctx.storage.sql
      .exec<{ record: string }>("SELECT record FROM unwritten_events WHERE event_table = ? ORDER BY seq LIMIT ?", stream, limit)
      .toArray()
      .map((row) => row.record);
    return `[${records.join(",")}]`;
  }

  /**
   * Rolls the streams whose oldest row waited the roll interval (or that hold a full file), and
   * sets the next alarm. A failed write is retried shortly; its rows stay buffered meanwhile.
   */
  override async alarm(): Promise<void> {
    this.alarmAtMs = null;
    const now = Date.now();
    const waiting = this.ctx.storage.sql
      .exec<{ table: TableName; oldest: number; rows: number }>(
        `SELECT event_table AS "table", min(buffered_at_ms) AS oldest, count(*) AS rows FROM unwritten_events GROUP BY event_table`,
      )
      .toArray();
    const due = waiting.filter((t) => t.oldest <= now - this.policy.intervalMs || t.rows >= this.policy.maxRowsPerFile).map((t) => t.table);
    let next: number | null = null;
    try {
      if (due.length > 0 || this.buffer.plannedFiles().length > 0) await this.writeFiles(due);
      const oldest = this.ctx.storage.sql.exec<{ oldest: number | null }>("SELECT min(buffered_at_ms) AS oldest FROM unwritten_events").one().oldest;
      if (oldest !== null) next = Math.max(oldest + this.policy.intervalMs, now + 1_000);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", stage: "lake-roll", message: error instanceof Error ? error.message : String(error) }));
      next = now + WRITE_RETRY_MS;
      this.writeBlockedUntilMs = next;
    }
    if (next !== null) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAtMs = next;
    }
  }
}
