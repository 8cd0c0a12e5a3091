/** Which JavaScript runtime the client runs in, for defaults that differ between them. */
export type Runtime = "workers" | "node" | "other";

/**
 * Workers set `navigator.userAgent` to "Cloudflare-Workers"
 * (https://developers.cloudflare.com/workers/runtime-apis/web-standards/);
 * Node has `process.versions.node`.
 */
export function detectRuntime(): Runtime {
  const scope = globalThis as { navigator?: { userAgent?: unknown }; process?: { versions?: { node?: unknown } } };
  if (scope.navigator?.userAgent === "Cloudflare-Workers") return "workers";
  if (typeof scope.process?.versions?.node === "string") return "node";
  return "other";
}
