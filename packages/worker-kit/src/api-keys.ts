import { originAllowed } from "./origins.ts";

/**
 * The kinds of key a project has, and what each may do:
 * - `publishable`: send events only. Safe in a web page (the tracker, a Segment write key); may
 *   be restricted to allowed origins and is rate-limited per key and per client IP.
 * - `read`: query only (GraphQL, the dashboard, share links).
 * - `secret`: server-side, send and query.
 */
export const PROJECT_KEY_KINDS = ["publishable", "read", "secret"] as const;
/** One of {@link PROJECT_KEY_KINDS}. */
export type ProjectKeyKind = (typeof PROJECT_KEY_KINDS)[number];
/** A project key's kind, or the operator's `admin`. */
export type KeyKind = ProjectKeyKind | "admin";

/** What a request asks to do; each route needs exactly one. */
export type Permission = "send" | "query" | "operate";

/** The one table of what each kind of key may do (README "Keys" renders the same table). */
export const KEY_PERMISSIONS: Readonly<Record<KeyKind, readonly Permission[]>> = {
  publishable: ["send"],
  read: ["query"],
  secret: ["send", "query"],
  admin: ["operate"],
};

/** What an API key may do. */
export type KeyRole =
  | { kind: "project"; projectId: string; keyKind: ProjectKeyKind; origins?: readonly string[] }
  | { kind: "admin" };

/** A key as resolved: its role and a stable, non-secret id (for rate limits and logs). */
export interface ResolvedKey {
  role: KeyRole;
  keyId: string;
}

/** The kind of a resolved key. */
export function keyKindOf(key: ResolvedKey): KeyKind {
  return key.role.kind === "admin" ? "admin" : key.role.keyKind;
}

const WHAT_EACH_KIND_MAY_DO: Readonly<Record<KeyKind, string>> = {
  publishable: "a publishable key may only send events (POST /events, /v1/*)",
  read: "a read key may only query (POST /graphql, the dashboard)",
  secret: "a secret key may send events and query its project",
  admin: "the admin key may only operate the platform (catalog, compaction, flush, dead letters)",
};

const WHO_MAY: Readonly<Record<Permission, string>> = {
  send: "sending events needs a publishable or secret key",
  query: "querying needs a read or secret key",
  operate: "this endpoint needs the admin key",
};

/**
 * Why `key` may not do `permission` (a 403 message naming what the key may do and what the
 * route needs), or undefined when it may.
 * @example refusalFor(readKey, "send") // "a read key may only query (...); sending events needs a publishable or secret key"
 */
export function refusalFor(key: ResolvedKey, permission: Permission): string | undefined {
  const kind = keyKindOf(key);
  if (KEY_PERMISSIONS[kind].includes(permission)) return undefined;
  return `${WHAT_EACH_KIND_MAY_DO[kind]}; ${WHO_MAY[permission]}`;
}

/**
 * Why a request from `origin` may not use `key` (403), or undefined when it may. Only publishable
 * keys carry an origin list: a browser always sends `Origin` on a cross-origin POST, so a page on
 * another site cannot use the key; a request without `Origin` (a server, curl) passes, which is
 * why a publishable key can only write.
 */
export function originRefusal(key: ResolvedKey, origin: string | null): string | undefined {
  if (key.role.kind !== "project" || key.role.keyKind !== "publishable") return undefined;
  const allowed = key.role.origins;
  if (!origin || !allowed || allowed.length === 0) return undefined;
  if (originAllowed(origin, allowed)) return undefined;
  return `origin ${origin} may not use this publishable key (allowed: ${allowed.join(", ")})`;
}

const encoder = new TextEncoder();

async function sha256(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time equality of two equal-length digests (workerd's timingSafeEqual, else a xor loop). */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

interface KeyEntry {
  digest: Uint8Array;
  role: KeyRole;
  keyId: string;
}

/**
 * Maps API keys to projects. Keys are compared as SHA-256 digests in constant time, and every
 * configured key is compared on every lookup, so timing reveals neither a key nor which one matched.
 */
export class ApiKeyRegistry {
  private constructor(private readonly entries: KeyEntry[]) {}

  /**
   * Builds the registry from the `API_KEYS` secret and the `ADMIN_API_KEY` secret. `API_KEYS` is a
   * JSON object from each key to its project id (a secret key, the original form) or to
   * `{ "project", "kind": "publishable" | "read" | "secret", "origins"?: [...] }`, or
   * `{ "kind": "admin" }`. Several keys of one kind may be valid at once: that is how keys rotate.
   * @example await ApiKeyRegistry.fromSecrets('{"local-dev-key":"local","local-pub-key":{"project":"local","kind":"publishable"}}', "local-admin-key")
   */
  static async fromSecrets(apiKeysJson: string | undefined, adminKey: string | undefined): Promise<ApiKeyRegistry> {
    const entries: KeyEntry[] = [];
    const add = async (key: string, role: KeyRole) => {
      const digest = await sha256(key);
      const prefix = role.kind === "admin" ? "admin" : "key";
      entries.push({ digest, role, keyId: `${prefix}_${toHex(digest).slice(0, 16)}` });
    };
    if (apiKeysJson) {
      for (const [key, role] of parseApiKeys(apiKeysJson)) await add(key, role);
    }
    if (adminKey) await add(adminKey, { kind: "admin" });
    return new ApiKeyRegistry(entries);
  }

  /** The projects that have at least one key, sorted. */
  projectIds(): string[] {
    const ids = new Set<string>();
    for (const entry of this.entries) if (entry.role.kind === "project") ids.add(entry.role.projectId);
    return [...ids].sort();
  }

  /** Resolves a presented key, or undefined when it is unknown. */
  async resolve(presented: string | undefined | null): Promise<ResolvedKey | undefined> {
    if (!presented) return undefined;
    const digest = await sha256(presented);
    let match: KeyEntry | undefined;
    for (const entry of this.entries) {
      // No early exit: every entry costs the same whether or not an earlier one matched.
      if (digestsEqual(entry.digest, digest) && !match) match = entry;
    }
    return match ? { role: match.role, keyId: match.keyId } : undefined;
  }
}

const API_KEYS_FORMAT =
  'API_KEYS must be a JSON object mapping each key to its project id, or to { "project": "...", "kind": "publishable" | "read" | "secret", "origins": [...] } or { "kind": "admin" }';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses `API_KEYS` into (key, role) pairs, with an error naming the entry at fault. */
function parseApiKeys(json: string): [string, KeyRole][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(API_KEYS_FORMAT);
  }
  if (!isObject(parsed)) throw new Error(API_KEYS_FORMAT);
  return Object.entries(parsed).map(([key, value]): [string, KeyRole] => {
    // The key itself never goes into an error: only its position in the object.
    const where = `API_KEYS entry #${Object.keys(parsed).indexOf(key) + 1}`;
    if (key.length === 0) throw new Error(`${where}: empty key`);
    if (typeof value === "string") return [key, { kind: "project", projectId: value, keyKind: "secret" }];
    if (!isObject(value)) throw new Error(`${where}: ${API_KEYS_FORMAT}`);
    if (value.kind === "admin") return [key, { kind: "admin" }];
    const keyKind = value.kind ?? "secret";
    if (typeof keyKind !== "string" || !(PROJECT_KEY_KINDS as readonly string[]).includes(keyKind)) {
      throw new Error(`${where}: kind must be one of ${[...PROJECT_KEY_KINDS, "admin"].join(", ")}`);
    }
    if (typeof value.project !== "string" || value.project.length === 0) throw new Error(`${where}: "project" must be a project id`);
    const role: KeyRole = { kind: "project", projectId: value.project, keyKind: keyKind as ProjectKeyKind };
    if (value.origins !== undefined) {
      if (keyKind !== "publishable") throw new Error(`${where}: only publishable keys take "origins"`);
      if (!Array.isArray(value.origins) || !value.origins.every((o): o is string => typeof o === "string")) {
        throw new Error(`${where}: "origins" must be an array of origins such as "https://shop.example" or "http://localhost:*"`);
      }
      role.origins = value.origins;
    }
    return [key, role];
  });
}

/** Reads the key from `X-API-Key`, or `Authorization: Bearer <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const direct = headers.get("x-api-key");
  if (direct) return direct.trim();
  const auth = headers.get("authorization");
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

/**
 * The user name of `Authorization: Basic base64(user:password)`: Segment's SDKs send their write
 * key that way, with an empty password.
 */
export function basicAuthUser(headers: Headers): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.get("authorization") ?? "");
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return undefined;
  }
  const user = decoded.split(":")[0];
  return user ? user : undefined;
}

let cachedRegistry: { source: string; value: Promise<ApiKeyRegistry> } | undefined;

/**
 * The key registry of a Worker's secrets (`API_KEYS`, `ADMIN_API_KEY`), built once per isolate:
 * hashing every key on every request would be waste.
 */
export function apiKeyRegistryFromEnv(env: { API_KEYS?: string; ADMIN_API_KEY?: string }): Promise<ApiKeyRegistry> {
  const source = `${env.API_KEYS ?? ""}\u0000${env.ADMIN_API_KEY ?? ""}`;
  if (cachedRegistry?.source !== source) cachedRegistry = { source, value: ApiKeyRegistry.fromSecrets(env.API_KEYS, env.ADMIN_API_KEY) };
  return cachedRegistry.value;
}

/**
 * Why a request may not use an operator endpoint (401 without or with an unknown key, 403 with a
 * project key), or undefined when it carries the admin key. `what` names the endpoint for the 403.
 */
export async function adminKeyRefusal(
  env: { API_KEYS?: string; ADMIN_API_KEY?: string },
  headers: Headers,
  what: string,
): Promise<{ status: 401 | 403; message: string } | undefined> {
  const key = presentedKey(headers);
  if (!key) return { status: 401, message: "missing API key: send the admin key in the X-API-Key header (or Authorization: Bearer <key>)" };
  const resolved = await (await apiKeyRegistryFromEnv(env)).resolve(key);
  if (!resolved) return { status: 401, message: "unknown API key" };
  const refusal = refusalFor(resolved, "operate");
  if (refusal) return { status: 403, message: `${what} needs the admin key: ${refusal}` };
  return undefined;
}
