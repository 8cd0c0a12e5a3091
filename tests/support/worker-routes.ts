/**
 * The routes each Worker of the local stack registers, read from its Hono app in Node, so tests
 * can check tables of routes against the code instead of restating them. A test file that uses it
 * mocks what the Workers' modules need from workerd (see `tests/key-kinds-routes.test.ts`):
 * `cloudflare:workers` and the zstd encoder's wasm module.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import { repoRoot } from "../../scripts/wrangler-process.mjs";
import { type WorkerSpec, WORKERS } from "../../scripts/workers.mjs";

/** Every Worker of the local stack but the router (it registers no route of its own but `/health`, and forwards by path). */
export const ROUTED_WORKERS: readonly WorkerSpec[] = WORKERS.filter((worker) => worker.stack && worker.name !== "analytics-local");

/** A Worker module's HTTP app factory: `createHttpApp` (the API Worker's takes its GraphQL handler), or the S3 endpoint's `createApp`. */
type AppFactory = (graphql: (request: Request) => Promise<Response>) => Hono;

/** One route as a Worker registers it: a method (`ALL` for any) and a Hono path pattern. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

/** The handlers (not middleware) of a Worker's Hono app, e.g. `{ method: "GET", path: "/catalog/files" }`. */
export async function registeredRoutes(worker: WorkerSpec): Promise<RegisteredRoute[]> {
  const file = [join(repoRoot, worker.dir, "src/http-app.ts"), join(repoRoot, worker.dir, "src/index.ts")].find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`${worker.dir} has neither src/http-app.ts nor src/index.ts`);
  // A path computed at run time: the root tsconfig does not type-check the Workers (each has its own Env).
  const module = (await import(file)) as { createHttpApp?: AppFactory; createApp?: AppFactory };
  const factory = module.createHttpApp ?? module.createApp;
  if (!factory) throw new Error(`${file} exports no createHttpApp (or createApp): its routes cannot be read`);
  const app = factory(async () => new Response(null, { status: 501 }));
  return inspectRoutes(app)
    .filter((route) => !route.isMiddleware)
    .map(({ method, path }) => ({ method, path }));
}

/** A Hono path pattern as a RegExp over a request's pathname (`:param` one segment, `*` the rest). */
export function routePattern(pattern: string): RegExp {
  const source = pattern
    .split(/(:[A-Za-z_]+|\*)/)
    .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}
