import { describe, expect, it } from "vitest";
import { ApiKeyRegistry, keyKindOf, originRefusal, presentedKey, refusalFor } from "../src/api-keys.ts";
import { originAllowed } from "../src/origins.ts";

const API_KEYS = JSON.stringify({ "local-dev-key": "local", "other-dev-key": "other" });
const ADMIN_KEY = "local-admin-key";

describe("ApiKeyRegistry", () => {
  it("resolves each configured key to its project", async () => {
    const registry = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
    expect((await registry.resolve("local-dev-key"))?.role).toEqual({ kind: "project", projectId: "local", keyKind: "secret" });
    expect((await registry.resolve("other-dev-key"))?.role).toEqual({ kind: "project", projectId: "other", keyKind: "secret" });
  });

  it("resolves the admin key to the admin role", async () => {
    const registry = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
    const resolved = await registry.resolve(ADMIN_KEY);
    expect(resolved?.role).toEqual({ kind: "admin" });
    expect(resolved?.keyId).toMatch(/^admin_[0-9a-f]{16}$/);
  });

  it.each([["unknown-key"], ["local-dev-ke"], ["LOCAL-DEV-KEY"], [" local-dev-key"], [""], [null], [undefined]])(
    "does not resolve %j",
    async (presented) => {
      const registry = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
      expect(await registry.resolve(presented)).toBeUndefined();
    },
  );

  it("resolves nothing when no secret is configured", async () => {
    const registry = await ApiKeyRegistry.fromSecrets(undefined, undefined);
    expect(await registry.resolve("local-dev-key")).toBeUndefined();
    expect(await registry.resolve(ADMIN_KEY)).toBeUndefined();
  });

  it("works with only an admin key, or only project keys", async () => {
    const adminOnly = await ApiKeyRegistry.fromSecrets("", ADMIN_KEY);
    expect((await adminOnly.resolve(ADMIN_KEY))?.role.kind).toBe("admin");
    const projectsOnly = await ApiKeyRegistry.fromSecrets(API_KEYS, "");
    expect((await projectsOnly.resolve("local-dev-key"))?.role.kind).toBe("project");
    expect(await projectsOnly.resolve("")).toBeUndefined();
  });

  it("gives each key a stable id that does not contain the key", async () => {
    const first = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
    const second = await ApiKeyRegistry.fromSecrets(JSON.stringify({ "other-dev-key": "other", "local-dev-key": "local" }), ADMIN_KEY);
    const ids = await Promise.all(["local-dev-key", "other-dev-key", ADMIN_KEY].map(async (key) => (await first.resolve(key))?.keyId));
    for (const [i, key] of ["local-dev-key", "other-dev-key", ADMIN_KEY].entries()) {
      const id = ids[i];
      if (id === undefined) throw new Error(`${key} did not resolve`);
      expect(id).not.toContain(key);
      expect(id).not.toContain(key.slice(0, 6));
      // Same key, same id: across registries, key order and repeated lookups.
      expect((await second.resolve(key))?.keyId).toBe(id);
      expect((await first.resolve(key))?.keyId).toBe(id);
    }
    expect(ids[0]).toMatch(/^key_[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it("the key id depends on the key, not on the project it maps to", async () => {
    const a = await ApiKeyRegistry.fromSecrets(JSON.stringify({ k: "project-a" }), undefined);
    const b = await ApiKeyRegistry.fromSecrets(JSON.stringify({ k: "project-b" }), undefined);
    expect((await a.resolve("k"))?.keyId).toBe((await b.resolve("k"))?.keyId);
  });

  it.each([["not json"], ["{"], ["[]"], ['["local-dev-key"]'], ["null"], ['"key"'], ["42"]])(
    "rejects malformed API_KEYS %j with a message that says what it must be",
    async (apiKeys) => {
      await expect(ApiKeyRegistry.fromSecrets(apiKeys, ADMIN_KEY)).rejects.toThrow(
        "API_KEYS must be a JSON object mapping each key to its project id",
      );
    },
  );

  it("does not echo the secret in the parse error", async () => {
    const secretLooking = '{"sk_live_123": "p",';
    const error: unknown = await ApiKeyRegistry.fromSecrets(secretLooking, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof Error ? error.message : "").not.toContain("sk_live_123");
  });

  it.each([
    ['{"k": 1}', "API_KEYS entry #1: API_KEYS must be a JSON object"],
    ['{"k": null}', "API_KEYS entry #1: API_KEYS must be a JSON object"],
    ['{"": "p"}', "API_KEYS entry #1: empty key"],
    ['{"a": "p", "k": {"project": "p", "kind": "owner"}}', "API_KEYS entry #2: kind must be one of publishable, read, secret, admin"],
    ['{"k": {"kind": "read"}}', 'API_KEYS entry #1: "project" must be a project id'],
    ['{"k": {"project": "p", "kind": "secret", "origins": ["https://a.example"]}}', 'API_KEYS entry #1: only publishable keys take "origins"'],
    ['{"k": {"project": "p", "kind": "publishable", "origins": "https://a.example"}}', 'API_KEYS entry #1: "origins" must be an array'],
  ])("rejects API_KEYS %s with an error naming the entry", async (apiKeys, message) => {
    await expect(ApiKeyRegistry.fromSecrets(apiKeys, undefined)).rejects.toThrow(message);
  });
});

describe("key kinds", () => {
  const KEYS = JSON.stringify({
    "local-dev-key": "local",
    "local-pub-key": { project: "local", kind: "publishable", origins: ["http://localhost:*", "https://*.shop.example"] },
    "local-read-key": { project: "local", kind: "read" },
    "local-secret-2": { project: "local", kind: "secret" },
    "second-admin": { kind: "admin" },
  });
  const registry = () => ApiKeyRegistry.fromSecrets(KEYS, ADMIN_KEY);
  const resolve = async (key: string) => {
    const resolved = await (await registry()).resolve(key);
    if (!resolved) throw new Error(`${key} did not resolve`);
    return resolved;
  };

  it("resolves each kind, with a publishable key's origins", async () => {
    expect((await resolve("local-pub-key")).role).toEqual({
      kind: "project",
      projectId: "local",
      keyKind: "publishable",
      origins: ["http://localhost:*", "https://*.shop.example"],
    });
    expect(keyKindOf(await resolve("local-read-key"))).toBe("read");
    expect(keyKindOf(await resolve("local-dev-key"))).toBe("secret");
    expect(keyKindOf(await resolve(ADMIN_KEY))).toBe("admin");
  });

  it("several keys of one kind are valid at once (rotation), each with its own id", async () => {
    const [a, b] = [await resolve("local-dev-key"), await resolve("local-secret-2")];
    expect(a.role).toEqual(b.role);
    expect(a.keyId).not.toBe(b.keyId);
    expect(keyKindOf(await resolve("second-admin"))).toBe("admin");
  });

  it.each([
    ["local-pub-key", "send", undefined],
    ["local-pub-key", "query", "a publishable key may only send events (POST /events, /v1/*); querying needs a read or secret key"],
    ["local-pub-key", "operate", "a publishable key may only send events (POST /events, /v1/*); this endpoint needs the admin key"],
    ["local-read-key", "send", "a read key may only query (POST /graphql, the dashboard); sending events needs a publishable or secret key"],
    ["local-read-key", "query", undefined],
    ["local-dev-key", "send", undefined],
    ["local-dev-key", "query", undefined],
    ["local-dev-key", "operate", "a secret key may send events and query its project; this endpoint needs the admin key"],
    [ADMIN_KEY, "operate", undefined],
    [ADMIN_KEY, "send", "the admin key may only operate the platform (catalog, compaction, flush, dead letters); sending events needs a publishable or secret key"],
  ] as const)("%s may %s: %s", async (key, permission, refusal) => {
    expect(refusalFor(await resolve(key), permission)).toBe(refusal);
  });

  it("restricts a publishable key to its origins; requests without Origin (servers) pass", async () => {
    const pub = await resolve("local-pub-key");
    expect(originRefusal(pub, "http://localhost:5173")).toBeUndefined();
    expect(originRefusal(pub, "https://www.shop.example")).toBeUndefined();
    expect(originRefusal(pub, null)).toBeUndefined();
    expect(originRefusal(pub, "https://evil.example")).toBe(
      "origin https://evil.example may not use this publishable key (allowed: http://localhost:*, https://*.shop.example)",
    );
    expect(originRefusal(pub, "https://shop.example")).toContain("may not use");
    // Secret keys carry no origin list: they are for servers.
    expect(originRefusal(await resolve("local-dev-key"), "https://evil.example")).toBeUndefined();
  });
});

describe("originAllowed", () => {
  it.each([
    ["https://shop.example", ["https://shop.example"], true],
    ["https://SHOP.example", ["https://shop.example"], true],
    ["http://shop.example", ["https://shop.example"], false],
    ["https://shop.example:8443", ["https://shop.example"], false],
    ["https://shop.example:8443", ["https://shop.example:8443"], true],
    ["https://a.b.shop.example", ["https://*.shop.example"], true],
    ["https://shop.example", ["https://*.shop.example"], false],
    ["https://evilshop.example", ["https://*.shop.example"], false],
    ["https://shop.example.evil.test", ["https://shop.example"], false],
    ["http://localhost", ["http://localhost:*"], true],
    ["http://localhost:3000", ["http://localhost:*"], true],
    ["http://localhost.evil.test:3000", ["http://localhost:*"], false],
    ["null", ["https://shop.example"], false],
    ["https://shop.example", ["not an origin", "*"], false],
  ])("%s against %j: %s", (origin, patterns, allowed) => {
    expect(originAllowed(origin, patterns)).toBe(allowed);
  });
});

describe("presentedKey", () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it("reads X-API-Key, trimmed", () => {
    expect(presentedKey(headers({ "X-API-Key": "local-dev-key" }))).toBe("local-dev-key");
    expect(presentedKey(headers({ "x-api-key": "  local-dev-key  " }))).toBe("local-dev-key");
  });

  it("reads Authorization: Bearer <key>, case-insensitively and with extra spaces", () => {
    expect(presentedKey(headers({ Authorization: "Bearer local-dev-key" }))).toBe("local-dev-key");
    expect(presentedKey(headers({ authorization: "bearer local-dev-key" }))).toBe("local-dev-key");
    expect(presentedKey(headers({ authorization: "BEARER   local-dev-key  " }))).toBe("local-dev-key");
  });

  it("prefers X-API-Key over Authorization", () => {
    expect(presentedKey(headers({ "x-api-key": "direct", authorization: "Bearer bearer" }))).toBe("direct");
  });

  it.each([
    ["no header", {}],
    ["another scheme", { authorization: "Basic bG9jYWw6a2V5" }],
    ["Bearer without a key", { authorization: "Bearer" }],
    ["Bearer with only spaces", { authorization: "Bearer    " }],
    ["Bearer with two tokens", { authorization: "Bearer a b" }],
    ["a bare key", { authorization: "local-dev-key" }],
  ])("returns undefined for %s", (_case, init: Record<string, string>) => {
    expect(presentedKey(headers(init))).toBeUndefined();
  });

  it("an empty X-API-Key falls back to Authorization", () => {
    expect(presentedKey(headers({ "x-api-key": "", authorization: "Bearer k" }))).toBe("k");
  });

  it("round-trips with the registry", async () => {
    const registry = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
    const resolved = await registry.resolve(presentedKey(headers({ authorization: "Bearer other-dev-key" })));
    expect(resolved?.role).toEqual({ kind: "project", projectId: "other", keyKind: "secret" });
  });
});
