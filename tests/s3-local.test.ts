/**
 * The local S3 endpoint on the real stack (tests/global-setup.ts): path-style S3 on the one
 * origin reaches analytics-s3-local through the router, a SigV4 signature made by the client
 * (aws4fetch) still verifies after wrangler dev's proxy and the router (Host kept), and what the
 * ingestion Worker flushed to R2 is what the endpoint lists and serves (one shared R2 state).
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { AwsClient } from "aws4fetch";
import { parquetMetadata } from "hyparquet";
import { describe, expect, inject, it } from "vitest";

const origin = inject("stackOrigin");
const s3 = new AwsClient({ accessKeyId: "local-dev-access-key", secretAccessKey: "local-dev-secret-key", service: "s3", region: "auto" });

function values(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((match) => match[1] ?? "");
}

/** A request with a chosen Host header (fetch cannot set Host), resolving with status and body. */
function getWithHost(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method: "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("the local S3 endpoint on the stack's origin", () => {
  it("GET /health reports it under tools, beside the four Workers", async () => {
    const body = (await (await fetch(`${origin}/health`)).json()) as { tools: Record<string, { status: string }> };
    expect(body.tools["analytics-s3-local"]?.status).toBe("ok");
  });

  it.each(["/analytics-source", "/analytics-processed/temp/x", "/analytics-catalog/metadata/tables.json"])("%s without a signature reaches it: 403 AccessDenied in S3's XML", async (path) => {
    const response = await fetch(`${origin}${path}`);
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("application/xml");
    expect(values(await response.text(), "Code")).toEqual(["AccessDenied"]);
  });

  it("a signed PUT, GET with a Range and HEAD round-trip through the router", async () => {
    const url = `${origin}/analytics-processed/temp/e2e-${randomUUID()}.txt`;
    const put = await s3.fetch(url, { method: "PUT", body: "0123456789", headers: { "content-type": "text/plain" } });
    expect(put.status, await put.clone().text()).toBe(200);
    const ranged = await s3.fetch(url, { headers: { range: "bytes=2-4" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe("bytes 2-4/10");
    expect(await ranged.text()).toBe("234");
    const head = await s3.fetch(url, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("10");
    expect(head.headers.get("etag")).toBe(put.headers.get("etag"));
  });

  it("lists and serves the Parquet files ingestion flushed into analytics-source", async () => {
    const event = {
      type: "page_view",
      event_id: randomUUID(),
      timestamp: new Date().toISOString(),
      session_id: `s3-e2e-${randomUUID()}`,
      page_url: "https://shop.example.com/s3",
    };
    const sent = await fetch(`${origin}/events`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "local-dev-key" }, body: JSON.stringify(event) });
    expect(sent.status).toBe(202);
    const flush = await fetch(`${origin}/admin/flush`, { method: "POST", headers: { "x-api-key": "local-admin-key" } });
    const { files } = (await flush.json()) as { files: Array<{ table: string; key: string; bytes: number; rows: number }> };
    const file = files.find((f) => f.table === "page_views");
    if (!file) throw new Error(`the flush wrote no page_views file: ${JSON.stringify(files)}`);

    const folder = file.key.slice(0, file.key.lastIndexOf("/") + 1);
    const listing = await s3.fetch(`${origin}/analytics-source?list-type=2&prefix=${encodeURIComponent(folder)}`);
    const xml = await listing.text();
    expect(listing.status, xml).toBe(200);
    expect(values(xml, "Key")).toContain(file.key);

    const object = await s3.fetch(`${origin}/analytics-source/${file.key.split("/").map(encodeURIComponent).join("/")}`);
    const bytes = await object.arrayBuffer();
    expect(bytes.byteLength).toBe(file.bytes);
    expect(Number(parquetMetadata(bytes).num_rows)).toBe(file.rows);
  });

  it("a signed request naming a non-loopback Host is refused (403 AccessDenied)", async () => {
    const port = new URL(origin).port;
    const signed = await s3.sign(`http://evil.example:${port}/analytics-source?list-type=2`);
    const headers = Object.fromEntries(signed.headers);
    const answer = await getWithHost(`${origin}/analytics-source?list-type=2`, { ...headers, host: `evil.example:${port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("<Code>AccessDenied</Code>");
    expect(answer.body).toContain("loopback Host");
  });
});
