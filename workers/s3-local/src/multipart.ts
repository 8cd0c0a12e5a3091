/**
 * Multipart uploads over R2's own (createMultipartUpload / resumeMultipartUpload): S3's upload id
 * is R2's, and a part's ETag is R2's part etag, quoted as S3 quotes it.
 *
 * R2's rules hold here, locally too (miniflare enforces them at completion): every part but the
 * last is at least 5 MiB and all of them have the same size, the last no larger (EntityTooSmall /
 * InvalidPart otherwise). DuckDB's httpfs obeys both (its parts are one fixed size of at least
 * 5 MiB, README.md), so parts are passed through rather than re-buffered.
 */
import { readVerifiedBody } from "./body.ts";
import { customMetadataOf, httpMetadataOf, type S3Request, xmlResponse } from "./operations.ts";
import { r2Call, r2ErrorCode } from "./r2-errors.ts";
import { S3Error } from "./s3-error.ts";
import { parseCompleteMultipartUpload, s3Xml } from "./s3-xml.ts";

/** S3's (and R2's) part numbers. */
export const MAX_PART_NUMBER = 10_000;

function uploadIdOf(s3: S3Request): string {
  const uploadId = s3.url.searchParams.get("uploadId") ?? "";
  if (uploadId === "") throw new S3Error("InvalidArgument", "the uploadId parameter is empty", { ArgumentName: "uploadId" });
  return uploadId;
}

function noSuchUpload(s3: S3Request, uploadId: string): S3Error {
  return new S3Error("NoSuchUpload", "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", { UploadId: uploadId, Key: s3.key });
}

/** CreateMultipartUpload (`POST ?uploads`): the object's metadata is given here, as in S3. */
export async function createMultipartUpload(s3: S3Request): Promise<Response> {
  const upload = await r2Call(() =>
    s3.bucket.createMultipartUpload(s3.key, { httpMetadata: httpMetadataOf(s3.request.headers), customMetadata: customMetadataOf(s3.request.headers) }),
  );
  return xmlResponse(s3Xml("InitiateMultipartUploadResult", { Bucket: s3.bucketName, Key: s3.key, UploadId: upload.uploadId }));
}

/** UploadPart (`PUT ?partNumber=N&uploadId=U`): the part's ETag in the `ETag` header. */
export async function uploadPart(s3: S3Request): Promise<Response> {
  const uploadId = uploadIdOf(s3);
  const partText = s3.url.searchParams.get("partNumber") ?? "";
  const partNumber = Number(partText);
  if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new S3Error("InvalidArgument", `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: "partNumber", ArgumentValue: partText.slice(0, 20) });
  }
  const body = await readVerifiedBody(s3.request, s3.payloadHash);
  const part = await r2Call(() => s3.bucket.resumeMultipartUpload(s3.key, uploadId).uploadPart(partNumber, body), { UploadId: uploadId, Key: s3.key });
  return new Response(null, { status: 200, headers: { etag: `"${part.etag}"` } });
}

/** CompleteMultipartUpload (`POST ?uploadId=U` with the parts' numbers and ETags). */
export async function completeMultipartUpload(s3: S3Request): Promise<Response> {
  const uploadId = uploadIdOf(s3);
  const body = await readVerifiedBody(s3.request, s3.payloadHash);
  const parts = parseCompleteMultipartUpload(new TextDecoder().decode(body));
  const upload = s3.bucket.resumeMultipartUpload(s3.key, uploadId);
  let object: R2Object;
  try {
    object = await r2Call(() => upload.complete(parts.map(({ partNumber, etag }) => ({ partNumber, etag }))), { UploadId: uploadId, Key: s3.key });
  } catch (error) {
    // Local R2 answers an upload id it never issued with InternalError (10001) at completion.
    if (r2ErrorCode(error) === 10001) throw noSuchUpload(s3, uploadId);
    throw error;
  }
  const location = new URL(`/${s3.bucketName}/${s3.key.split("/").map(encodeURIComponent).join("/")}`, s3.url).toString();
  return xmlResponse(s3Xml("CompleteMultipartUploadResult", { Location: location, Bucket: s3.bucketName, Key: s3.key, ETag: object.httpEtag }));
}

/** AbortMultipartUpload (`DELETE ?uploadId=U`): 204. */
export async function abortMultipartUpload(s3: S3Request): Promise<Response> {
  const uploadId = uploadIdOf(s3);
  try {
    await r2Call(() => s3.bucket.resumeMultipartUpload(s3.key, uploadId).abort(), { UploadId: uploadId, Key: s3.key });
  } catch (error) {
    if (r2ErrorCode(error) === 10001) throw noSuchUpload(s3, uploadId);
    throw error;
  }
  return new Response(null, { status: 204 });
}
