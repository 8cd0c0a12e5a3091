/**
 * The pure modules: SigV4 against AWS's published examples, ranges, loopback addresses, the
 * request classifier and the XML reader. They run in workerd with the rest (crypto.subtle as there).
 */
import { describe, expect, it } from "vitest";
import { isLoopbackAddress, isLoopbackHost } from "../src/loopback.ts";
import { resolveRange } from "../src/range.ts";
import { operationOf, parseS3Path } from "../src/route.ts";
import { S3Error } from "../src/s3-error.ts";
import { escapeXml, parseCompleteMultipartUpload, parseDeleteObjects, s3Xml } from "../src/s3-xml.ts";
import { canonicalQuery, canonicalUri, EMPTY_PAYLOAD_SHA256, verifySigV4 } from "../src/sigv4.ts";

/**
 * AWS's worked examples for S3 SigV4 header auth ("Examples of signature calculations",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html): the example
 * credentials, 2013-05-24, bucket `examplebucket`, and the signatures AWS prints.
 */
const AWS_EXAMPLE = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const AWS_EXAMPLE_NOW = Date.UTC(2013, 4, 24, 0, 1);

function awsExampleRequest(pathAndQuery: string, signedHeaders: string, signature: string, extra: Record<string, string> = {}): Request {
  return new Request(`https://examplebucket.s3.amazonaws.com${pathAndQuery}`, {
    headers: {
      ...extra,
      "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256,
      "x-amz-date": "20130524T000000Z",
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`,
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<S3Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error("expected an S3Error");
}

describe("verifySigV4 against AWS's published examples", () => {
  it.each([
    ["GET Object with Range", "/test.txt", "host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", { range: "bytes=0-9" }],
    ["GET Bucket Lifecycle", "/?lifecycle", "host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543", {}],
    ["GET Bucket (List Objects)", "/?max-keys=2&prefix=J", "host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", {}],
  ])("%s verifies", async (_name, path, signedHeaders, signature, extra) => {
    const verified = await verifySigV4(awsExampleRequest(path, signedHeaders, signature, extra), AWS_EXAMPLE, AWS_EXAMPLE_NOW);
    expect(verified).toEqual({ mode: "header", accessKeyId: "AKIAIOSFODNN7EXAMPLE", region: "us-east-1", payloadHash: EMPTY_PAYLOAD_SHA256 });
  });

  it("one changed digit of AWS's signature does not", async () => {
    const request = awsExampleRequest("/test.txt", "host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb42", { range: "bytes=0-9" });
    expect((await refusal(verifySigV4(request, AWS_EXAMPLE, AWS_EXAMPLE_NOW))).code).toBe("SignatureDoesNotMatch");
  });

  it("a Credential date other than the request's date is malformed", async () => {
    const request = new Request("https://examplebucket.s3.amazonaws.com/test.txt", {
      headers: {
        "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256,
        "x-amz-date": "20130524T000000Z",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130523/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=00",
      },
    });
    expect((await refusal(verifySigV4(request, AWS_EXAMPLE, AWS_EXAMPLE_NOW))).code).toBe("AuthorizationHeaderMalformed");
  });
});

describe("canonical forms", () => {
  it("encodes the path once, whatever escapes the client chose", () => {
    expect(canonicalUri("/b/year=2026/a b")).toBe("/b/year%3D2026/a%20b");
    expect(canonicalUri("/b/year%3D2026/a%20b")).toBe("/b/year%3D2026/a%20b");
    expect(canonicalUri("/b/test$file.text")).toBe("/b/test%24file.text");
    expect(canonicalUri("/b/c++/%2B")).toBe("/b/c%2B%2B/%2B");
    expect(canonicalUri("/b/ü*(x)")).toBe("/b/%C3%BC%2A%28x%29");
  });

  it("sorts the query by name then value and gives valueless parameters an empty value", () => {
    expect(canonicalQuery(new URLSearchParams("uploads"))).toBe("uploads=");
    expect(canonicalQuery(new URLSearchParams("prefix=J&max-keys=2"))).toBe("max-keys=2&prefix=J");
    expect(canonicalQuery(new URLSearchParams("list-type=2&prefix=temp%2F&encoding-type=url"))).toBe("encoding-type=url&list-type=2&prefix=temp%2F");
    expect(canonicalQuery(new URLSearchParams("a=2&a=1&X-Amz-Signature=s"), new Set(["X-Amz-Signature"]))).toBe("a=1&a=2");
  });
});

describe("resolveRange", () => {
  it.each([
    [null, 10, { kind: "full" }],
    ["bytes=0-0", 10, { kind: "partial", offset: 0, length: 1 }],
    ["bytes=2-", 10, { kind: "partial", offset: 2, length: 8 }],
    ["bytes=-3", 10, { kind: "partial", offset: 7, length: 3 }],
    ["bytes=5-999", 10, { kind: "partial", offset: 5, length: 5 }],
    ["bytes=10-", 10, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=-0", 10, { kind: "unsatisfiable" }],
    ["bytes=3-2", 10, { kind: "full" }],
    ["bytes=0-1,3-4", 10, { kind: "full" }],
    ["lines=0-1", 10, { kind: "full" }],
  ] as const)("%s of %i bytes → %j", (header, size, expected) => {
    expect(resolveRange(header, size)).toEqual(expected);
  });
});

describe("loopback", () => {
  it.each(["127.0.0.1", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1"])("%s is loopback", (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each(["", "127.0.0.256", "128.0.0.1", "10.0.0.1", "192.0.2.2", "::", "::2", "fd00::1", "::ffff:192.0.2.2", "1::1", "localhost", "127.0.0.1.example"])("%s is not", (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });

  it.each([
    ["127.0.0.1:8787", true],
    ["localhost:8787", true],
    ["s3.localhost", true],
    ["[::1]:8787", true],
    ["LOCALHOST", true],
    ["evil.example", false],
    ["127.0.0.1.nip.io:8787", false],
    ["[fd00::2]:8787", false],
    ["localhost.evil.example", false],
  ] as const)("Host %s → %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe("request classification", () => {
  const op = (method: string, key: string, query = "", headers: Record<string, string> = {}) => operationOf(method, key, new URLSearchParams(query), new Headers(headers));

  it("names the S3 operation by method, key and sub-resource", () => {
    expect(op("GET", "", "list-type=2&prefix=x")).toBe("ListObjectsV2");
    expect(op("GET", "", "prefix=x")).toBe("ListObjects");
    expect(op("HEAD", "")).toBe("HeadBucket");
    expect(op("POST", "", "delete")).toBe("DeleteObjects");
    expect(op("GET", "k")).toBe("GetObject");
    expect(op("GET", "k", "response-content-type=text/plain&x-id=GetObject")).toBe("GetObject");
    expect(op("HEAD", "k")).toBe("HeadObject");
    expect(op("PUT", "k")).toBe("PutObject");
    expect(op("PUT", "k", "", { "x-amz-copy-source": "/b/k" })).toBe("CopyObject");
    expect(op("DELETE", "k")).toBe("DeleteObject");
    expect(op("POST", "k", "uploads")).toBe("CreateMultipartUpload");
    expect(op("PUT", "k", "partNumber=1&uploadId=u")).toBe("UploadPart");
    expect(op("POST", "k", "uploadId=u")).toBe("CompleteMultipartUpload");
    expect(op("DELETE", "k", "uploadId=u")).toBe("AbortMultipartUpload");
  });

  it.each([
    ["PUT", "k", "partNumber=1&uploadId=u", { "x-amz-copy-source": "/b/k" }],
    ["GET", "k", "uploadId=u", {}],
    ["GET", "", "uploads", {}],
    ["GET", "", "versions", {}],
    ["PUT", "", "", {}],
    ["OPTIONS", "k", "", {}],
  ])("%s %s?%s is NotImplemented", (method, key, query, headers) => {
    expect(() => op(method, key, query, headers)).toThrowError(expect.objectContaining({ code: "NotImplemented", status: 501 }));
  });

  it.each(["POST", "PATCH", "TRACE"])("%s on an object without a sub-resource is MethodNotAllowed (405, a client's mistake)", (method) => {
    expect(() => op(method, "k")).toThrowError(expect.objectContaining({ code: "MethodNotAllowed", status: 405 }));
  });

  it("splits path-style paths into bucket and decoded key", () => {
    expect(parseS3Path("/analytics-source")).toEqual({ bucket: "analytics-source", key: "" });
    expect(parseS3Path("/analytics-source/")).toEqual({ bucket: "analytics-source", key: "" });
    expect(parseS3Path("/analytics-source/events/year%3D2026/a%20b.parquet")).toEqual({ bucket: "analytics-source", key: "events/year=2026/a b.parquet" });
    expect(() => parseS3Path("/analytics-source/%zz")).toThrowError(expect.objectContaining({ code: "InvalidURI" }));
  });
});

describe("S3 XML", () => {
  it("escapes keys and writes arrays as repeated elements", () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;");
    expect(s3Xml("R", { A: "1", B: [{ C: "x" }, { C: "y" }], D: undefined })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1</A><B><C>x</C></B><B><C>y</C></B></R>',
    );
  });

  it("reads CompleteMultipartUpload parts (quoted ETags, entities, whitespace)", () => {
    const xml = `<?xml version="1.0"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag></Part>
      <Part><ETag>"def"</ETag><PartNumber> 2 </PartNumber></Part>
    </CompleteMultipartUpload>`;
    expect(parseCompleteMultipartUpload(xml)).toEqual([
      { partNumber: 1, etag: "abc" },
      { partNumber: 2, etag: "def" },
    ]);
  });

  it("refuses malformed completion documents", () => {
    expect(() => parseCompleteMultipartUpload("<Other/>")).toThrowError(expect.objectContaining({ code: "MalformedXML" }));
    expect(() => parseCompleteMultipartUpload("<CompleteMultipartUpload></CompleteMultipartUpload>")).toThrowError(expect.objectContaining({ code: "MalformedXML" }));
    expect(() => parseCompleteMultipartUpload("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>")).toThrowError(expect.objectContaining({ code: "MalformedXML" }));
  });

  it("reads Delete keys with entities, and Quiet", () => {
    expect(parseDeleteObjects("<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c&#x2F;d</Key><VersionId>v</VersionId></Object></Delete>")).toEqual({
      keys: ["a&b", "c/d"],
      quiet: true,
    });
  });
});
