/**
 * ListObjectsV2 (`GET /<bucket>?list-type=2`) and ListObjects v1 (`GET /<bucket>`) over R2's list:
 * prefix, delimiter (CommonPrefixes), max-keys, pagination, and `encoding-type=url`.
 */
import { type S3Request, xmlResponse } from "./operations.ts";
import { r2Call } from "./r2-errors.ts";
import { S3Error } from "./s3-error.ts";
import { s3Xml, type XmlNode } from "./s3-xml.ts";
import { uriEncode } from "./sigv4.ts";

/** S3's default and largest page; R2's list has the same maximum. */
export const MAX_KEYS = 1000;

/** The largest code point: `marker + LAST_CODE_POINT` sorts after every key that starts with `marker`. */
const LAST_CODE_POINT = "\u{10FFFF}";

function maxKeysOf(searchParams: URLSearchParams): number {
  const text = searchParams.get("max-keys");
  if (text === null) return MAX_KEYS;
  if (!/^\d+$/.test(text)) throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range", { ArgumentName: "max-keys", ArgumentValue: text.slice(0, 20) });
  // S3 caps larger values at 1000 rather than refusing them.
  return Math.min(Number(text), MAX_KEYS);
}

/**
 * With `encoding-type=url`, S3 URL-encodes keys and prefixes in the answer (so keys with control
 * characters survive XML); space as `+`, the way botocore's `unquote_plus` reads it back.
 */
function encoderOf(searchParams: URLSearchParams): { encode: (text: string) => string; encodingType?: "url" } {
  const type = searchParams.get("encoding-type");
  if (type === null) return { encode: (text) => text };
  if (type !== "url") throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", { ArgumentName: "encoding-type", ArgumentValue: type.slice(0, 20) });
  return { encode: (text) => uriEncode(text, true).replace(/%20/g, "+"), encodingType: "url" };
}

function contents(objects: R2Object[], encode: (text: string) => string): XmlNode[] {
  return objects.map((object) => ({
    Key: encode(object.key),
    LastModified: object.uploaded.toISOString(),
    ETag: object.httpEtag,
    Size: object.size,
    StorageClass: "STANDARD",
  }));
}

function commonPrefixes(prefixes: string[], encode: (text: string) => string): XmlNode[] {
  return prefixes.map((prefix) => ({ Prefix: encode(prefix) }));
}

/** Parameters both list versions share. */
function listParameters(s3: S3Request) {
  const { searchParams } = s3.url;
  const prefix = searchParams.get("prefix") ?? "";
  const delimiter = searchParams.get("delimiter") ?? "";
  return { prefix, delimiter, maxKeys: maxKeysOf(searchParams), ...encoderOf(searchParams) };
}

async function r2List(bucket: R2Bucket, options: R2ListOptions & { limit: number }): Promise<R2Objects> {
  // max-keys=0 is a valid S3 request (an empty page); R2 needs a limit of at least 1.
  if (options.limit === 0) return { objects: [], delimitedPrefixes: [], truncated: false };
  return r2Call(() => bucket.list(options));
}

/**
 * ListObjectsV2. The continuation token is R2's list cursor, passed through: opaque to the
 * client, as S3's is.
 */
export async function listObjectsV2(s3: S3Request): Promise<Response> {
  const { prefix, delimiter, maxKeys, encode, encodingType } = listParameters(s3);
  const continuationToken = s3.url.searchParams.get("continuation-token") ?? undefined;
  if (continuationToken === "") throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
  const startAfter = s3.url.searchParams.get("start-after") ?? undefined;
  const listed = await r2List(s3.bucket, {
    limit: maxKeys,
    ...(prefix ? { prefix } : {}),
    ...(delimiter ? { delimiter } : {}),
    // S3 ignores start-after once a continuation token says where to go on.
    ...(continuationToken ? { cursor: continuationToken } : startAfter ? { startAfter } : {}),
  });
  const prefixes = listed.delimitedPrefixes;
  return xmlResponse(
    s3Xml("ListBucketResult", {
      Name: s3.bucketName,
      Prefix: encode(prefix),
      Delimiter: delimiter ? encode(delimiter) : undefined,
      MaxKeys: maxKeys,
      EncodingType: encodingType,
      KeyCount: listed.objects.length + prefixes.length,
      IsTruncated: listed.truncated,
      ContinuationToken: continuationToken,
      NextContinuationToken: listed.truncated ? listed.cursor : undefined,
      StartAfter: startAfter === undefined ? undefined : encode(startAfter),
      Contents: contents(listed.objects, encode),
      CommonPrefixes: commonPrefixes(prefixes, encode),
    }),
  );
}

/**
 * ListObjects (v1): pages by `marker`, a key; `NextMarker` is the last key or common prefix of
 * the page. A marker that is a common prefix (ends with the delimiter) must skip every key under
 * it, or the next page would roll the same prefix up again; R2 lists after a key, so the marker
 * is extended past every key that starts with it.
 */
export async function listObjectsV1(s3: S3Request): Promise<Response> {
  const { prefix, delimiter, maxKeys, encode, encodingType } = listParameters(s3);
  const marker = s3.url.searchParams.get("marker") ?? "";
  const startAfter = marker && delimiter && marker.endsWith(delimiter) ? `${marker}${LAST_CODE_POINT}` : marker;
  const listed = await r2List(s3.bucket, {
    limit: maxKeys,
    ...(prefix ? { prefix } : {}),
    ...(delimiter ? { delimiter } : {}),
    ...(startAfter ? { startAfter } : {}),
  });
  const prefixes = listed.delimitedPrefixes;
  // The page's last entry in key order, object or common prefix.
  const last = [...listed.objects.map((object) => object.key), ...prefixes].sort().at(-1);
  return xmlResponse(
    s3Xml("ListBucketResult", {
      Name: s3.bucketName,
      Prefix: encode(prefix),
      Marker: encode(marker),
      NextMarker: listed.truncated && last !== undefined ? encode(last) : undefined,
      MaxKeys: maxKeys,
      Delimiter: delimiter ? encode(delimiter) : undefined,
      EncodingType: encodingType,
      IsTruncated: listed.truncated,
      Contents: contents(listed.objects, encode),
      CommonPrefixes: commonPrefixes(prefixes, encode),
    }),
  );
}
