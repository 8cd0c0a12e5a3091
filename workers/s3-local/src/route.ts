/**
 * Path-style S3 addressing (`/<bucket>` and `/<bucket>/<key>`) and which S3 operation a request
 * is, by method, key and sub-resource query parameters, as S3's REST API distinguishes them
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 */
import { S3Error } from "./s3-error.ts";
import { decodePathText } from "./sigv4.ts";

/** The operations this endpoint implements. */
export type Operation =
  | "HeadBucket"
  | "ListObjects"
  | "ListObjectsV2"
  | "DeleteObjects"
  | "GetObject"
  | "HeadObject"
  | "PutObject"
  | "CopyObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload";

/** A bucket and key from the path: `/b` and `/b/` address the bucket (key ""). */
export interface S3Path {
  bucket: string;
  key: string;
}

/** S3's longest object key, in bytes of its UTF-8 (R2's too: a longer name is R2 error 10020). */
export const MAX_KEY_BYTES = 1024;

/**
 * KeyTooLongError (400, as S3) for a key over {@link MAX_KEY_BYTES}: R2 refuses such a name with
 * an error the binding throws, which reached clients as a 500 InternalError (found by
 * tests/fuzz.test.ts with a signed GET of a 40,000-character key).
 */
export function assertKeyLength(key: string): void {
  const bytes = new TextEncoder().encode(key).byteLength;
  if (bytes > MAX_KEY_BYTES) throw new S3Error("KeyTooLongError", `Your key is too long: ${bytes} bytes; the limit is ${MAX_KEY_BYTES}`, { Size: String(bytes), MaxSizeAllowed: String(MAX_KEY_BYTES) });
}

/** Splits a URL pathname (still percent-encoded) into bucket and decoded key. */
export function parseS3Path(pathname: string): S3Path {
  const rest = pathname.replace(/^\//, "");
  const slash = rest.indexOf("/");
  const bucketText = slash === -1 ? rest : rest.slice(0, slash);
  const keyText = slash === -1 ? "" : rest.slice(slash + 1);
  return { bucket: decodePathText(bucketText), key: decodePathText(keyText) };
}

/**
 * Sub-resources S3 selects operations with (`?acl`, `?tagging`, ...). A request naming one this
 * endpoint does not implement is NotImplemented, never a silent GetObject/PutObject of the key.
 */
const SUBRESOURCES = [
  "accelerate",
  "acl",
  "analytics",
  "attributes",
  "cors",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "select-type",
  "tagging",
  "torrent",
  "versioning",
  "versions",
  "website",
  "uploads",
  "uploadId",
  "partNumber",
  "delete",
  "versionId",
] as const;

function unsupported(method: string, what: string): S3Error {
  return new S3Error("NotImplemented", `A header or query you provided implies functionality that is not implemented: ${method} ${what} (this local endpoint supports workers/s3-local/README.md's operations)`);
}

/** The sub-resource parameters a request names (an operation is chosen by the exact set). */
function subresourcesOf(searchParams: URLSearchParams): string[] {
  return SUBRESOURCES.filter((name) => searchParams.has(name));
}

/**
 * The operation a request asks for, or NotImplemented (501) for anything else: other methods,
 * bucket management (CreateBucket, ...), ListParts, ListMultipartUploads, UploadPartCopy,
 * ACLs, tagging, versions.
 */
export function operationOf(method: string, key: string, searchParams: URLSearchParams, headers: Headers): Operation {
  const sub = subresourcesOf(searchParams);
  const only = (...allowed: string[]) => sub.length === allowed.length && allowed.every((name) => sub.includes(name));
  const describe = `${key === "" ? "bucket" : "object"}${sub.length > 0 ? ` ?${sub.join("&")}` : ""}`;
  if (key === "") {
    if (method === "HEAD" && sub.length === 0) return "HeadBucket";
    if (method === "GET" && sub.length === 0) return searchParams.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
    if (method === "POST" && only("delete")) return "DeleteObjects";
    throw unsupported(method, describe);
  }
  const copySource = headers.has("x-amz-copy-source");
  switch (method) {
    case "GET":
      if (sub.length === 0) return "GetObject";
      break;
    case "HEAD":
      if (sub.length === 0) return "HeadObject";
      break;
    case "PUT":
      if (only("partNumber", "uploadId") && !copySource) return "UploadPart";
      if (sub.length === 0) return copySource ? "CopyObject" : "PutObject";
      break;
    case "POST":
      if (only("uploads")) return "CreateMultipartUpload";
      if (only("uploadId")) return "CompleteMultipartUpload";
      break;
    case "DELETE":
      if (only("uploadId")) return "AbortMultipartUpload";
      if (sub.length === 0) return "DeleteObject";
      break;
  }
  // No S3 operation uses this method on an object (a POST without ?uploads or ?uploadId, PATCH,
  // ...): S3's 405, a client's mistake, rather than 501, which says the server lacks a feature.
  if (sub.length === 0 && !copySource && !OBJECT_METHODS.has(method)) {
    throw new S3Error("MethodNotAllowed", `The specified method is not allowed against this resource: ${method} on an object`, { Method: method.slice(0, 20), ResourceType: "OBJECT" }, { allow: "GET, HEAD, PUT, DELETE" });
  }
  throw unsupported(method, `${describe}${copySource ? " with x-amz-copy-source" : ""}`);
}

/** Methods S3 has an object operation for without a sub-resource (OPTIONS: CORS preflight, not implemented here). */
const OBJECT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
