/**
 * Request bodies, checked against the `x-amz-content-sha256` the client signed: the signature
 * covers that header, not the bytes, so without this check a changed body would pass. S3 answers
 * XAmzContentSHA256Mismatch; so does this endpoint, before anything is written.
 *
 * Bodies are read whole: the largest a client sends here is one multipart part (DuckDB's are
 * 5 to ~85 MiB, workers/s3-local/README.md), which local workerd holds without trouble, and a
 * whole body is what lets the check come before the write (an overwritten object cannot be
 * restored after a mismatch found at the end of a stream).
 */
import { S3Error } from "./s3-error.ts";
import { sha256Hex, UNSIGNED_PAYLOAD } from "./sigv4.ts";

/** The request body (empty when there is none), once its SHA-256 equals the signed payload hash. */
export async function readVerifiedBody(request: Request, payloadHash: string): Promise<ArrayBuffer> {
  const bytes = await request.arrayBuffer();
  if (payloadHash === UNSIGNED_PAYLOAD) return bytes;
  const actual = await sha256Hex(bytes);
  if (actual !== payloadHash) {
    throw new S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: payloadHash,
      S3ComputedContentSHA256: actual,
    });
  }
  return bytes;
}
