import { adminKeyRefusal, jsonError } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { pointsQueue } from "./points-queue.ts";
import { recorder } from "./recorder-stub.ts";

export const WORKER_NAME = "analytics-engine-local";

/** The account id of the local Analytics Engine SQL API (README "Real-time queries"). */
const LOCAL_ACCOUNT = "local";
/** Bodies larger than this are refused before reading; the SQL API's own limit is 10 KiB of query text. */
const MAX_SQL_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: 401 | 403 | 404 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The stand-in's HTTP surface on the local origin: Cloudflare's Analytics Engine SQL API path and
 * wire format, so the one client (packages/sql) differs only in base URL, account and token
 * (README "Real-time queries"), with the stack's admin key as the token.
 */
export function createHttpApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  app.get("/health", (c) => c.json({ worker: WORKER_NAME, status: "ok" }));

  app.post("/client/v4/accounts/:account/analytics_engine/sql", async function analyticsEngineSql(c) {
    if (c.req.param("account") !== LOCAL_ACCOUNT) throw new HttpError(404, `unknown account "${c.req.param("account")}"; locally it is "${LOCAL_ACCOUNT}"`);
    const refusal = await adminKeyRefusal(c.env, c.req.raw.headers, "the SQL API (Authorization: Bearer <key>)");
    if (refusal) throw new HttpError(refusal.status, refusal.message);
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > MAX_SQL_BODY_BYTES) throw new HttpError(413, `the query is ${declared} bytes; the limit is ${MAX_SQL_BODY_BYTES}`);
    const sqlText = await c.req.text();
    if (sqlText.length > MAX_SQL_BODY_BYTES) throw new HttpError(413, `the query exceeds ${MAX_SQL_BODY_BYTES} bytes`);
    // Every write that returned before this query is in the answer.
    await pointsQueue(c.env).settled();
    const answer = await recorder(c.env).query(sqlText);
    return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.contentType } });
  });

  app.notFound((c) => jsonError(404, `${WORKER_NAME}: no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.onError(function toJsonError(error) {
    if (error instanceof HttpError) return jsonError(error.status, error.message);
    console.error(JSON.stringify({ level: "error", stage: "analytics-engine-local-request", message: error instanceof Error ? error.message : String(error) }));
    return jsonError(500, "internal error");
  });

  return app;
}
