import { ANALYTICS_ENGINE_DATASET } from "@edge-analytics/event-schema";
import { countryFromCf, IngestError, ingestEvents, readEventsFromRequest, type RequestContext } from "@edge-analytics/ingest";
import { apiKeyRegistryFromEnv, presentedKey, type ResolvedKey } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { DurableObjectDeadLetters } from "./adapters.ts";
import { type IngestionEnv, ingestDependencies } from "./dependencies.ts";

type AppEnv = { Bindings: IngestionEnv; Variables: { key: ResolvedKey } };

/** The account id of the local Analytics Engine SQL API (CONTRACT.md). */
const LOCAL_ACCOUNT = "local";
/** Bodies larger than this are refused before reading; the SQL API's own limit is 10 KiB of query text. */
const MAX_SQL_BODY_BYTES = 64 * 1024;

/** Rate-limit window of the RATE_LIMITER binding (wrangler.jsonc), for Retry-After. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * A service-binding call: host `internal` AND no `cf` object. Cloudflare attaches `cf` to every
 * request from the internet (and wrangler dev to every HTTP request it serves), while a request a
 * Worker builds for a binding has none; Cloudflare also routes public traffic only by the Host of
 * a real zone. Either check alone would let a forged `Host: internal` through somewhere.
 */
function isServiceBindingRequest(request: Request): boolean {
  return new URL(request.url).hostname === "internal" && request.cf === undefined;
}

function logBackgroundError(stage: string, error: unknown): void {
  console.error(JSON.stringify({ level: "error", stage, message: error instanceof Error ? error.message : String(error) }));
}

async function authenticate(env: IngestionEnv, headers: Headers): Promise<ResolvedKey> {
  const key = presentedKey(headers);
  if (!key) throw new IngestError(401, "missing API key: send it in the X-API-Key header (or Authorization: Bearer <key>)");
  const resolved = await (await apiKeyRegistryFromEnv(env)).resolve(key);
  if (!resolved) throw new IngestError(401, "unknown API key");
  return resolved;
}

/** The ingestion Worker's HTTP surface: /events, /health and the operator endpoints under /admin. */
export function createHttpApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("/events", async function corsForBrowsers(c, next) {
    const origins = (c.env.CORS_ORIGINS || "*").split(",").map((o) => o.trim());
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["POST", "OPTIONS"],
      allowHeaders: ["Content-Type", "X-API-Key", "Authorization"],
      exposeHeaders: ["Retry-After"],
      maxAge: 86_400,
    })(c, next);
  });

  app.get("/health", (c) =>
    c.json({ worker: "analytics-ingestion", status: "ok", lake_sink: c.env.LAKE_SINK, hot_store: c.env.HOT_STORE }),
  );

  app.post("/events", async function postEvents(c) {
    const receivedAt = new Date();
    const context: RequestContext = { receivedAt };
    if (!isServiceBindingRequest(c.req.raw)) {
      const key = await authenticate(c.env, c.req.raw.headers);
      if (key.role.kind !== "project") throw new IngestError(403, "the admin key cannot send events; use a project key");
      const { success } = await c.env.RATE_LIMITER.limit({ key: key.keyId });
      if (!success) {
        throw new IngestError(429, "rate limit exceeded for this API key", { retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS });
      }
      context.keyProjectId = key.role.projectId;
    }
    const userAgent = c.req.header("user-agent");
    if (userAgent) context.userAgent = userAgent;
    const country = countryFromCf(c.req.raw.cf?.country);
    if (country) context.country = country;

    const deps = ingestDependencies(c.env, logBackgroundError);
    const events = await readEventsFromRequest(c.req.raw, deps.limits);
    return c.json(await ingestEvents(events, context, deps), 202);
  });

  app.use("/admin/*", async function requireAdmin(c, next) {
    const key = await authenticate(c.env, c.req.raw.headers);
    if (key.role.kind !== "admin") throw new IngestError(403, "this endpoint needs the admin key");
    await next();
  });

  app.get("/admin/dead-letters", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? "100") || 100, 1), 1000);
    const project = c.req.query("project");
    const letters = await new DurableObjectDeadLetters(c.env.DEAD_LETTERS).stub().list(project ? { limit, projectId: project } : { limit });
    return c.json({ dead_letters: letters });
  });

  app.get("/admin/buffer", async (c) => {
    const projects = (await apiKeyRegistryFromEnv(c.env)).projectIds();
    const journals = await Promise.all(
      projects.map(async (project) => ({
        project,
        tables: await c.env.EVENT_JOURNAL.get(c.env.EVENT_JOURNAL.idFromName(project)).stats(),
      })),
    );
    return c.json({ projects: journals });
  });

  // Writes every buffered event to the lake now, from every project's journal (CONTRACT.md).
  app.post("/admin/flush", async (c) => {
    if (c.env.LAKE_SINK !== "durable-object") {
      throw new IngestError(409, "nothing to flush: with LAKE_SINK=pipelines, Cloudflare Pipelines buffers and writes the files");
    }
    const started = Date.now();
    const projects = await c.env.JOURNAL_DIRECTORY.get(c.env.JOURNAL_DIRECTORY.idFromName("journals")).list();
    const results = await Promise.all(projects.map((project) => c.env.EVENT_JOURNAL.get(c.env.EVENT_JOURNAL.idFromName(project)).flush()));
    const files = results.flatMap((result) => result.files.map((file) => ({ project: result.project, ...file })));
    return c.json({
      files,
      rows: files.reduce((sum, file) => sum + file.rows, 0),
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      projects: projects.length,
      duration_ms: Date.now() - started,
    });
  });

  // The Analytics Engine SQL API stand-in (local development only): Cloudflare's path and wire
  // format, so the one client differs only in base URL, account and token (CONTRACT.md).
  app.post("/client/v4/accounts/:account/analytics_engine/sql", async function analyticsEngineSql(c) {
    if (c.env.HOT_STORE !== "local-recorder") throw new IngestError(404, "the Analytics Engine SQL stand-in exists only in local development");
    if (c.req.param("account") !== LOCAL_ACCOUNT) throw new IngestError(404, `unknown account "${c.req.param("account")}"; locally it is "${LOCAL_ACCOUNT}"`);
    const key = await authenticate(c.env, c.req.raw.headers);
    if (key.role.kind !== "admin") throw new IngestError(403, "the SQL API needs the admin key (Authorization: Bearer <key>)");
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > MAX_SQL_BODY_BYTES) throw new IngestError(413, `the query is ${declared} bytes; the limit is ${MAX_SQL_BODY_BYTES}`);
    const sqlText = await c.req.text();
    if (sqlText.length > MAX_SQL_BODY_BYTES) throw new IngestError(413, `the query exceeds ${MAX_SQL_BODY_BYTES} bytes`);
    const answer = await c.env.AE_RECORDER.get(c.env.AE_RECORDER.idFromName(ANALYTICS_ENGINE_DATASET)).query(sqlText);
    return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.contentType } });
  });

  app.notFound((c) => c.json({ error: { status: 404, message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404));

  app.onError(function toJsonError(error, c) {
    if (error instanceof IngestError) {
      if (error.details.retryAfterSeconds !== undefined) c.header("Retry-After", String(error.details.retryAfterSeconds));
      return c.json({ error: { status: error.status, message: error.message } }, error.status);
    }
    logBackgroundError("request", error);
    return c.json({ error: { status: 500, message: "internal error" } }, 500);
  });

  return app;
}
