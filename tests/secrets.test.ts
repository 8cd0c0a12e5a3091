/**
 * Secrets never reach a log, an error or a response, on the real stack. Every secret the stack
 * runs with is read from the files it reads them from (`.dev.vars`: the project keys of `API_KEYS`
 * but publishable ones, `ADMIN_API_KEY`, `AE_API_TOKEN`; the S3 endpoint's secret access key in
 * its wrangler.jsonc). Requests present each of them, and near misses of each (one character more
 * or less, another case, a prefix: what a typo or a probe sends), on every kind of route, and
 * provoke the errors a client can cause (bad JSON, wrong content type, too large, a key in the
 * body, GraphQL syntax, validation and argument errors, rejected events kept as dead letters).
 * Then no response body or header, and nothing the stack printed (tests/global-setup.ts keeps all
 * of it, console.log included, in `stackLogFile`), contains any secret or near miss.
 *
 * Checked in responses only: publishable keys, public by design (every page with the tracker
 * carries one, and the beacon's URL holds it, which request logs keep), and the local S3
 * endpoint's credentials, committed in its wrangler.jsonc as plain vars (local only, loopback
 * clients only, documented in README for DuckDB and dbt), whose values wrangler prints at start.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeEvent } from "@edge-analytics/test-support";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { repoRoot } from "../scripts/wrangler-process.mjs";

const origin = inject("stackOrigin");
const logFile = inject("stackLogFile");

/** `NAME=value` lines of a .dev.vars file. */
function devVars(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

const vars = devVars(join(repoRoot, ".dev.vars"));
const apiKeys = JSON.parse(vars.API_KEYS ?? "{}") as Record<string, string | { kind?: string }>;
const isPublishable = (role: string | { kind?: string }) => typeof role === "object" && role.kind === "publishable";
const s3Secret = /"LOCAL_S3_SECRET_ACCESS_KEY"\s*:\s*"([^"]+)"/.exec(readFileSync(join(repoRoot, "workers/s3-local/wrangler.jsonc"), "utf8"))?.[1];

/** Secrets by what they are: each must never appear anywhere. */
const SECRETS: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(apiKeys)
      .filter(([, role]) => !isPublishable(role))
      .map(([key, role]) => [`API_KEYS ${typeof role === "string" ? `secret key of ${role}` : `${role.kind ?? "secret"} key`}`, key]),
  ),
  ...(vars.ADMIN_API_KEY ? { ADMIN_API_KEY: vars.ADMIN_API_KEY } : {}),
  ...(vars.AE_API_TOKEN ? { AE_API_TOKEN: vars.AE_API_TOKEN } : {}),
};
/** Values that may be in logs but never in a response (see above). */
const PUBLIC = [
  ...Object.entries(apiKeys)
    .filter(([, role]) => isPublishable(role))
    .map(([key]) => key),
  ...(s3Secret ? [s3Secret] : []),
];

/** What a typo or a probe sends instead of a key. */
function nearMisses(key: string): string[] {
  return [`${key}x`, key.slice(0, -1), key.toUpperCase(), `x${key}`, `${key.slice(0, -1)}${key.endsWith("y") ? "z" : "y"}`];
}

/** Everything the stack answered: each response's status line, headers and body, for the grep. */
const answered: { what: string; text: string }[] = [];

async function call(what: string, path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${origin}${path}`, init);
  const body = await response.text();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  answered.push({ what: `${init.method ?? "GET"} ${path} (${what}) → ${response.status}`, text: `${headers}\n\n${body}` });
  return new Response(body, { status: response.status, headers: response.headers });
}

const json = (key: string | undefined, body: unknown, extra: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(key === undefined ? {} : { "x-api-key": key }), ...extra },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** Routes of every Worker and kind, each taking a key in a header. */
const ROUTES: { path: string; init: (key: string) => RequestInit }[] = [
  { path: "/events", init: (key) => json(key, makeEvent("custom", { name: "secrets-test" })) },
  { path: "/v1/track", init: (key) => ({ ...json(undefined, { event: "secrets-test", anonymousId: "s" }), headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${key}:`)}` } }) },
  { path: "/graphql", init: (key) => json(key, { query: "{ realtime(minutes: 5) { usage { sku } } }" }) },
  { path: "/admin/dead-letters?limit=1", init: (key) => ({ headers: { "x-api-key": key } }) },
  { path: "/admin/pipelines/buffer", init: (key) => ({ headers: { authorization: `Bearer ${key}` } }) },
  { path: "/catalog/tables", init: (key) => ({ headers: { "x-api-key": key } }) },
  { path: "/compact/status", init: (key) => ({ headers: { "x-api-key": key } }) },
  { path: "/client/v4/accounts/local/analytics_engine/sql", init: (key) => ({ method: "POST", headers: { authorization: `Bearer ${key}` }, body: "SELECT 1" }) },
  { path: "/analytics-source?list-type=2", init: (key) => ({ headers: { "x-api-key": key } }) },
];

const SECRET_KEY = Object.entries(apiKeys).find(([, role]) => typeof role === "string")?.[0] ?? "local-dev-key";
const ADMIN_KEY = vars.ADMIN_API_KEY ?? "local-admin-key";
const READ_KEY = Object.entries(apiKeys).find(([, role]) => typeof role === "object" && role.kind === "read")?.[0] ?? "local-read-key";

/** Waits until everything printed so far is in the log file: a request for a unique path shows up in wrangler's request log last. */
async function stackLog(): Promise<string> {
  const sentinel = `/secrets-test-sentinel-${randomUUID()}`;
  await fetch(`${origin}${sentinel}`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = readFileSync(logFile, "utf8");
    if (text.includes(sentinel)) return text;
    if (Date.now() > deadline) throw new Error(`the stack's log (${logFile}) did not show ${sentinel} within 10 s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe("no secret reaches a response, an error or a log", () => {
  beforeAll(async () => {
    const presented = [...Object.values(SECRETS), ...PUBLIC].flatMap((key) => [key, ...nearMisses(key)]);
    for (const route of ROUTES) {
      await Promise.all(presented.map((key) => call(`key ${key.length} chars`, route.path, route.init(key))));
    }
    // Errors a client can cause, each with a real secret key in its header.
    await call("bad JSON", "/events", json(SECRET_KEY, "{ not json"));
    await call("wrong content type", "/events", { method: "POST", headers: { "content-type": "text/csv", "x-api-key": SECRET_KEY }, body: "a,b" });
    await call("too large", "/events", json(SECRET_KEY, JSON.stringify({ events: [makeEvent("custom", { properties: { pad: "x".repeat(1000) } })] }).padEnd(1_100_000, " ")));
    await call("invalid event (a dead letter)", "/events", json(SECRET_KEY, { type: "page_view", page_url: 42, session_id: "s" }));
    await call("secret key in the body", "/v1/track", json(undefined, { writeKey: SECRET_KEY, event: "secrets-test", anonymousId: "s" }));
    for (const key of PUBLIC.filter((value) => value !== s3Secret)) {
      await call("near miss in the body", "/v1/track", json(undefined, { writeKey: `${key}x`, event: "secrets-test", anonymousId: "s" }));
      await call("invalid Segment message, publishable key in the body", "/v1/track", json(undefined, { writeKey: key, event: 42, anonymousId: "s" }));
    }
    await call("bad Segment batch", "/v1/batch", { ...json(undefined, "[1, 2"), headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${SECRET_KEY}:`)}` } });
    await call("GraphQL syntax error", "/graphql", json(READ_KEY, { query: "{ analytics { pageViews(" }));
    await call("GraphQL unknown field", "/graphql", json(READ_KEY, { query: "{ analytics { nope } }" }));
    await call("GraphQL bad argument", "/graphql", json(READ_KEY, { query: '{ analytics { pageViews(timeRange: { start: "2024-01-01", end: "2024-01-31" }, groupBy: ["x; DROP TABLE"]) { page_url } } }' }));
    await call("GraphQL bad variable", "/graphql", json(READ_KEY, { query: "query Q($t: TimeRange!) { analytics { pageViews(timeRange: $t) { page_url } } }", variables: { t: { start: 1 } } }));
    await call("GraphQL too deep", "/graphql", json(READ_KEY, { query: "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }" }));
    await call("GraphQL over GET", `/graphql?query=${encodeURIComponent("{ analytics { nope } }")}`, { headers: { "x-api-key": READ_KEY } });
    await call("catalog bad table", "/catalog/files?table=../../etc", { headers: { "x-api-key": ADMIN_KEY } });
    await call("compaction bad scope", "/compact", json(ADMIN_KEY, { table: "page_views", partition: "nope" }));
    await call("AE SQL error", "/client/v4/accounts/local/analytics_engine/sql", { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: "SELECT nope FROM nowhere" });
    await call("AE SQL unknown account", "/client/v4/accounts/someone/analytics_engine/sql", { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: "SELECT 1" });
    await call("dead letters", "/admin/dead-letters?limit=1000", { headers: { "x-api-key": ADMIN_KEY } });
  }, 120_000);

  it("provoked the errors it meant to", () => {
    const statuses = new Set(answered.map((entry) => Number(/→ (\d+)$/.exec(entry.what)?.[1])));
    for (const status of [200, 202, 400, 401, 403, 413, 415]) expect(statuses, `no ${status} among the answers`).toContain(status);
    expect(answered.some((entry) => entry.text.includes('"errors"'))).toBe(true);
    expect(answered.length).toBeGreaterThan(ROUTES.length * Object.keys(SECRETS).length * 6);
  });

  it("reads every secret the stack runs with", () => {
    expect(Object.keys(SECRETS)).toEqual(expect.arrayContaining(["ADMIN_API_KEY", "AE_API_TOKEN"]));
    expect(Object.keys(SECRETS).filter((name) => name.startsWith("API_KEYS")).length).toBeGreaterThanOrEqual(3);
    expect(s3Secret).toBeDefined();
    expect(PUBLIC.length).toBeGreaterThanOrEqual(2);
  });

  it("no response body or header holds a secret, a publishable key or a near miss of one", () => {
    const needles = [...Object.values(SECRETS), ...PUBLIC].flatMap((key) => [key, ...nearMisses(key)]);
    const found = answered.flatMap((entry) => needles.filter((needle) => entry.text.includes(needle)).map((needle) => `${entry.what}: ${needle}`));
    expect(found).toEqual([]);
  });

  it("no answer carries an internal error's cause or stack", () => {
    const found = answered.filter((entry) => /originalError|"stack"|\n\s+at .+:\d+:\d+/.test(entry.text)).map((entry) => entry.what);
    expect(found).toEqual([]);
  });

  it("nothing the stack printed holds a secret or a near miss of one", async () => {
    const log = await stackLog();
    // The log did see this file's traffic (wrangler's request lines are in it).
    expect(log).toContain("POST /events");
    const needles = Object.entries(SECRETS).flatMap(([name, key]) => [key, ...nearMisses(key)].map((needle) => ({ name, needle })));
    const found = needles.filter(({ needle }) => log.includes(needle)).map(({ name, needle }) => `${name}: "${needle}" at ${log.indexOf(needle)}: ${log.slice(Math.max(0, log.indexOf(needle) - 200), log.indexOf(needle) + 100)}`);
    expect(found).toEqual([]);
  });
});
