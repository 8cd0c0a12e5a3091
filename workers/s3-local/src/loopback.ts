/**
 * The endpoint answers only clients on this machine, addressing it by a loopback name.
 *
 * Client address: `wrangler dev` (miniflare's entry Worker) sets `CF-Connecting-IP` to the peer
 * address of the TCP connection: `127.0.0.1`, `::1`, `::ffff:127.0.0.1` on a dual-stack socket,
 * or e.g. `192.0.2.2` when the stack listens on a non-loopback interface (checked with wrangler
 * 4.164 and `--ip 0.0.0.0` / `--ip ::`). `request.cf` has no client address locally (a
 * placeholder object). Miniflare keeps a `CF-Connecting-IP` the client sent itself, so locally
 * the header is only as trustworthy as the listener: the stack listens on 127.0.0.1 only
 * (scripts/local-stack.mjs), which is what keeps other machines out; this check refuses a stack
 * someone started on a wider interface, and, should the Worker ever be deployed, every request
 * (Cloudflare sets the header to the real client address there).
 *
 * Host: a loopback Host also defeats DNS rebinding (a web page whose name resolves to 127.0.0.1
 * sends its own name as Host).
 */
import { S3Error } from "./s3-error.ts";

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail counts as two), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text;
  const dotted = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (dotted) {
    const octets = dotted.slice(2).map(Number);
    if (octets.some((octet) => octet > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    address = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16));
}

function isLoopbackIpv4(text: string): boolean {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  return octets !== null && octets[1] === "127" && octets.slice(2).every((octet) => Number(octet) <= 255);
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8 (`::ffff:127.0.0.1`), as a socket reports them. */
export function isLoopbackAddress(address: string): boolean {
  const text = address.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (isLoopbackIpv4(text)) return true;
  const groups = ipv6Groups(text);
  if (!groups) return false;
  // ::1
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return true;
  // ::ffff:127.x.y.z (IPv4-mapped, what a dual-stack socket reports for an IPv4 peer)
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  return mapped && (groups[6] ?? 0) >> 8 === 127;
}

/** The host name of a Host header value (`127.0.0.1:8787`, `[::1]:8787`, `localhost`), lower-cased. */
export function hostName(host: string): string {
  const text = host.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(0, text.indexOf("]") + 1);
  const colon = text.lastIndexOf(":");
  return colon === -1 ? text : text.slice(0, colon);
}

/** A Host that names this machine's loopback: `localhost`, `*.localhost` (RFC 6761), 127.x.y.z or [::1]. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host);
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return isLoopbackAddress(name);
}

/**
 * Throws AccessDenied unless the request came from a loopback address (`CF-Connecting-IP`) and
 * names a loopback host.
 */
export function assertLoopback(request: Request): void {
  const client = request.headers.get("cf-connecting-ip");
  if (client === null) {
    throw new S3Error("AccessDenied", "this local endpoint answers only clients on this machine, and the request carries no client address (CF-Connecting-IP)");
  }
  if (!isLoopbackAddress(client)) {
    throw new S3Error("AccessDenied", `this local endpoint answers only clients on this machine (loopback), not ${client.slice(0, 64)}`);
  }
  const host = request.headers.get("host") ?? new URL(request.url).host;
  if (!isLoopbackHost(host)) {
    throw new S3Error("AccessDenied", `this local endpoint answers only a loopback Host (127.0.0.1, [::1], localhost), not ${JSON.stringify(host.slice(0, 100))}`);
  }
}
