/**
 * analytics-s3-local: an S3-compatible endpoint over the local stack's R2 buckets, so DuckDB's
 * httpfs (and dbt-duckdb) read and write what the Workers wrote with the same `s3://` URLs as in
 * production, where R2's own S3 API answers. Local development only (README.md beside this file):
 * loopback clients, AWS Signature V4 with the local credentials, path-style addressing.
 */
import { Hono } from "hono";
import { assertLoopback } from "./loopback.ts";
import { listObjectsV1, listObjectsV2 } from "./listing.ts";
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, uploadPart } from "./multipart.ts";
import { copyObject, deleteObject, deleteObjects, getObject, headBucket, putObject, type S3Request, xmlResponse } from "./operations.ts";
import { assertKeyLength, type Operation, operationOf, parseS3Path } from "./route.ts";
import { S3Error } from "./s3-error.ts";
import { errorXml } from "./s3-xml.ts";
import { verifySigV4 } from "./sigv4.ts";

const WORKER_NAME = "analytics-s3-local";

/** The buckets this endpoint serves, by S3 bucket name (the R2 `bucket_name` of each binding). */
export const BUCKET_BINDINGS = {
  "analytics-source": "SOURCE_BUCKET",
  "analytics-processed": "PROCESSED_BUCKET",
  "analytics-catalog": "CATALOG_BUCKET",
} as const satisfies Record<string, keyof Env>;

type BucketName = keyof typeof BUCKET_BINDINGS;

function isBucketName(name: string): name is BucketName {
  return Object.hasOwn(BUCKET_BINDINGS, name);
}

function bucketFor(env: Env, name: string): R2Bucket | undefined {
  return isBucketName(name) ? env[BUCKET_BINDINGS[name]] : undefined;
}

type AppEnv = { Bindings: Env; Variables: { requestId: string } };

const OPERATIONS: Record<Operation, (s3: S3Request) => Promise<Response> | Response> = {
  HeadBucket: () => headBucket(),
  ListObjects: listObjectsV1,
  ListObjectsV2: listObjectsV2,
  DeleteObjects: deleteObjects,
  GetObject: (s3) => getObject(s3, { headOnly: false }),
  HeadObject: (s3) => getObject(s3, { headOnly: true }),
  PutObject: putObject,
  CopyObject: copyObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
};

/** S3's `x-amz-request-id`: echoed in error documents so a client's log and ours can be matched. */
function newRequestId(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
}

/** The S3 error answer: XML with the code and reason; HEAD gets the status and headers only (as S3). */
function errorResponse(error: S3Error, request: Request, requestId: string): Response {
  const { pathname } = new URL(request.url);
  const headers = { "x-amz-request-id": requestId, "x-amz-error-code": error.code, ...error.headers };
  if (request.method === "HEAD") return new Response(null, { status: error.status, headers });
  return xmlResponse(errorXml(error.code, error.message, { ...error.details, Resource: pathname }, requestId), error.status, headers);
}

/** The endpoint: `/health`, then loopback and SigV4 checks, then one S3 operation per request. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Unauthenticated like every Worker's: the router's GET /health calls it through the binding
  // (no client address there), and it reveals nothing. No bucket is named "health".
  app.get("/health", (c) => c.json({ worker: WORKER_NAME, status: "ok" }));

  app.use("*", async function requestIds(c, next) {
    c.set("requestId", newRequestId());
    await next();
    c.res.headers.set("x-amz-request-id", c.get("requestId"));
  });

  app.all("*", async function s3Operation(c) {
    const request = c.req.raw;
    assertLoopback(request);
    const verified = await verifySigV4(request, { accessKeyId: c.env.LOCAL_S3_ACCESS_KEY_ID, secretAccessKey: c.env.LOCAL_S3_SECRET_ACCESS_KEY });
    const url = new URL(request.url);
    const { bucket: bucketName, key } = parseS3Path(url.pathname);
    const bucket = bucketFor(c.env, bucketName);
    if (!bucket) {
      throw new S3Error("NoSuchBucket", `The specified bucket does not exist; this local endpoint serves ${Object.keys(BUCKET_BINDINGS).join(", ")}`, { BucketName: bucketName.slice(0, 100) });
    }
    assertKeyLength(key);
    const operation = operationOf(request.method, key, url.searchParams, request.headers);
    return OPERATIONS[operation]({
      request,
      url,
      bucketName,
      bucket,
      key,
      payloadHash: verified.payloadHash,
      bucketByName: (name) => bucketFor(c.env, name),
    });
  });

  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? newRequestId();
    if (error instanceof S3Error) return errorResponse(error, c.req.raw, requestId);
    // Anything else is this Worker's fault, not the client's: S3's InternalError, and the cause in the log.
    console.error(JSON.stringify({ level: "error", worker: WORKER_NAME, requestId, method: c.req.method, path: c.req.path, message: error instanceof Error ? error.message : String(error) }));
    return errorResponse(new S3Error("InternalError", "We encountered an internal error. Please try again."), c.req.raw, requestId);
  });

  return app;
}

const app = createApp();

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
