// Worker for `npm run bench -- lake-sink` (bench/lake-sink.mjs).
//
// BenchStreamBuffer is a subclass of the REAL StreamBuffer of the Pipelines stand-in
// (workers/pipelines-local): rows are loaded through its real `appendBatch` (what a stream's
// `send()` writes), and `flush()` is the real sink (extraction in pages, the lake's Parquet writer,
// R2 put, catalog registration over RPC, commit). The subclass only ADDS the pieces the benchmark
// times separately: the extraction alone, the encoder over extracted rows, and the NDJSON baseline
// (the same records as JSON lines, put into the same bucket). Plain JS: bench/ is type-checked
// without the Workers types.
import { StreamBuffer } from "../../../workers/pipelines-local/src/durable-objects/stream-buffer.ts";
import { StreamLakeBuffer } from "../../../workers/pipelines-local/src/durable-objects/stream-lake-buffer.ts";
import { encodeLakeFile } from "../../../workers/pipelines-local/src/lake-file.ts";

const TABLE = "page_views";

export class BenchStreamBuffer extends StreamBuffer {
  /** Every buffered row of the table as one planned file would hold it (not recorded). */
  allRows() {
    const range = this.ctx.storage.sql
      .exec("SELECT min(seq) AS firstSeq, max(seq) AS lastSeq, count(*) AS rows FROM buffered_events WHERE event_table = ?", TABLE)
      .one();
    return new StreamLakeBuffer(this.ctx.storage).rowsOf({ table: TABLE, key: "bench", firstSeq: range.firstSeq ?? 0, lastSeq: range.lastSeq ?? 0, rows: range.rows });
  }

  /** Loads records (the JSON text of an array) as one `send()` of the page_views stream. */
  async load(recordsJson) {
    return this.appendBatch(`[{"stream":"${TABLE}","records":${recordsJson}}]`);
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
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const buffer = env.STREAM_BUFFER.get(env.STREAM_BUFFER.idFromName("bench"));
    const json = (value) => Response.json(value);
    switch (url.pathname) {
      case "/":
        return new Response("ok");
      case "/load":
        return json({ accepted: await buffer.load(await request.text()) });
      case "/extract":
        return json({ rows: await buffer.extract() });
      case "/encode":
        return json(await buffer.encode(Number(url.searchParams.get("repeat") ?? "1")));
      case "/ndjson":
        return json(await buffer.ndjson(url.searchParams.get("put") === "1"));
      case "/delete-rolled-back":
        return json(await buffer.deleteRolledBack());
      case "/flush":
        return json(await buffer.flush());
      case "/clear":
        await buffer.clear();
        return json({ ok: true });
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
