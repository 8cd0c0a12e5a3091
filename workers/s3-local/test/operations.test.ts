/**
 * Each S3 operation the endpoint serves, through the Worker's fetch with aws4fetch-signed
 * requests, against the real local R2 buckets of workers/s3-local/wrangler.jsonc.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { put, s3Error, send, sha256Hex, xmlValue, xmlValues } from "./client.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz";
const MiB = 1024 * 1024;

describe("PutObject, GetObject, HeadObject", () => {
  it("stores the body with its metadata and returns it with ETag, Last-Modified and Content-Length", async () => {
    const putResponse = await put("analytics-processed/temp/ops/hello.txt", "hello, lake", { "content-type": "text/plain", "x-amz-meta-owner": "dbt" });
    const etag = putResponse.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const stored = await env.PROCESSED_BUCKET.get("temp/ops/hello.txt");
    expect(await stored?.text()).toBe("hello, lake");
    expect(stored?.httpMetadata?.contentType).toBe("text/plain");
    expect(stored?.customMetadata).toEqual({ owner: "dbt" });

    const get = await send("/analytics-processed/temp/ops/hello.txt");
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello, lake");
    expect(get.headers.get("etag")).toBe(etag);
    expect(get.headers.get("content-type")).toBe("text/plain");
    expect(get.headers.get("content-length")).toBe("11");
    expect(get.headers.get("x-amz-meta-owner")).toBe("dbt");
    expect(get.headers.get("accept-ranges")).toBe("bytes");
    expect(Date.parse(get.headers.get("last-modified") ?? "")).toBeGreaterThan(Date.now() - 60_000);

    const head = await send("/analytics-processed/temp/ops/hello.txt", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("11");
    expect(head.headers.get("etag")).toBe(etag);
    expect(head.headers.get("last-modified")).toBe(get.headers.get("last-modified"));
    expect(await head.text()).toBe("");
  });

  it("reads what a Worker wrote into the bucket, and keys with spaces, '=' and unicode", async () => {
    const key = "events/page_views/year=2026/month=11/day=25/hour=10/a b+ü.parquet";
    await env.SOURCE_BUCKET.put(key, "PAR1...PAR1", { httpMetadata: { contentType: "text/plain" } });
    const path = `/analytics-source/${key.split("/").map(encodeURIComponent).join("/")}`;
    const response = await send(path);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("PAR1...PAR1");
  });

  it("accepts UNSIGNED-PAYLOAD bodies (the signature then covers no bytes)", async () => {
    const response = await send("/analytics-processed/temp/ops/unsigned.txt", { method: "PUT", body: "no hash", hashBody: false });
    expect(response.status).toBe(200);
    expect(await (await env.PROCESSED_BUCKET.get("temp/ops/unsigned.txt"))?.text()).toBe("no hash");
  });

  it("GET and HEAD of a missing key: 404 NoSuchKey (XML for GET, no body for HEAD)", async () => {
    const get = await s3Error(await send("/analytics-processed/temp/ops/missing"));
    expect(get).toMatchObject({ status: 404, code: "NoSuchKey" });
    expect(xmlValue(get.xml, "Key")).toBe("temp/ops/missing");
    const head = await send("/analytics-processed/temp/ops/missing", { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(head.headers.get("x-amz-error-code")).toBe("NoSuchKey");
    expect(await head.text()).toBe("");
  });

  it("If-None-Match with the current ETag is 304; If-Match with another is 412", async () => {
    const etag = (await put("analytics-processed/temp/ops/conditional.txt", "v1")).headers.get("etag") ?? "";
    const notModified = await send("/analytics-processed/temp/ops/conditional.txt", { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(etag);
    expect((await send("/analytics-processed/temp/ops/conditional.txt", { headers: { "if-match": etag } })).status).toBe(200);
    const failed = await s3Error(await send("/analytics-processed/temp/ops/conditional.txt", { headers: { "if-match": '"0123"' } }));
    expect(failed).toMatchObject({ status: 412, code: "PreconditionFailed" });
  });

  it("rejects a body that is not the one whose SHA-256 was signed (XAmzContentSHA256Mismatch) and writes nothing", async () => {
    const response = await send("/analytics-processed/temp/ops/mismatch.txt", {
      method: "PUT",
      body: "the real body",
      headers: { "x-amz-content-sha256": await sha256Hex("another body") },
    });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "XAmzContentSHA256Mismatch" });
    expect(await env.PROCESSED_BUCKET.head("temp/ops/mismatch.txt")).toBeNull();
  });

  it("Content-MD5 that does not match the body: 400 BadDigest", async () => {
    const response = await send("/analytics-processed/temp/ops/md5.txt", { method: "PUT", body: "abc", headers: { "content-md5": btoa("0123456789abcdef") } });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "BadDigest" });
  });
});

describe("GetObject with Range", () => {
  const path = "/analytics-processed/temp/ranges/alphabet.txt";

  it.each([
    ["bytes=0-9", "abcdefghij", "bytes 0-9/26"],
    ["bytes=20-", "uvwxyz", "bytes 20-25/26"],
    ["bytes=-5", "vwxyz", "bytes 21-25/26"],
    ["bytes=24-100", "yz", "bytes 24-25/26"],
    ["bytes=-100", ALPHABET, "bytes 0-25/26"],
  ])("%s → 206 %s", async (range, body, contentRange) => {
    await put(path.slice(1), ALPHABET);
    const response = await send(path, { headers: { range } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(contentRange);
    expect(response.headers.get("content-length")).toBe(String(body.length));
    expect(await response.text()).toBe(body);
  });

  it("a HEAD with a Range answers the range's length and Content-Range without a body", async () => {
    await put(path.slice(1), ALPHABET);
    const response = await send(path, { method: "HEAD", headers: { range: "bytes=0-3" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-length")).toBe("4");
    expect(response.headers.get("content-range")).toBe("bytes 0-3/26");
  });

  it.each(["bytes=26-", "bytes=100-200", "bytes=-0"])("%s is unsatisfiable: 416 InvalidRange with Content-Range bytes */26", async (range) => {
    await put(path.slice(1), ALPHABET);
    const response = await send(path, { headers: { range } });
    expect(response.headers.get("content-range")).toBe("bytes */26");
    expect(await s3Error(response)).toMatchObject({ status: 416, code: "InvalidRange" });
  });

  it.each(["bytes=0-1,4-5", "items=0-1", "bytes=5-2"])("%s is ignored as S3 does: 200 with the whole object", async (range) => {
    await put(path.slice(1), ALPHABET);
    const response = await send(path, { headers: { range } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ALPHABET);
  });
});

describe("ListObjectsV2 and ListObjects", () => {
  const keys = ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c/1.txt", "list/d.txt"];

  async function seed(): Promise<void> {
    for (const key of keys) await env.SOURCE_BUCKET.put(key, key);
  }

  async function list(query: string): Promise<string> {
    const response = await send(`/analytics-source?${query}`);
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/xml");
    return xml;
  }

  it("lists keys under a prefix with sizes and ETags", async () => {
    await seed();
    const xml = await list("list-type=2&prefix=list%2F");
    expect(xmlValues(xml, "Key")).toEqual(keys);
    expect(xmlValues(xml, "Size")).toEqual(keys.map((key) => String(key.length)));
    expect(xmlValues(xml, "ETag").every((etag) => /^"[0-9a-f]{32}"$/.test(etag.replace(/&quot;/g, '"')))).toBe(true);
    expect(xmlValue(xml, "KeyCount")).toBe("5");
    expect(xmlValue(xml, "IsTruncated")).toBe("false");
    expect(xmlValue(xml, "Name")).toBe("analytics-source");
  });

  it("rolls keys up into CommonPrefixes with a delimiter", async () => {
    await seed();
    const xml = await list("list-type=2&prefix=list%2F&delimiter=%2F");
    expect(xmlValues(xml, "Key")).toEqual(["list/a.txt", "list/d.txt"]);
    expect(xmlValues(xml, "Prefix").slice(1)).toEqual(["list/b/", "list/c/"]);
    expect(xmlValue(xml, "KeyCount")).toBe("4");
    expect(xmlValue(xml, "Delimiter")).toBe("/");
  });

  it("pages with max-keys and continuation tokens until IsTruncated is false", async () => {
    await seed();
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const xml = await list(`list-type=2&prefix=list%2F&max-keys=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`);
      seen.push(...xmlValues(xml, "Key"));
      expect(Number(xmlValue(xml, "KeyCount"))).toBeLessThanOrEqual(2);
      if (xmlValue(xml, "IsTruncated") === "false") break;
      token = xmlValue(xml, "NextContinuationToken");
      expect(token).toBeTruthy();
    }
    expect(seen).toEqual(keys);
  });

  it("pages through keys and common prefixes together, each exactly once", async () => {
    await seed();
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const xml = await list(`list-type=2&prefix=list%2F&delimiter=%2F&max-keys=1${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`);
      seen.push(...xmlValues(xml, "Key"), ...xmlValues(xml, "Prefix").slice(1));
      if (xmlValue(xml, "IsTruncated") === "false") break;
      token = xmlValue(xml, "NextContinuationToken");
    }
    expect(seen.sort()).toEqual(["list/a.txt", "list/b/", "list/c/", "list/d.txt"]);
  });

  it("starts after start-after, and answers max-keys=0 with an empty page", async () => {
    await seed();
    expect(xmlValues(await list("list-type=2&prefix=list%2F&start-after=list%2Fb%2F2.txt"), "Key")).toEqual(["list/c/1.txt", "list/d.txt"]);
    const empty = await list("list-type=2&prefix=list%2F&max-keys=0");
    expect(xmlValues(empty, "Key")).toEqual([]);
    expect(xmlValue(empty, "KeyCount")).toBe("0");
  });

  it("URL-encodes keys with encoding-type=url (DuckDB asks for it)", async () => {
    await env.SOURCE_BUCKET.put("enc/year=2026/a b&c.parquet", "x");
    const xml = await list("encoding-type=url&list-type=2&prefix=enc%2F");
    expect(xmlValues(xml, "Key")).toEqual(["enc/year%3D2026/a+b%26c.parquet"]);
    expect(xmlValue(xml, "EncodingType")).toBe("url");
  });

  it("ListObjects v1 pages with marker/NextMarker, skipping a common prefix used as the marker", async () => {
    await seed();
    const seen: string[] = [];
    let marker = "";
    for (let page = 0; page < 10; page += 1) {
      const xml = await list(`prefix=list%2F&delimiter=%2F&max-keys=1${marker ? `&marker=${encodeURIComponent(marker)}` : ""}`);
      seen.push(...xmlValues(xml, "Key"), ...xmlValues(xml, "Prefix").slice(1));
      if (xmlValue(xml, "IsTruncated") === "false") break;
      marker = xmlValue(xml, "NextMarker") ?? "";
      expect(marker).not.toBe("");
    }
    expect(seen).toEqual(["list/a.txt", "list/b/", "list/c/", "list/d.txt"]);
  });

  it("refuses a max-keys that is not a number (InvalidArgument)", async () => {
    expect(await s3Error(await send("/analytics-source?list-type=2&max-keys=many"))).toMatchObject({ status: 400, code: "InvalidArgument" });
  });

  it("HeadBucket answers 200 for the three buckets", async () => {
    for (const bucket of ["analytics-source", "analytics-processed", "analytics-catalog"]) {
      expect((await send(`/${bucket}`, { method: "HEAD" })).status).toBe(200);
    }
  });
});

describe("DeleteObject, DeleteObjects, CopyObject", () => {
  it("DeleteObject answers 204, whether or not the key existed", async () => {
    await put("analytics-processed/temp/del/one", "1");
    expect((await send("/analytics-processed/temp/del/one", { method: "DELETE" })).status).toBe(204);
    expect(await env.PROCESSED_BUCKET.head("temp/del/one")).toBeNull();
    expect((await send("/analytics-processed/temp/del/one", { method: "DELETE" })).status).toBe(204);
  });

  it("DeleteObjects (POST ?delete) deletes every key named and reports each, or none when Quiet", async () => {
    for (const name of ["a", "b", "c"]) await put(`analytics-processed/temp/del/${name}`, name);
    const body = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>temp/del/a</Key></Object><Object><Key>temp/del/b</Key></Object></Delete>`;
    const response = await send("/analytics-processed?delete", { method: "POST", body });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xmlValues(xml, "Key")).toEqual(["temp/del/a", "temp/del/b"]);
    expect((await env.PROCESSED_BUCKET.list({ prefix: "temp/del/" })).objects.map((object) => object.key)).toEqual(["temp/del/c"]);

    const quiet = await send("/analytics-processed?delete", { method: "POST", body: "<Delete><Quiet>true</Quiet><Object><Key>temp/del/c</Key></Object></Delete>" });
    expect(xmlValues(await quiet.text(), "Key")).toEqual([]);
    expect(await env.PROCESSED_BUCKET.head("temp/del/c")).toBeNull();
  });

  it("DeleteObjects with a body that is not a <Delete> document: 400 MalformedXML", async () => {
    const response = await send("/analytics-processed?delete", { method: "POST", body: "<Nope/>" });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "MalformedXML" });
  });

  it("CopyObject copies between buckets with the source's metadata", async () => {
    await env.SOURCE_BUCKET.put("copy/src.txt", "copied", { httpMetadata: { contentType: "text/csv" } });
    const response = await send("/analytics-processed/temp/copy/dst.txt", { method: "PUT", headers: { "x-amz-copy-source": "/analytics-source/copy/src.txt" } });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xmlValue(xml, "ETag")).toBeTruthy();
    const copy = await env.PROCESSED_BUCKET.get("temp/copy/dst.txt");
    expect(await copy?.text()).toBe("copied");
    expect(copy?.httpMetadata?.contentType).toBe("text/csv");
  });
});

describe("multipart uploads", () => {
  /** A part of `size` bytes filled with `fill` (R2 requires >= 5 MiB for every part but the last). */
  function part(size: number, fill: number): Uint8Array {
    return new Uint8Array(size).fill(fill);
  }

  async function create(key: string): Promise<string> {
    const response = await send(`/analytics-processed/${key}?uploads`, { method: "POST", headers: { "content-type": "application/vnd.apache.parquet" } });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xmlValue(xml, "Key")).toBe(key);
    expect(xmlValue(xml, "Bucket")).toBe("analytics-processed");
    const uploadId = xmlValue(xml, "UploadId");
    if (!uploadId) throw new Error(`no UploadId in ${xml}`);
    return uploadId;
  }

  async function upload(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const response = await send(`/analytics-processed/${key}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`, { method: "PUT", body });
    expect(response.status, await response.clone().text()).toBe(200);
    const etag = response.headers.get("etag");
    if (!etag) throw new Error("UploadPart answered no ETag");
    return etag;
  }

  function completion(parts: Array<[number, string]>): string {
    return `<CompleteMultipartUpload>${parts.map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag.replace(/"/g, "&quot;")}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  }

  it("create, two parts, complete: the object is the parts in order, with the initiate request's metadata", async () => {
    const key = "temp/multipart/big.parquet";
    const uploadId = await create(key);
    const first = await upload(key, uploadId, 1, part(5 * MiB, 1));
    const second = await upload(key, uploadId, 2, part(1234, 2));
    const response = await send(`/analytics-processed/${key}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", body: completion([[1, first], [2, second]]) });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xmlValue(xml, "Key")).toBe(key);
    expect(xmlValue(xml, "ETag")).toMatch(/-2&quot;$/);

    const object = await env.PROCESSED_BUCKET.get(key);
    const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
    expect(bytes.length).toBe(5 * MiB + 1234);
    expect([bytes[0], bytes[5 * MiB - 1], bytes[5 * MiB], bytes.at(-1)]).toEqual([1, 1, 2, 2]);
    expect(object?.httpMetadata?.contentType).toBe("application/vnd.apache.parquet");

    // A range across the part boundary reads both parts.
    const range = await send(`/analytics-processed/${key}`, { headers: { range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` } });
    expect(range.status).toBe(206);
    expect([...new Uint8Array(await range.arrayBuffer())]).toEqual([1, 1, 2, 2]);
  });

  it("parts smaller than 5 MiB (but the last) are refused at completion: 400 EntityTooSmall", async () => {
    const key = "temp/multipart/small-parts";
    const uploadId = await create(key);
    const first = await upload(key, uploadId, 1, part(1024, 1));
    const second = await upload(key, uploadId, 2, part(1024, 2));
    const response = await send(`/analytics-processed/${key}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", body: completion([[1, first], [2, second]]) });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "EntityTooSmall" });
  });

  it("parts out of order: 400 InvalidPartOrder; an ETag that was not uploaded: 400 InvalidPart", async () => {
    const key = "temp/multipart/order";
    const uploadId = await create(key);
    const first = await upload(key, uploadId, 1, part(10, 1));
    const query = `?uploadId=${encodeURIComponent(uploadId)}`;
    const outOfOrder = await send(`/analytics-processed/${key}${query}`, { method: "POST", body: completion([[2, first], [1, first]]) });
    expect(await s3Error(outOfOrder)).toMatchObject({ status: 400, code: "InvalidPartOrder" });
    const unknownPart = await send(`/analytics-processed/${key}${query}`, { method: "POST", body: completion([[1, '"not-an-etag"']]) });
    expect(await s3Error(unknownPart)).toMatchObject({ status: 400, code: "InvalidPart" });
  });

  it("abort answers 204, and the upload is gone afterwards (NoSuchUpload)", async () => {
    const key = "temp/multipart/aborted";
    const uploadId = await create(key);
    const first = await upload(key, uploadId, 1, part(10, 1));
    const query = `?uploadId=${encodeURIComponent(uploadId)}`;
    expect((await send(`/analytics-processed/${key}${query}`, { method: "DELETE" })).status).toBe(204);
    const late = await send(`/analytics-processed/${key}${query}`, { method: "POST", body: completion([[1, first]]) });
    expect(await s3Error(late)).toMatchObject({ status: 404, code: "NoSuchUpload" });
    expect(await env.PROCESSED_BUCKET.head(key)).toBeNull();
  });

  it("an upload id that was never issued: 404 NoSuchUpload", async () => {
    const response = await send("/analytics-processed/temp/multipart/none?uploadId=bogus-upload-id", { method: "POST", body: completion([[1, '"x"']]) });
    expect(await s3Error(response)).toMatchObject({ status: 404, code: "NoSuchUpload" });
  });

  it.each(["0", "10001", "x"])("partNumber=%s: 400 InvalidArgument", async (partNumber) => {
    const response = await send(`/analytics-processed/temp/multipart/x?partNumber=${partNumber}&uploadId=u`, { method: "PUT", body: "x" });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "InvalidArgument" });
  });
});

describe("what the endpoint does not serve", () => {
  it("a bucket other than the three: 404 NoSuchBucket", async () => {
    const error = await s3Error(await send("/analytics-secrets/x"));
    expect(error).toMatchObject({ status: 404, code: "NoSuchBucket" });
    expect(xmlValue(error.xml, "BucketName")).toBe("analytics-secrets");
  });

  it.each([
    ["GET", "/analytics-source/x?acl"],
    ["GET", "/analytics-source?uploads"],
    ["GET", "/analytics-source/x?uploadId=u"],
    ["PUT", "/analytics-source"],
    ["DELETE", "/analytics-source"],
    ["PUT", "/analytics-source/x?tagging"],
    ["GET", "/analytics-source/x?partNumber=1"],
  ])("%s %s: 501 NotImplemented", async (method, path) => {
    const response = await send(path, { method, ...(method === "PUT" || method === "POST" || method === "PATCH" ? { body: "" } : {}) });
    expect(await s3Error(response)).toMatchObject({ status: 501, code: "NotImplemented" });
  });

  // Found by tests/fuzz.test.ts: a method no S3 operation uses on an object was a 501, a 5xx for a client's mistake.
  it.each([
    ["POST", "/analytics-source/x"],
    ["PATCH", "/analytics-source/x"],
  ])("%s %s: 405 MethodNotAllowed", async (method, path) => {
    const response = await send(path, { method, body: "" });
    expect(response.headers.get("allow")).toBe("GET, HEAD, PUT, DELETE");
    expect(await s3Error(response)).toMatchObject({ status: 405, code: "MethodNotAllowed" });
  });

  // Found by tests/fuzz.test.ts: R2 refuses a name over 1024 bytes with an error that reached the client as a 500.
  it.each([
    ["GET", 1025],
    ["GET", 40_000],
    ["PUT", 1025],
    ["DELETE", 2000],
  ])("%s of a key of %i bytes: 400 KeyTooLongError", async (method, length) => {
    const response = await send(`/analytics-processed/${"k".repeat(length)}`, { method, ...(method === "PUT" ? { body: "x" } : {}) });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "KeyTooLongError" });
  });

  it("a key of exactly 1024 bytes is still served (404 NoSuchKey, not too long)", async () => {
    expect(await s3Error(await send(`/analytics-processed/${"é".repeat(512)}`))).toMatchObject({ status: 404, code: "NoSuchKey" });
  });

  it("aws-chunked uploads (STREAMING-* payloads): 501 NotImplemented", async () => {
    const response = await send("/analytics-processed/temp/chunked", { method: "PUT", body: "x", headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" } });
    expect(await s3Error(response)).toMatchObject({ status: 501, code: "NotImplemented" });
  });

  it("GET /health answers without credentials (the router's health check)", async () => {
    const { SELF } = await import("cloudflare:test");
    const response = await SELF.fetch("http://127.0.0.1:8787/health");
    expect(await response.json()).toEqual({ worker: "analytics-s3-local", status: "ok" });
  });
});
