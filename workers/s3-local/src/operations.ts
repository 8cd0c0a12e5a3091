/**
 * The S3 object and bucket operations, each over one R2 bucket binding. Answers are S3's: status,
 * headers (ETag quoted, Last-Modified as an HTTP date, Content-Range) and XML bodies.
 */
import { readVerifiedBody } from "./body.ts";
import { r2Call } from "./r2-errors.ts";
import { resolveRange } from "./range.ts";
import { S3Error } from "./s3-error.ts";
import { parseDeleteObjects, s3Xml, type XmlNode } from "./s3-xml.ts";
import { assertKeyLength } from "./route.ts";
import { decodePathText } from "./sigv4.ts";

/** One request, addressed and authenticated: what every operation works from. */
export interface S3Request {
  request: Request;
  url: URL;
  bucketName: string;
  bucket: R2Bucket;
  key: string;
  /** The signed `x-amz-content-sha256` (a hex digest or UNSIGNED-PAYLOAD). */
  payloadHash: string;
  /** The other buckets by name, for CopyObject's source. */
  bucketByName: (name: string) => R2Bucket | undefined;
}

const XML_HEADERS = { "content-type": "application/xml" } as const;

/** An XML response (S3's content type). */
export function xmlResponse(xml: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(xml, { status, headers: { ...XML_HEADERS, ...headers } });
}

/** S3's ISO 8601 timestamps in listings and XML results: milliseconds, `Z`. */
function isoTime(date: Date): string {
  return date.toISOString();
}

/** The `Content-*` and `Cache-Control` headers S3 stores with an object, from a PUT or initiate request. */
export function httpMetadataOf(headers: Headers): R2HTTPMetadata {
  const expires = headers.get("expires");
  const expiresDate = expires === null ? undefined : new Date(expires);
  return {
    contentType: headers.get("content-type") ?? undefined,
    contentLanguage: headers.get("content-language") ?? undefined,
    contentDisposition: headers.get("content-disposition") ?? undefined,
    contentEncoding: headers.get("content-encoding") ?? undefined,
    cacheControl: headers.get("cache-control") ?? undefined,
    cacheExpiry: expiresDate && !Number.isNaN(expiresDate.getTime()) ? expiresDate : undefined,
  };
}

/** `x-amz-meta-<name>` headers → R2 custom metadata `{ <name>: value }`. */
export function customMetadataOf(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = value;
  }
  return metadata;
}

/** The headers S3 sends with an object (GET and HEAD). */
function objectHeaders(object: R2Object): Headers {
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  if (!headers.has("content-type")) headers.set("content-type", "binary/octet-stream");
  headers.set("etag", object.httpEtag);
  headers.set("last-modified", object.uploaded.toUTCString());
  headers.set("accept-ranges", "bytes");
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) headers.set(`x-amz-meta-${name}`, value);
  return headers;
}

/** The entity tags of an If-Match / If-None-Match header (`*` is its own entry). */
function etagList(header: string): string[] {
  return header.split(",").map((tag) => tag.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1"));
}

/**
 * RFC 9110 §13.2.2 preconditions for GET/HEAD, which S3 follows: a failed If-Match (or, without
 * If-Match, If-Unmodified-Since) is 412; a matching If-None-Match (or, without it, an
 * If-Modified-Since not older than the object) is 304.
 */
function checkPreconditions(headers: Headers, object: R2Object): "ok" | "not-modified" {
  const ifMatch = headers.get("if-match");
  const lastModifiedSeconds = Math.floor(object.uploaded.getTime() / 1000);
  if (ifMatch !== null) {
    const tags = etagList(ifMatch);
    if (!tags.includes("*") && !tags.includes(object.etag)) throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" });
  } else {
    const since = Date.parse(headers.get("if-unmodified-since") ?? "");
    if (!Number.isNaN(since) && lastModifiedSeconds > Math.floor(since / 1000)) {
      throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Unmodified-Since" });
    }
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const tags = etagList(ifNoneMatch);
    if (tags.includes("*") || tags.includes(object.etag)) return "not-modified";
  } else {
    const since = Date.parse(headers.get("if-modified-since") ?? "");
    if (!Number.isNaN(since) && lastModifiedSeconds <= Math.floor(since / 1000)) return "not-modified";
  }
  return "ok";
}

/** `response-content-type` and friends override the stored headers on GET (S3's GetObject parameters). */
const RESPONSE_OVERRIDES = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
} as const;

function noSuchKey(s3: S3Request): S3Error {
  return new S3Error("NoSuchKey", "The specified key does not exist.", { Key: s3.key, BucketName: s3.bucketName });
}

/**
 * GetObject and HeadObject: the object (or one byte range of it: 206 with Content-Range; 416 with
 * `Content-Range: bytes *\/<size>` when the range starts past the end), after the preconditions.
 */
export async function getObject(s3: S3Request, { headOnly }: { headOnly: boolean }): Promise<Response> {
  const head = await r2Call(() => s3.bucket.head(s3.key), { Key: s3.key.slice(0, 1024) });
  if (!head) throw noSuchKey(s3);
  const headers = objectHeaders(head);
  if (checkPreconditions(s3.request.headers, head) === "not-modified") {
    const notModified = new Headers({ etag: head.httpEtag, "last-modified": head.uploaded.toUTCString() });
    return new Response(null, { status: 304, headers: notModified });
  }
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = s3.url.searchParams.get(parameter);
    if (value !== null) headers.set(header, value);
  }
  const range = resolveRange(s3.request.headers.get("range"), head.size);
  if (range.kind === "unsatisfiable") {
    throw new S3Error("InvalidRange", "The requested range is not satisfiable", { RangeRequested: s3.request.headers.get("range") ?? "", ActualObjectSize: String(head.size) }, { "content-range": `bytes */${head.size}` });
  }
  const status = range.kind === "partial" ? 206 : 200;
  const length = range.kind === "partial" ? range.length : head.size;
  headers.set("content-length", String(length));
  if (range.kind === "partial") headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
  if (headOnly) return new Response(null, { status, headers });

  // The same version the preconditions were checked on: if the object changed in between, its
  // etag no longer matches and R2 returns no body.
  const object = await r2Call(() =>
    s3.bucket.get(s3.key, {
      onlyIf: { etagMatches: head.etag },
      ...(range.kind === "partial" ? { range: { offset: range.offset, length: range.length } } : {}),
    }),
  );
  if (!object) throw noSuchKey(s3);
  if (!("body" in object)) throw new S3Error("PreconditionFailed", "the object changed while it was being read; retry", { Key: s3.key });
  return new Response(object.body, { status, headers });
}

/** Content-MD5 (base64) as R2's `md5` option, which makes R2 refuse a body that does not match (BadDigest). */
function contentMd5(headers: Headers): ArrayBuffer | undefined {
  const header = headers.get("content-md5");
  if (header === null) return undefined;
  try {
    const bytes = Uint8Array.from(atob(header), (char) => char.charCodeAt(0));
    if (bytes.length === 16) return bytes.buffer;
  } catch {
    // not base64: answered below
  }
  throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
}

/** PutObject: the body (checked against its signed SHA-256) with its Content-* and x-amz-meta-* headers. */
export async function putObject(s3: S3Request): Promise<Response> {
  const md5 = contentMd5(s3.request.headers);
  const body = await readVerifiedBody(s3.request, s3.payloadHash);
  const object = await r2Call(
    () =>
      s3.bucket.put(s3.key, body, {
        httpMetadata: httpMetadataOf(s3.request.headers),
        customMetadata: customMetadataOf(s3.request.headers),
        ...(md5 ? { md5 } : {}),
      }),
    { Key: s3.key },
  );
  // put() returns null only when an onlyIf condition fails; none is passed.
  return new Response(null, { status: 200, headers: object ? { etag: object.httpEtag } : {} });
}

/**
 * CopyObject (`x-amz-copy-source: /<bucket>/<key>`, URL-encoded) between the three buckets,
 * metadata copied (the default `COPY` directive) or taken from this request (`REPLACE`).
 */
export async function copyObject(s3: S3Request): Promise<Response> {
  const source = s3.request.headers.get("x-amz-copy-source") ?? "";
  if (source.includes("?versionId=")) throw new S3Error("NotImplemented", "copying a version (versionId) is not implemented by this local endpoint");
  const decoded = decodePathText(source.replace(/^\//, ""));
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", { ArgumentName: "x-amz-copy-source", ArgumentValue: source.slice(0, 200) });
  }
  const sourceBucketName = decoded.slice(0, slash);
  const sourceKey = decoded.slice(slash + 1);
  const sourceBucket = s3.bucketByName(sourceBucketName);
  if (!sourceBucket) throw new S3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: sourceBucketName });
  assertKeyLength(sourceKey);
  const original = await r2Call(() => sourceBucket.get(sourceKey), { Key: sourceKey });
  if (!original) throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: sourceKey, BucketName: sourceBucketName });
  const replace = (s3.request.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase() === "REPLACE";
  const object = await r2Call(() =>
    s3.bucket.put(s3.key, original.body, {
      httpMetadata: replace ? httpMetadataOf(s3.request.headers) : original.httpMetadata,
      customMetadata: replace ? customMetadataOf(s3.request.headers) : original.customMetadata,
    }),
  );
  if (!object) throw new Error(`R2 put of ${s3.key} returned null without a condition`);
  return xmlResponse(s3Xml("CopyObjectResult", { LastModified: isoTime(object.uploaded), ETag: object.httpEtag }));
}

/** DeleteObject: 204 whether or not the key existed (as S3). */
export async function deleteObject(s3: S3Request): Promise<Response> {
  await r2Call(() => s3.bucket.delete(s3.key), { Key: s3.key.slice(0, 1024) });
  return new Response(null, { status: 204 });
}

/** DeleteObjects (`POST /<bucket>?delete`): up to 1000 keys in one `<Delete>` document. */
export async function deleteObjects(s3: S3Request): Promise<Response> {
  const body = await readVerifiedBody(s3.request, s3.payloadHash);
  const { keys, quiet } = parseDeleteObjects(new TextDecoder().decode(body));
  // One R2 call: it deletes up to 1000 keys, the most parseDeleteObjects lets through (as S3).
  for (const key of keys) assertKeyLength(key);
  await r2Call(() => s3.bucket.delete(keys));
  const deleted: XmlNode[] = quiet ? [] : keys.map((key) => ({ Key: key }));
  return xmlResponse(s3Xml("DeleteResult", { Deleted: deleted }));
}

/** HeadBucket: 200 for the three buckets (the caller already refused the others). */
export function headBucket(): Response {
  return new Response(null, { status: 200, headers: { "x-amz-bucket-region": "auto" } });
}
