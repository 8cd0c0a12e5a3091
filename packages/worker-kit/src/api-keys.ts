/** What an API key may do. */
export type KeyRole = { kind: "project"; projectId: string } | { kind: "admin" };

/** A key as resolved: its role and a stable, non-secret id (for rate limits and logs). */
export interface ResolvedKey {
  role: KeyRole;
  keyId: string;
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
   * Builds the registry from the `API_KEYS` secret (JSON object: key -> project id) and the
   * `ADMIN_API_KEY` secret.
   * @example await ApiKeyRegistry.fromSecrets('{"local-dev-key":"local"}', "local-admin-key")
   */
  static async fromSecrets(apiKeysJson: string | undefined, adminKey: string | undefined): Promise<ApiKeyRegistry> {
    const entries: KeyEntry[] = [];
    if (apiKeysJson) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(apiKeysJson);
      } catch {
        throw new Error("API_KEYS must be a JSON object mapping each key to its project id");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("API_KEYS must be a JSON object mapping each key to its project id");
      }
      for (const [key, projectId] of Object.entries(parsed)) {
        if (typeof projectId !== "string" || key.length === 0) throw new Error("API_KEYS values must be project id strings");
        const digest = await sha256(key);
        entries.push({ digest, role: { kind: "project", projectId }, keyId: `key_${toHex(digest).slice(0, 16)}` });
      }
    }
    if (adminKey) {
      const digest = await sha256(adminKey);
      entries.push({ digest, role: { kind: "admin" }, keyId: `admin_${toHex(digest).slice(0, 16)}` });
    }
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

/** Reads the key from `X-API-Key`, or `Authorization: Bearer <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const direct = headers.get("x-api-key");
  if (direct) return direct.trim();
  const auth = headers.get("authorization");
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
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
  if (resolved.role.kind !== "admin") return { status: 403, message: `${what} needs the admin key` };
  return undefined;
}
