import {
  countryFromCf,
  IngestError,
  ingestEvents,
  ingestSegmentMessages,
  isSegmentEndpoint,
  readEventsFromRequest,
  readJsonBody,
  type RequestContext,
  SEGMENT_MAX_BATCH_BYTES,
  SEGMENT_MAX_MESSAGE_BYTES,
  segmentMessages,
  segmentWriteKeyFromBody,
} from "@edge-analytics/ingest";
import { TRACKER_SCRIPT, TRACKER_SCRIPT_SHA256 } from "@edge-analytics/tracker";
import {
  apiKeyRegistryFromEnv,
  basicAuthUser,
  keyKindOf,
  originRefusal,
  type Permission,
  presentedKey,
  refusalFor,
  type ResolvedKey,
} from "@edge-analytics/worker-kit";
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { DurableObjectDeadLetters } from "./adapters.ts";
import { type IngestionEnv, ingestDependencies } from "./dependencies.ts";

type AppEnv = { Bindings: IngestionEnv; Variables: { key: ResolvedKey } };

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

/** Where a request carried its key: only a publishable key may travel where logs can see it. */
type KeySource = "header" | "query" | "body";

/**
 * Segment's short paths (analytics.js posts to `/v1/t`, `/v1/p`, ...), mapped to their calls.
 */
const SEGMENT_SHORT_PATHS: Readonly<Record<string, string>> = { t: "track", p: "page", s: "screen", i: "identify", g: "group", a: "alias", b: "batch" };

async function authenticate(env: IngestionEnv, presented: string | undefined): Promise<ResolvedKey> {
  if (!presented) throw new IngestError(401, "missing API key: send it in the X-API-Key header (or Authorization: Bearer <key>)");
  const resolved = await (await apiKeyRegistryFromEnv(env)).resolve(presented);
  if (!resolved) throw new IngestError(401, "unknown API key");
  return resolved;
}

/** 403 unless `key` may do `permission`. */
function authorize(key: ResolvedKey, permission: Permission): void {
  const refusal = refusalFor(key, permission);
  if (refusal) throw new IngestError(403, refusal);
}

/**
 * Authorizes a request that sends events with `key`, and the request context it implies: the key
 * may send; a key outside a header must be publishable (URLs and bodies end up in logs, and
 * secret keys must not); a publishable key's origins admit the request's Origin; the key's rate,
 * and for publishable keys the rate per key and client IP, are not exceeded.
 */
async function authorizeSender(c: Context<AppEnv>, key: ResolvedKey, source: KeySource): Promise<RequestContext> {
  authorize(key, "send");
  if (key.role.kind !== "project") throw new IngestError(403, "the admin key cannot send events; use a project key");
  if (source !== "header" && key.role.keyKind !== "publishable") {
    throw new IngestError(403, `a ${keyKindOf(key)} key must travel in the X-API-Key (or Authorization) header, never in the URL or body; rotate it if it was logged`);
  }
  const originProblem = originRefusal(key, c.req.header("origin") ?? null);
  if (originProblem) throw new IngestError(403, originProblem);
  const { success } = await c.env.RATE_LIMITER.limit({ key: key.keyId });
  if (!success) throw new IngestError(429, "rate limit exceeded for this API key", { retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS });
  if (key.role.keyKind === "publishable") {
    const ip = c.req.header("cf-connecting-ip") ?? "unknown";
    const perIp = await c.env.IP_RATE_LIMITER.limit({ key: `${key.keyId}:${ip}` });
    if (!perIp.success) {
      throw new IngestError(429, "rate limit exceeded for this publishable key from this client", { retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS });
    }
  }
  return requestContext(c, key.role.projectId);
}

/** What the edge knows about the request: receive time, project, User-Agent, country. */
function requestContext(c: Context<AppEnv>, keyProjectId: string | undefined): RequestContext {
  const context: RequestContext = { receivedAt: new Date() };
  if (keyProjectId !== undefined) context.keyProjectId = keyProjectId;
  const userAgent = c.req.header("user-agent");
  if (userAgent) context.userAgent = userAgent;
  const country = countryFromCf(c.req.raw.cf?.country);
  if (country) context.country = country;
  return context;
}

/**
 * The ingestion Worker's HTTP surface: /events, the Segment-compatible /v1/*, /tracker.js,
 * /health and the operator endpoints under /admin.
 */
export function createHttpApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const corsForBrowsers = async function corsForBrowsers(c: Context<AppEnv>, next: () => Promise<void>) {
    const origins = (c.env.CORS_ORIGINS || "*").split(",").map((o) => o.trim());
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["POST", "OPTIONS"],
      allowHeaders: ["Content-Type", "X-API-Key", "Authorization"],
      exposeHeaders: ["Retry-After"],
      maxAge: 86_400,
    })(c, next);
  };
  app.use("/events", corsForBrowsers);
  app.use("/v1/*", corsForBrowsers);

  // The browser tracker (packages/tracker), built at commit time; the ETag is its hash, so a new
  // tracker reaches browsers within max-age and a revalidation costs a 304.
  app.get("/tracker.js", function trackerScript(c) {
    const etag = `"${TRACKER_SCRIPT_SHA256.slice(0, 32)}"`;
    const headers = {
      "content-type": "application/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600, stale-while-revalidate=86400",
      etag,
      // Pages that isolate themselves (COEP) may still load it.
      "cross-origin-resource-policy": "cross-origin",
      "x-content-type-options": "nosniff",
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(TRACKER_SCRIPT, 200, headers);
  });

  app.get("/health", (c) =>
    c.json({ worker: "analytics-ingestion", status: "ok" }),
  );

  app.post("/events", async function postEvents(c) {
    let context: RequestContext;
    let acceptTextPlain = false;
    if (isServiceBindingRequest(c.req.raw)) {
      context = requestContext(c, undefined);
    } else {
      // navigator.sendBeacon cannot set headers: the tracker's publishable key comes in `?key=`.
      const fromHeader = presentedKey(c.req.raw.headers);
      const key = await authenticate(c.env, fromHeader ?? c.req.query("key"));
      context = await authorizeSender(c, key, fromHeader ? "header" : "query");
      acceptTextPlain = key.role.kind === "project" && key.role.keyKind === "publishable";
    }
    const deps = ingestDependencies(c.env, c.executionCtx, logBackgroundError);
    const events = await readEventsFromRequest(c.req.raw, deps.limits, { acceptTextPlain });
    return c.json(await ingestEvents(events, context, deps), 202);
  });

  // Segment's HTTP API (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/):
  // the write key as Basic auth user name (SDKs), or `writeKey` in the body (browsers); answers
  // 200 {"success":true} as Segment does, plus our per-message result.
  app.post("/v1/:call", async function segmentApi(c) {
    const requested = c.req.param("call");
    const endpoint = SEGMENT_SHORT_PATHS[requested] ?? requested;
    if (!isSegmentEndpoint(endpoint)) throw new IngestError(404, `no Segment endpoint /v1/${requested}; use /v1/batch, /v1/track, /v1/page, /v1/screen, /v1/identify, /v1/group or /v1/alias`);
    const fromHeader = basicAuthUser(c.req.raw.headers) ?? presentedKey(c.req.raw.headers);
    // Authenticate before reading the body when the key is in a header (the usual case).
    const headerKey = fromHeader ? await authenticate(c.env, fromHeader) : undefined;
    const publishable = headerKey === undefined || (headerKey.role.kind === "project" && headerKey.role.keyKind === "publishable");
    const body = await readJsonBody(c.req.raw, endpoint === "batch" ? SEGMENT_MAX_BATCH_BYTES : SEGMENT_MAX_MESSAGE_BYTES, {
      acceptTextPlain: publishable,
      tooLargeStatus: 400,
    });
    const key = headerKey ?? (await authenticate(c.env, segmentWriteKeyFromBody(body)));
    const context = await authorizeSender(c, key, headerKey ? "header" : "body");
    const deps = ingestDependencies(c.env, c.executionCtx, logBackgroundError);
    const result = await ingestSegmentMessages(segmentMessages(endpoint, body, deps.limits.maxBatchEvents), context, deps);
    return c.json({ success: true, ...result }, 200);
  });

  app.use("/admin/*", async function requireAdmin(c, next) {
    authorize(await authenticate(c.env, presentedKey(c.req.raw.headers)), "operate");
    await next();
  });

  app.get("/admin/dead-letters", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? "100") || 100, 1), 1000);
    const project = c.req.query("project");
    const letters = await new DurableObjectDeadLetters(c.env.DEAD_LETTERS).stub().list(project ? { limit, projectId: project } : { limit });
    return c.json({ dead_letters: letters });
  });

  // Pipelines buffers what the streams accepted and writes the files on its own schedule, and
  // says nothing of what it holds. Locally the stack's router sends this path to the Pipelines
  // stand-in (workers/pipelines-local), whose buffer it flushes (README "Architecture").
  app.post("/admin/flush", () => {
    throw new IngestError(409, "nothing to flush here: Cloudflare Pipelines writes the lake's files on its own schedule (locally, POST /admin/flush on the stack's origin flushes the Pipelines stand-in)");
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
