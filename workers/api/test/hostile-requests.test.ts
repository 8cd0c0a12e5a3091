/**
 * Requests tests/fuzz.test.ts found answered with a 500, an empty 4xx or a masked "Unexpected
 * error." by the API Worker, through the real Worker (SELF): each now gets a 4xx or a GraphQL
 * error that says what to fix.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const READ = { "x-api-key": "local-read-key" };

async function graphql(body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) {
  const response = await SELF.fetch("https://api.example/graphql", { method: "POST", headers: { ...READ, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[]; error?: { status: number; message: string } } };
}

describe("hostile GraphQL requests get a reason, never a 500", () => {
  it("a document nested thousands deep: refused before parsing (it overflowed the stack: 500)", async () => {
    const depth = 3_000;
    const { status, body } = await graphql({ query: `{ ${"analytics { ".repeat(depth)}${"}".repeat(depth)} }` });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.message).toBe(`the document nests brackets ${depth + 1} deep; the limit is 100`);
  });

  it("nested list values in arguments: refused the same way", async () => {
    const { status, body } = await graphql({ query: `{ analytics { top(dimension: "page_url", timeRange: { start: "2024-01-01", end: "2024-01-02" }, filter: ${"[".repeat(5_000)}${"]".repeat(5_000)}) { value } } }` });
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.message).toMatch(/^the document nests brackets \d+ deep; the limit is 100$/);
  });

  it.each(["text/plain", "application/octet-stream", ""])("a body of type %j: 415 with a JSON reason (it was an empty 415)", async (contentType) => {
    const { status, body } = await graphql({ query: "{ __typename }" }, contentType ? { "content-type": contentType } : {});
    expect(status).toBe(415);
    expect(body.error).toEqual({ status: 415, message: expect.stringContaining("Content-Type must be application/json") });
  });

  it.each([
    ["realtime { topPages(limit: 0) { page_url } }", "limit must be an integer from 1 to 1000, got 0"],
    ["realtime { apiErrors(limit: -5) { path } }", "limit must be an integer from 1 to 1000, got -5"],
    ["realtime(minutes: 0) { usage { sku } }", "minutes must be an integer from 1 to 43200, got 0"],
  ])("%s: a GraphQL error with the bound (it was a masked 'Unexpected error.')", async (query, message) => {
    const { status, body } = await graphql({ query: `{ ${query} }` });
    expect(status).toBe(200);
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT" } });
  });
});

describe("the schema's types", () => {
  it("no type is defined twice (createSchema merges same-named types: realtime's usage row gave analytics.usage a non-null field it never fills)", async () => {
    const { parse } = await import("graphql");
    const { typeDefs } = await import("../src/graphql-schema.ts");
    const names = parse(typeDefs).definitions.flatMap((definition) => ("name" in definition && definition.name ? [definition.name.value] : []));
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it("analytics.usage has no `events` field to select (it was an Unexpected error.); realtime.usage keeps its own", async () => {
    const lake = await graphql({ query: '{ analytics { usage(timeRange: { start: "2024-01-01", end: "2024-01-02" }) { sku events } } }' });
    expect(lake.body.errors?.[0]?.message).toBe('Cannot query field "events" on type "UsageTotal".');
    const hot = await graphql({ query: "{ realtime { usage { sku usage_events } } }" });
    expect(hot.body.errors?.[0]?.message).toBe('Cannot query field "usage_events" on type "RealtimeUsage".');
  });
});

describe("GraphQL over GET and form posts", () => {
  it.each(["%7B%22a", "%5", "%5B%5B%5B", "nope"])("variables=%s (not JSON): 400 with the reason (Yoga's JSON.parse made it a 500)", async (variables) => {
    const response = await SELF.fetch(`https://api.example/graphql?query=%7B__typename%7D&variables=${variables}`, { headers: READ });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^the "variables" parameter is not valid JSON/);
  });

  it("extensions that are not JSON, in a form-encoded POST: 400 too", async () => {
    const response = await SELF.fetch("https://api.example/graphql", { method: "POST", headers: { ...READ, "content-type": "application/x-www-form-urlencoded" }, body: "query=%7B__typename%7D&extensions=%7B" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^the "extensions" parameter is not valid JSON/);
  });

  it("readable parameters still reach Yoga", async () => {
    const response = await SELF.fetch("https://api.example/graphql?query=%7B__typename%7D&variables=%7B%7D", { headers: READ });
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });
});
