import { adminKeyRefusal, jsonError } from "@edge-analytics/worker-kit";
import { Hono } from "hono";
import { type DuplicateDeliveries, duplicateDeliveriesError } from "./durable-objects/stream-buffer.ts";
import { streamBuffer } from "./stream-buffer-stub.ts";

export const WORKER_NAME = "analytics-pipelines-local";

class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** The body of `PUT /admin/pipelines/duplicates`. */
function duplicateSetting(body: unknown): DuplicateDeliveries {
  if (typeof body !== "object" || body === null) throw new HttpError(400, 'body must be { "copies": n, "partition_offset_hours": h }');
  const { copies, partition_offset_hours: offset = 0 } = body as { copies?: unknown; partition_offset_hours?: unknown };
  if (typeof copies !== "number" || typeof offset !== "number") throw new HttpError(400, "copies and partition_offset_hours must be numbers");
  const setting = { copies, partitionOffsetHours: offset };
  const error = duplicateDeliveriesError(setting);
  if (error) throw new HttpError(400, error);
  return setting;
}

/**
 * The stand-in's HTTP surface on the local origin (the router forwards these paths here):
 * `POST /admin/flush` (writes every buffered event to the lake now), the buffer's
 * state, and the test-only switch for duplicate deliveries. Admin key on all but `/health`.
 */
export function createHttpApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  app.get("/health", (c) => c.json({ worker: WORKER_NAME, status: "ok" }));

  app.use("/admin/*", async function requireAdmin(c, next) {
    const refusal = await adminKeyRefusal(c.env, c.req.raw.headers, "the Pipelines stand-in");
    if (refusal) throw new HttpError(refusal.status, refusal.message);
    await next();
  });

  app.post("/admin/flush", async (c) => {
    const started = Date.now();
    const { files } = await streamBuffer(c.env).flush();
    return c.json({
      files,
      rows: files.reduce((sum, file) => sum + file.rows, 0),
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      duration_ms: Date.now() - started,
    });
  });

  app.get("/admin/pipelines/buffer", async (c) => c.json({ streams: await streamBuffer(c.env).stats() }));

  app.get("/admin/pipelines/duplicates", async (c) => c.json(await streamBuffer(c.env).duplicateDeliveries()));

  // Test-only: every file the sink writes from now on is also delivered `copies` more times.
  app.put("/admin/pipelines/duplicates", async (c) => {
    const setting = duplicateSetting(await c.req.json().catch(() => null));
    return c.json(await streamBuffer(c.env).setDuplicateDeliveries(setting));
  });

  app.delete("/admin/pipelines/duplicates", async (c) => c.json(await streamBuffer(c.env).setDuplicateDeliveries({ copies: 0, partitionOffsetHours: 0 })));

  app.notFound((c) => jsonError(404, `${WORKER_NAME}: no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.onError(function toJsonError(error) {
    if (error instanceof HttpError) return jsonError(error.status, error.message);
    console.error(JSON.stringify({ level: "error", stage: "pipelines-local-request", message: error instanceof Error ? error.message : String(error) }));
    return jsonError(500, "internal error");
  });

  return app;
}
