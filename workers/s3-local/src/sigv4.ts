/**
 * AWS Signature Version 4 (AWS4-HMAC-SHA256) verification for S3 requests, both forms:
 * the `Authorization` header and presigned URLs (`X-Amz-Signature` in the query). It rebuilds the
 * canonical request and string to sign from the request as received and checks the signature with
 * `crypto.subtle.verify`, which compares in constant time.
 * Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import { S3Error } from "./s3-error.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** SHA-256 of the empty string: the payload hash of a request without a body. */
export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** How far a request's date may be from the clock, as S3 (RequestTimeTooSkewed beyond it). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may be valid (seven days, as S3). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

/** The one credential pair the endpoint accepts. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a verified request declared about itself. */
export interface VerifiedRequest {
  mode: "header" | "presigned";
  accessKeyId: string;
  region: string;
  /**
   * `x-amz-content-sha256` as signed (a hex SHA-256 the body must match, or `UNSIGNED-PAYLOAD`);
   * the body itself is checked where it is read (src/body.ts), since only some operations read it.
   */
  payloadHash: string;
}

/** The parts of a credential scope: `<key id>/<yyyymmdd>/<region>/s3/aws4_request`. */
interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminal: string;
}

/** The signing inputs, from the header or from the query. */
interface SignatureInputs {
  mode: "header" | "presigned";
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  /** `yyyymmddThhmmssZ`. */
  amzDate: string;
  /** Presigned only: seconds the URL is valid from `amzDate`. */
  expiresSeconds?: number;
}

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Lower-case hex SHA-256 of a string or bytes. */
export async function sha256Hex(data: string | ArrayBuffer | ArrayBufferView): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmacKey(keyBytes: ArrayBuffer | Uint8Array, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

async function hmac(keyBytes: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await hmacKey(keyBytes, "sign"), encoder.encode(data));
}

/** SigV4's derived key: HMAC chain over date, region, service and `aws4_request`, starting from `AWS4<secret>`. */
export async function signingKey(secretAccessKey: string, date: string, region: string, service: string): Promise<ArrayBuffer> {
  const dateKey = await hmac(encoder.encode(`AWS4${secretAccessKey}`), date);
  const regionKey = await hmac(dateKey, region);
  const serviceKey = await hmac(regionKey, service);
  return hmac(serviceKey, "aws4_request");
}

/**
 * RFC 3986 percent-encoding as SigV4's UriEncode: every byte except `A-Z a-z 0-9 - . _ ~` (and
 * `/` when `keepSlash`), upper-case hex. encodeURIComponent leaves `!'()*` alone, so those are added.
 */
export function uriEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

/** Percent-decodes, or throws InvalidURI (a malformed escape such as `%zz` or a lone surrogate). */
export function decodePathText(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.", { URI: text.slice(0, 200) });
  }
}

/**
 * S3's canonical URI: the path decoded, then encoded once with `/` kept (S3 neither normalizes
 * nor double-encodes), so whatever escapes the client chose (`%3D` or `=`) canonicalize the same,
 * and the key the signature covers is the key the operation uses. A literal `+` stays a plus
 * (`%2B`), as S3 and MinIO treat it in paths.
 */
export function canonicalUri(pathname: string): string {
  return uriEncode(decodePathText(pathname), true);
}

/**
 * The canonical query string: every parameter (minus `exclude`), name and value decoded then
 * UriEncoded, sorted by name then value; a parameter without a value (`?uploads`) becomes `uploads=`.
 */
export function canonicalQuery(searchParams: URLSearchParams, exclude: ReadonlySet<string> = new Set()): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of searchParams) {
    if (!exclude.has(name)) pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) => (nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** `name:value\n` per signed header, values trimmed with inner runs of spaces collapsed (SigV4's Trimall). */
export function canonicalHeaders(headers: Headers, signedHeaders: readonly string[], host: string): string {
  return signedHeaders
    .map((name) => {
      const value = name === "host" ? host : headers.get(name);
      if (value === null) {
        throw new S3Error("AccessDenied", `the header ${JSON.stringify(name)} is listed in SignedHeaders but not present in the request`);
      }
      return `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
}

/** Everything the signature covers, in SigV4's canonical form. */
export function canonicalRequest(parts: {
  method: string;
  pathname: string;
  searchParams: URLSearchParams;
  excludeFromQuery?: ReadonlySet<string>;
  headers: Headers;
  host: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}): string {
  return [
    parts.method,
    canonicalUri(parts.pathname),
    canonicalQuery(parts.searchParams, parts.excludeFromQuery),
    canonicalHeaders(parts.headers, parts.signedHeaders, parts.host),
    parts.signedHeaders.join(";"),
    parts.payloadHash,
  ].join("\n");
}

/** The string to sign: algorithm, request date, scope and the canonical request's hash. */
export async function stringToSign(amzDate: string, scope: string, canonical: string): Promise<string> {
  return [ALGORITHM, amzDate, scope, await sha256Hex(canonical)].join("\n");
}

function parseCredential(text: string, malformed: (message: string) => S3Error): Credential {
  const parts = text.split("/");
  // The key id itself may not contain "/", so a scope is always five parts.
  if (parts.length !== 5) throw malformed(`the Credential must be <access key id>/<yyyymmdd>/<region>/s3/aws4_request, got ${JSON.stringify(text.slice(0, 200))}`);
  const [accessKeyId = "", date = "", region = "", service = "", terminal = ""] = parts;
  if (!/^\d{8}$/.test(date)) throw malformed(`the Credential's date must be yyyymmdd, got ${JSON.stringify(date)}`);
  if (service !== "s3") throw malformed(`the Credential's service must be s3, got ${JSON.stringify(service)}`);
  if (terminal !== "aws4_request") throw malformed(`the Credential must end with aws4_request, got ${JSON.stringify(terminal)}`);
  if (region === "") throw malformed("the Credential names no region");
  return { accessKeyId, date, region, service, terminal };
}

function parseSignedHeaders(text: string, malformed: (message: string) => S3Error): string[] {
  const names = text.split(";");
  if (names.some((name) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name))) {
    throw malformed(`SignedHeaders must be lower-case header names separated by ";", got ${JSON.stringify(text.slice(0, 200))}`);
  }
  return names;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Milliseconds since the epoch of an ISO 8601 basic `yyyymmddThhmmssZ`, or NaN. */
export function parseAmzDate(amzDate: string): number {
  const match = AMZ_DATE.exec(amzDate);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The same instant as `yyyymmddThhmmssZ`. */
export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Signing inputs from `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
function headerInputs(request: Request, authorization: string): SignatureInputs {
  const malformed = (message: string) => new S3Error("AuthorizationHeaderMalformed", `The authorization header is malformed; ${message}`);
  const [algorithm = "", ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) {
    throw malformed(`only ${ALGORITHM} (Signature Version 4) is supported, got ${JSON.stringify(algorithm.slice(0, 40))}`);
  }
  const fields = new Map<string, string>();
  for (const field of rest.join("").split(",")) {
    const separator = field.indexOf("=");
    if (separator > 0) fields.set(field.slice(0, separator).trim(), field.slice(separator + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || signature === undefined) throw malformed("it needs Credential, SignedHeaders and Signature");

  // S3 accepts the Date header in place of x-amz-date (header auth only).
  const amzDateHeader = request.headers.get("x-amz-date");
  let amzDate = amzDateHeader ?? "";
  if (amzDateHeader === null) {
    const date = Date.parse(request.headers.get("date") ?? "");
    if (Number.isNaN(date)) throw new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    amzDate = toAmzDate(new Date(date));
  }
  return {
    mode: "header",
    credential: parseCredential(credential, malformed),
    signedHeaders: parseSignedHeaders(signedHeaders, malformed),
    signature,
    amzDate,
  };
}

/** The query parameters of a presigned URL; all but X-Amz-Signature are part of what was signed. */
const PRESIGNED_PARAMETERS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"] as const;

function queryInputs(searchParams: URLSearchParams): SignatureInputs {
  const malformed = (message: string) => new S3Error("AuthorizationQueryParametersError", message);
  const missing = PRESIGNED_PARAMETERS.filter((name) => searchParams.get(name) === null);
  if (missing.length > 0) throw malformed(`Query-string authentication version 4 requires ${PRESIGNED_PARAMETERS.join(", ")}; missing ${missing.join(", ")}`);
  const algorithm = searchParams.get("X-Amz-Algorithm");
  if (algorithm !== ALGORITHM) throw malformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const expiresText = searchParams.get("X-Amz-Expires") ?? "";
  const expiresSeconds = Number(expiresText);
  if (!/^\d+$/.test(expiresText) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw malformed(`X-Amz-Expires must be from 1 to ${MAX_PRESIGNED_EXPIRES_SECONDS} seconds, got ${JSON.stringify(expiresText.slice(0, 20))}`);
  }
  return {
    mode: "presigned",
    credential: parseCredential(searchParams.get("X-Amz-Credential") ?? "", malformed),
    signedHeaders: parseSignedHeaders(searchParams.get("X-Amz-SignedHeaders") ?? "", malformed),
    signature: searchParams.get("X-Amz-Signature") ?? "",
    amzDate: searchParams.get("X-Amz-Date") ?? "",
    expiresSeconds,
  };
}

function checkTime(inputs: SignatureInputs, now: number): void {
  const signedAt = parseAmzDate(inputs.amzDate);
  if (Number.isNaN(signedAt)) throw new S3Error("AccessDenied", `the request date must be yyyymmddThhmmssZ, got ${JSON.stringify(inputs.amzDate.slice(0, 40))}`);
  if (inputs.credential.date !== inputs.amzDate.slice(0, 8)) {
    const code = inputs.mode === "header" ? "AuthorizationHeaderMalformed" : "AuthorizationQueryParametersError";
    throw new S3Error(code, `Invalid credential date "${inputs.credential.date}": it is not the date of the request (${inputs.amzDate})`);
  }
  if (inputs.mode === "presigned") {
    if (signedAt - now > MAX_CLOCK_SKEW_MS) throw new S3Error("AccessDenied", "Request is not valid yet", { "X-Amz-Date": inputs.amzDate });
    const expiresAt = signedAt + (inputs.expiresSeconds ?? 0) * 1000;
    if (now > expiresAt) {
      throw new S3Error("AccessDenied", "Request has expired", { "X-Amz-Expires": String(inputs.expiresSeconds), Expires: new Date(expiresAt).toISOString(), ServerTime: new Date(now).toISOString() });
    }
    return;
  }
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
      RequestTime: inputs.amzDate,
      ServerTime: new Date(now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
    });
  }
}

/**
 * S3 refuses x-amz-* headers that are not signed: otherwise anyone on the path could add or change
 * one (e.g. `x-amz-copy-source`) without breaking the signature.
 */
function checkSignedHeaderSet(request: Request, signedHeaders: readonly string[]): void {
  if (!signedHeaders.includes("host")) throw new S3Error("AccessDenied", "the Host header must be signed (SignedHeaders lacks host)");
  const unsigned = [...request.headers.keys()].filter((name) => name.startsWith("x-amz-") && !signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw new S3Error("AccessDenied", "There were headers present in the request which were not signed", { HeadersNotSigned: unsigned.join(", ") });
  }
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function payloadHashOf(request: Request, mode: "header" | "presigned"): string {
  const declared = request.headers.get("x-amz-content-sha256");
  if (declared === null) {
    // Presigned URLs sign no body (S3's rule); header auth must say what the body is.
    if (mode === "presigned") return UNSIGNED_PAYLOAD;
    throw new S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  if (declared === UNSIGNED_PAYLOAD || HEX_SHA256.test(declared)) return declared;
  if (declared.startsWith("STREAMING-")) {
    // aws-chunked bodies (signed chunks, trailers): no client this endpoint serves sends them.
    throw new S3Error("NotImplemented", `x-amz-content-sha256: ${declared} (aws-chunked upload) is not supported by this local endpoint; send the body's SHA-256 or UNSIGNED-PAYLOAD`);
  }
  throw new S3Error("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, or a valid sha256 value.", { ArgumentName: "x-amz-content-sha256" });
}

/** Hex → bytes for a 64-digit signature; undefined for anything else (which then cannot match). */
function signatureBytes(signature: string): Uint8Array | undefined {
  if (!HEX_SHA256.test(signature)) return undefined;
  const bytes = new Uint8Array(32);
  for (let index = 0; index < 32; index += 1) bytes[index] = Number.parseInt(signature.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

/**
 * Verifies a request's SigV4 signature against the one local credential pair, or throws the S3
 * error AWS would answer: AccessDenied (no signature, unsigned x-amz-* headers, expired URL),
 * InvalidAccessKeyId, SignatureDoesNotMatch (with the canonical request and string to sign, as AWS
 * includes them, so a client can see where its signing differs), RequestTimeTooSkewed, and the
 * malformed-header errors. `now` is injectable for tests with fixed vectors.
 */
export async function verifySigV4(request: Request, credentials: Credentials, now: number = Date.now()): Promise<VerifiedRequest> {
  const url = new URL(request.url);
  const authorization = request.headers.get("authorization");
  const presigned = url.searchParams.has("X-Amz-Signature") || url.searchParams.has("X-Amz-Credential");
  if (authorization !== null && presigned) {
    throw new S3Error("InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified");
  }
  if (authorization === null && !presigned) {
    throw new S3Error("AccessDenied", "Access Denied: this local endpoint needs requests signed with AWS Signature V4 and the local credentials (workers/s3-local/README.md)");
  }
  const inputs = authorization !== null ? headerInputs(request, authorization) : queryInputs(url.searchParams);

  if (inputs.credential.accessKeyId !== credentials.accessKeyId) {
    throw new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: inputs.credential.accessKeyId.slice(0, 128) });
  }
  checkTime(inputs, now);
  checkSignedHeaderSet(request, inputs.signedHeaders);
  const payloadHash = payloadHashOf(request, inputs.mode);

  const { credential } = inputs;
  const scope = `${credential.date}/${credential.region}/${credential.service}/${credential.terminal}`;
  const canonical = canonicalRequest({
    method: request.method,
    pathname: url.pathname,
    searchParams: url.searchParams,
    excludeFromQuery: inputs.mode === "presigned" ? new Set(["X-Amz-Signature"]) : undefined,
    headers: request.headers,
    // The Host the client sent (wrangler dev keeps it; the URL's host is the fallback for
    // requests built inside the runtime, which have no Host header).
    host: request.headers.get("host") ?? url.host,
    signedHeaders: inputs.signedHeaders,
    payloadHash,
  });
  const toSign = await stringToSign(inputs.amzDate, scope, canonical);
  const provided = signatureBytes(inputs.signature);
  const key = await hmacKey(new Uint8Array(await signingKey(credentials.secretAccessKey, credential.date, credential.region, credential.service)), "verify");
  // HMAC verification is a constant-time comparison of the expected and provided MACs.
  const matches = provided !== undefined && (await crypto.subtle.verify("HMAC", key, provided, encoder.encode(toSign)));
  if (!matches) {
    throw new S3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
      AWSAccessKeyId: credential.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: inputs.signature.slice(0, 128),
      CanonicalRequest: canonical,
    });
  }
  return { mode: inputs.mode, accessKeyId: credential.accessKeyId, region: credential.region, payloadHash };
}
