/**
 * An S3 client for the tests: requests signed by aws4fetch (an independent SigV4 implementation,
 * so the Worker's verifier is checked against someone else's signer), sent to the Worker with
 * `SELF.fetch` as wrangler dev would deliver them (a loopback `CF-Connecting-IP`).
 */
import { SELF } from "cloudflare:test";
import { AwsClient } from "aws4fetch";

/** The origin DuckDB uses locally (`s3_endpoint='127.0.0.1:8787'`). */
export const ORIGIN = "http://127.0.0.1:8787";
/** The credentials of workers/s3-local/wrangler.jsonc. */
export const ACCESS_KEY_ID = "local-dev-access-key";
export const SECRET_ACCESS_KEY = "local-dev-secret-key";

export const SIGNER = new AwsClient({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, service: "s3", region: "auto" });

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The client address wrangler dev would put in CF-Connecting-IP; `null` leaves the header out. */
  clientIp?: string | null;
  signer?: AwsClient;
  /** Sign the body's SHA-256 (default) instead of UNSIGNED-PAYLOAD (aws4fetch's default). */
  hashBody?: boolean;
  /** Changes the signed request before it is sent (tampering tests). */
  tamper?: (request: Request) => Request;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Signs `path` (e.g. `/analytics-processed/temp/x`) on ORIGIN and sends it to the Worker. */
export async function send(path: string, options: SendOptions = {}): Promise<Response> {
  const { method = "GET", body, clientIp = "127.0.0.1", signer = SIGNER, hashBody = true } = options;
  const headers: Record<string, string> = { ...options.headers };
  if (hashBody && headers["x-amz-content-sha256"] === undefined) headers["x-amz-content-sha256"] = await sha256Hex(body ?? "");
  const signed = await signer.sign(`${ORIGIN}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const delivered = options.tamper ? options.tamper(signed) : signed;
  // Added after signing, as miniflare adds it in front of the Worker (never signed by a client).
  const withIp = new Headers(delivered.headers);
  if (clientIp !== null) withIp.set("cf-connecting-ip", clientIp);
  return SELF.fetch(new Request(delivered, { headers: withIp }));
}

/** The text of every `<name>` element, in document order (enough for S3's flat documents). */
export function xmlValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((match) => match[1] ?? "");
}

/** The one `<name>` element's text. */
export function xmlValue(xml: string, name: string): string | undefined {
  return xmlValues(xml, name)[0];
}

/** An S3 error answer's status, code and message. */
export async function s3Error(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined; xml: string }> {
  const xml = await response.text();
  return { status: response.status, code: xmlValue(xml, "Code"), message: xmlValue(xml, "Message"), xml };
}

/** Puts an object (signed, with its SHA-256; text/plain unless said) and expects 200. */
export async function put(bucketAndKey: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  const response = await send(`/${bucketAndKey}`, { method: "PUT", body, headers: { "content-type": "text/plain", ...headers } });
  if (response.status !== 200) throw new Error(`PUT /${bucketAndKey} answered ${response.status}: ${await response.text()}`);
  return response;
}
