import { describe, expect, it } from "vitest";
import { ApiKeyRegistry, presentedKey } from "../src/api-keys.ts";

const API_KEYS = JSON.stringify({ "local-dev-key": "local", "other-dev-key": "other" });
const ADMIN_KEY = "local-admin-key";

describe("ApiKeyRegistry", () => {
  it("resolves each configured key to its project", async () => {
    const registry = await ApiKeyRegistry.fromSecrets(API_KEYS, ADMIN_KEY);
    expect((await registry.resolve("local-dev-key"))?.role).toEqual({ kind: "project", projectId: "local" });
    expect((await registry.resolve("other-dev-key"))?.role).toEqual({ kind: "project", projectId: "other" });
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

  it.each([['{"k": 1}'], ['{"k": null}'], ['{"k": {"project": "p"}}'], ['{"": "p"}']])(
    "rejects API_KEYS entry %s that is not key -> project id string",
    async (apiKeys) => {
      await expect(ApiKeyRegistry.fromSecrets(apiKeys, undefined)).rejects.toThrow("API_KEYS values must be project id strings");
    },
  );
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
    expect(resolved?.role).toEqual({ kind: "project", projectId: "other" });
  });
});
