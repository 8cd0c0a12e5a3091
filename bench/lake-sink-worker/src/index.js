// Worker for `npm run bench -- lake-sink` (bench/lake-sink.mjs).
//
// BenchEventJournal is a subclass of the REAL EventJournal (workers/ingestion): rows are loaded
// through its real `append`, and `flush()` is the real sink (extraction in pages, the lake's
// Parquet writer, R2 put, catalog registration over RPC, commit). The subclass only ADDS the
// pieces the benchmark times separately: the extraction alone, the encoder over extracted rows, and the NDJSON baseline
// (the same records as JSON lines, put into the same bucket). Plain JS: bench/ is type-checked
// without the Workers types.
import { EventJournal } from "../../../workers/ingestion/src/durable-objects/event-journal.ts";
import { JournalLakeBuffer } from "../../../workers/ingestion/src/durable-objects/journal-lake-buffer.ts";
import { encodeLakeFile } from "../../../workers/ingestion/src/lake-sink.ts";

export { JournalDirectory } from "../../../workers/ingestion/src/durable-objects/journal-directory.ts";

const TABLE = "page_views";

export class BenchEventJournal extends EventJournal {
  /** Every buffered row of the table as one planned file would hold it (not recorded). */
  allRows() {
    const range = this.ctx.storage.sql
      .exec("SELECT min(seq) AS firstSeq, max(seq) AS lastSeq, count(*) AS rows FROM buffered_events WHERE event_table = ?", TABLE)
      .one();
    return new JournalLakeBuffer(this.ctx.storage).rowsOf({ table: TABLE, key: "bench", firstSeq: range.firstSeq ?? 0, lastSeq: range.lastSeq ?? 0, rows: range.rows });
  }

  async load(entriesJson) {
    const statuses = await this.append("bench", entriesJson);
    return statuses.filter((s) => s === "accepted").length;
  }

  async extract() {
    return (await this.allRows()).length;
  }

  /** Extracts once, encodes `repeat` times; answers the rows and the file size. */
  async encode(repeat) {
    const rows = await this.allRows();
    let bytes = 0;
    for (let i = 0; i < repeat; i++) bytes = encodeLakeFile(TABLE, rows).byteLength;
    return { rows: rows.length, bytes };
  }

  /** The baseline sink: the same records as NDJSON, optionally put into the same bucket. */
  async ndjson(put) {
    const records = this.ctx.storage.sql.exec("SELECT record FROM buffered_events WHERE event_table = ? ORDER BY seq", TABLE).toArray();
    const text = `${records.map((r) => r.record).join("\n")}\n`;
    const body = new TextEncoder().encode(text);
    if (put) await this.env.SOURCE_BUCKET.put(`bench/ndjson/${crypto.randomUUID()}.ndjson`, body);
    return { rows: records.length, bytes: body.byteLength };
  }

  /** The DELETE of every buffered row in one statement, rolled back (timed by the client): what the purge spreads over pages. */
  async deleteRolledBack() {
    try {
      this.ctx.storage.transactionSync(() => {
        this.ctx.storage.sql.exec("DELETE FROM buffered_events WHERE event_table = ?", TABLE);
        throw new Error("rollback");
      });
    } catch {}
    return 0;
  }

  async clear() {
    this.ctx.storage.sql.exec("DELETE FROM buffered_events");
    this.ctx.storage.sql.exec("DELETE FROM event_ids");
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const journal = env.EVENT_JOURNAL.get(env.EVENT_JOURNAL.idFromName("bench"));
    const json = (value) => Response.json(value);
    switch (url.pathname) {
      case "/":
        return new Response("ok");
      case "/load":
        return json({ accepted: await journal.load(await request.text()) });
      case "/extract":
        return json({ rows: await journal.extract() });
      case "/encode":
        return json(await journal.encode(Number(url.searchParams.get("repeat") ?? "1")));
      case "/ndjson":
        return json(await journal.ndjson(url.searchParams.get("put") === "1"));
      case "/delete-rolled-back":
        return json(await journal.deleteRolledBack());
      case "/flush":
        return json(await journal.flush());
      case "/clear":
        await journal.clear();
        return json({ ok: true });
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
