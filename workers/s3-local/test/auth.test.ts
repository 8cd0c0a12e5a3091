/**
 * Every refusal before an operation runs: no or wrong credentials, a signature that does not
 * cover what arrived (path, query, signed header, unsigned x-amz-* header), stale or expired
 * requests, and clients or hosts that are not loopback. Signed by aws4fetch (test/client.ts).
 */
import { SELF } from "cloudflare:test";
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { ACCESS_KEY_ID, ORIGIN, put, s3Error, SECRET_ACCESS_KEY, send, SIGNER, xmlValue } from "./client.ts";

const OBJECT = "/analytics-processed/temp/auth/object.txt";

async function seed(): Promise<void> {
  await put(OBJECT.slice(1), "secret lake data");
}

/** Sends a request exactly as given (no signing), from a loopback client. */
function raw(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", "127.0.0.1");
  return SELF.fetch(url, { ...init, headers });
}

/** aws4fetch's date format, `yyyymmddThhmmssZ`. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

describe("credentials", () => {
  it("a request without any signature: 403 AccessDenied", async () => {
    await seed();
    const error = await s3Error(await raw(`${ORIGIN}${OBJECT}`));
    expect(error).toMatchObject({ status: 403, code: "AccessDenied" });
  });

  it("an unknown access key id: 403 InvalidAccessKeyId", async () => {
    const other = new AwsClient({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET_ACCESS_KEY, service: "s3", region: "auto" });
    expect(await s3Error(await send(OBJECT, { signer: other }))).toMatchObject({ status: 403, code: "InvalidAccessKeyId" });
  });

  it("the right key id with the wrong secret: 403 SignatureDoesNotMatch, with the canonical request in the answer", async () => {
    const other = new AwsClient({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: "not-the-secret", service: "s3", region: "auto" });
    const error = await s3Error(await send(OBJECT, { signer: other }));
    expect(error).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(xmlValue(error.xml, "CanonicalRequest")).toContain(`GET\n${OBJECT}\n`);
    expect(xmlValue(error.xml, "StringToSign")).toMatch(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/auto\/s3\/aws4_request\n[0-9a-f]{64}$/);
  });

  it("any region signs (DuckDB's s3_region is free), since the region is part of what is signed", async () => {
    await seed();
    for (const region of ["us-east-1", "auto", "eu-west-3"]) {
      const signer = new AwsClient({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, service: "s3", region });
      expect((await send(OBJECT, { signer })).status, region).toBe(200);
    }
  });

  it("a signature that is not 64 hex digits: 403 SignatureDoesNotMatch", async () => {
    const response = await send(OBJECT, {
      tamper: (request) => {
        const headers = new Headers(request.headers);
        headers.set("authorization", (headers.get("authorization") ?? "").replace(/Signature=[0-9a-f]+/, "Signature=xyz"));
        return new Request(request, { headers });
      },
    });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("another algorithm (Signature Version 2): 400 AuthorizationHeaderMalformed", async () => {
    const response = await raw(`${ORIGIN}${OBJECT}`, { headers: { authorization: `AWS ${ACCESS_KEY_ID}:c2lnbmF0dXJl`, "x-amz-date": amzDate(new Date()) } });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "AuthorizationHeaderMalformed" });
  });

  it("header auth without x-amz-content-sha256: 400 InvalidRequest", async () => {
    // aws4fetch adds x-amz-content-sha256 for s3 only: sign as another service, then name s3 in the scope.
    const signed = await new AwsClient({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, service: "execute-api", region: "auto" }).sign(`${ORIGIN}${OBJECT}`);
    const headers = new Headers(signed.headers);
    headers.set("authorization", (headers.get("authorization") ?? "").replace("/execute-api/", "/s3/"));
    expect(await s3Error(await raw(signed.url, { headers }))).toMatchObject({ status: 400, code: "InvalidRequest" });
  });
});

describe("tampering: the signature covers method, path, query and signed headers", () => {
  /** Re-targets a signed request to another URL, keeping its headers (and so its signature). */
  function retarget(url: string): (request: Request) => Request {
    return (request) => new Request(url, { method: request.method, headers: request.headers });
  }

  it("another path: 403 SignatureDoesNotMatch", async () => {
    await seed();
    const response = await send(OBJECT, { tamper: retarget(`${ORIGIN}/analytics-processed/temp/auth/other.txt`) });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("another bucket: 403 SignatureDoesNotMatch", async () => {
    const response = await send(OBJECT, { tamper: retarget(`${ORIGIN}/analytics-source/temp/auth/object.txt`) });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("another query (a different listing prefix): 403 SignatureDoesNotMatch", async () => {
    const response = await send("/analytics-source?list-type=2&prefix=events%2F", { tamper: retarget(`${ORIGIN}/analytics-source?list-type=2&prefix=secrets%2F`) });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("another method: 403 SignatureDoesNotMatch", async () => {
    const response = await send(OBJECT, { tamper: (request) => new Request(request.url, { method: "DELETE", headers: request.headers }) });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("a signed header changed after signing: 403 SignatureDoesNotMatch", async () => {
    const response = await send(OBJECT, {
      method: "PUT",
      body: "x",
      headers: { "x-amz-meta-owner": "dbt" },
      tamper: (request) => {
        const headers = new Headers(request.headers);
        headers.set("x-amz-meta-owner", "mallory");
        return new Request(request, { headers });
      },
    });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("a signed Host changed after signing: 403 SignatureDoesNotMatch", async () => {
    const response = await send(OBJECT, { tamper: retarget(`http://127.0.0.2:8787${OBJECT}`) });
    expect(await s3Error(response)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("an x-amz-* header added without being signed: 403 AccessDenied (HeadersNotSigned)", async () => {
    const response = await send(OBJECT, {
      method: "PUT",
      body: "x",
      tamper: (request) => {
        const headers = new Headers(request.headers);
        headers.set("x-amz-copy-source", "/analytics-source/events/x.parquet");
        return new Request(request, { headers });
      },
    });
    const error = await s3Error(response);
    expect(error).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(xmlValue(error.xml, "HeadersNotSigned")).toBe("x-amz-copy-source");
  });

  it("unsigned headers outside x-amz-* (Range, User-Agent) may change, as in S3", async () => {
    await seed();
    const response = await send(OBJECT, { headers: { range: "bytes=0-5" } });
    expect(response.status).toBe(206);
    expect(await response.text()).toBe("secret");
  });
});

describe("time", () => {
  it("a request signed 20 minutes ago: 403 RequestTimeTooSkewed", async () => {
    const signed = await SIGNER.sign(`${ORIGIN}${OBJECT}`, { aws: { datetime: amzDate(new Date(Date.now() - 20 * 60_000)) } });
    expect(await s3Error(await raw(signed.url, { headers: signed.headers }))).toMatchObject({ status: 403, code: "RequestTimeTooSkewed" });
  });

  it("a request signed 10 minutes ago is still accepted (S3's 15-minute window)", async () => {
    await seed();
    const signed = await SIGNER.sign(`${ORIGIN}${OBJECT}`, { aws: { datetime: amzDate(new Date(Date.now() - 10 * 60_000)) } });
    expect((await raw(signed.url, { headers: signed.headers })).status).toBe(200);
  });
});

describe("presigned URLs (query auth)", () => {
  it("a presigned GET works without any header", async () => {
    await seed();
    const signed = await SIGNER.sign(`${ORIGIN}${OBJECT}?X-Amz-Expires=60`, { aws: { signQuery: true } });
    const response = await raw(signed.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("secret lake data");
  });

  it("an expired presigned URL: 403 AccessDenied (Request has expired)", async () => {
    const signed = await SIGNER.sign(`${ORIGIN}${OBJECT}?X-Amz-Expires=60`, { aws: { signQuery: true, datetime: amzDate(new Date(Date.now() - 5 * 60_000)) } });
    const error = await s3Error(await raw(signed.url));
    expect(error).toMatchObject({ status: 403, code: "AccessDenied", message: "Request has expired" });
  });

  it("a presigned URL for another key: 403 SignatureDoesNotMatch", async () => {
    const signed = new URL((await SIGNER.sign(`${ORIGIN}${OBJECT}?X-Amz-Expires=60`, { aws: { signQuery: true } })).url);
    signed.pathname = "/analytics-processed/temp/auth/other.txt";
    expect(await s3Error(await raw(signed.toString()))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("a presigned URL with its expiry lengthened: 403 SignatureDoesNotMatch", async () => {
    const signed = new URL((await SIGNER.sign(`${ORIGIN}${OBJECT}?X-Amz-Expires=60`, { aws: { signQuery: true } })).url);
    signed.searchParams.set("X-Amz-Expires", "604800");
    expect(await s3Error(await raw(signed.toString()))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("both an Authorization header and a presigned query: 400 InvalidArgument", async () => {
    const signed = await SIGNER.sign(`${ORIGIN}${OBJECT}?X-Amz-Expires=60`, { aws: { signQuery: true } });
    const response = await raw(signed.url, { headers: { authorization: "AWS4-HMAC-SHA256 Credential=x" } });
    expect(await s3Error(response)).toMatchObject({ status: 400, code: "InvalidArgument" });
  });
});

describe("loopback only", () => {
  it.each(["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])("a client at %s is served", async (clientIp) => {
    await seed();
    expect((await send(OBJECT, { clientIp })).status).toBe(200);
  });

  it.each(["192.0.2.2", "10.0.0.5", "fd00::2", "::ffff:192.0.2.2", "128.0.0.1"])("a client at %s: 403 AccessDenied", async (clientIp) => {
    const error = await s3Error(await send(OBJECT, { clientIp }));
    expect(error).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(error.message).toContain("loopback");
  });

  it("a request without a client address (CF-Connecting-IP): 403 AccessDenied", async () => {
    expect(await s3Error(await send(OBJECT, { clientIp: null }))).toMatchObject({ status: 403, code: "AccessDenied" });
  });

  it("a correctly signed request for a non-loopback Host (DNS rebinding): 403 AccessDenied", async () => {
    const signed = await SIGNER.sign(`http://evil.example:8787${OBJECT}`);
    const error = await s3Error(await raw(signed.url, { headers: signed.headers }));
    expect(error).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(error.message).toContain("Host");
  });

  it("localhost and [::1] are loopback hosts", async () => {
    await seed();
    for (const origin of ["http://localhost:8787", "http://[::1]:8787"]) {
      const signed = await SIGNER.sign(`${origin}${OBJECT}`);
      expect((await raw(signed.url, { headers: signed.headers })).status, origin).toBe(200);
    }
  });
});
