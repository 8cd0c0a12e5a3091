// Durable baseline for the ingestion benchmark (bench/ingestion-throughput.mjs): reads the body,
// parses the JSON, then makes the batch durable with ONE call to ONE SQLite-backed Durable Object
// that inserts every event as its JSON text (one INSERT ... SELECT FROM json_each, in one
// transaction), and answers 202 {"accepted": n}. No validation, enrichment, deduplication or hot
// store: the minimum a durable ingestion request costs locally, with the same shape as the local
// ingestion Worker's journal call (the batch crosses the RPC boundary as one JSON string).
//
// Plain JS (not TypeScript): the root tsconfig type-checks bench/ without the Workers types.
import { DurableObject } from "cloudflare:workers";

/** One append-only log of event JSON texts in SQLite. */
export class EventLog extends DurableObject {
  /**
   * @param {DurableObjectState} ctx
   * @param {unknown} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         received_at_ms INTEGER NOT NULL,
         event TEXT NOT NULL
       )`,
    );
  }

  /**
   * Appends the events of one batch, given as the JSON text of an array, in one transaction.
   * @param {string} eventsJson
   * @returns {Promise<void>}
   */
  async append(eventsJson) {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("INSERT INTO events (received_at_ms, event) SELECT ?, value FROM json_each(?)", now, eventsJson);
    });
  }
}

export default {
  /**
   * @param {Request} request
   * @param {{ EVENT_LOG: any }} env
   */
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("ok", { status: 200 });
    const body = JSON.parse(await request.text());
    const events = Array.isArray(body.events) ? body.events : [body];
    const log = env.EVENT_LOG.get(env.EVENT_LOG.idFromName("bench"));
    await log.append(JSON.stringify(events));
    return new Response(JSON.stringify({ accepted: events.length }), { status: 202, headers: { "content-type": "application/json" } });
  },
};
