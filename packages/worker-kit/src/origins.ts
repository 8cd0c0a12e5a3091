/**
 * Matches a request's `Origin` against a publishable key's allowed origins. A pattern is an
 * origin (`https://shop.example`), optionally with `*.` as its leftmost host label
 * (`https://*.shop.example`: subdomains, not the apex) or `:*` as its port (`http://localhost:*`:
 * any port, or none). Comparison is exact otherwise: scheme, host and port must all match.
 * @example originAllowed("http://localhost:5173", ["http://localhost:*"]) // true
 */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  const normalised = origin.toLowerCase();
  return patterns.some((pattern) => patternRegExp(pattern).test(normalised));
}

const compiled = new Map<string, RegExp>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function patternRegExp(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const match = /^(https?):\/\/(\*\.)?([^/:*]+)(:(\d+|\*))?\/?$/i.exec(pattern.trim());
  // A malformed pattern matches nothing, rather than everything.
  let regExp = /$^/;
  if (match) {
    const [, scheme = "", wildcardHost, host = "", , port] = match;
    const hostPart = `${wildcardHost ? "(?:[a-z0-9-]+\\.)+" : ""}${escapeRegExp(host.toLowerCase())}`;
    const portPart = port === "*" ? "(?::\\d+)?" : port ? `:${port}` : "";
    regExp = new RegExp(`^${scheme.toLowerCase()}://${hostPart}${portPart}$`);
  }
  compiled.set(pattern, regExp);
  return regExp;
}
