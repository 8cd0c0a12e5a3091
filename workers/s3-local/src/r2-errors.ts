/**
 * R2 binding errors → S3 errors. The binding throws plain `Error`s whose message ends with R2's
 * numeric code, e.g. `uploadPart: The specified multipart upload does not exist. (10024)`
 * (https://developers.cloudflare.com/r2/api/error-codes/); local R2 (miniflare) throws the same.
 */
import { S3Error, type S3ErrorCode } from "./s3-error.ts";

const CODE_BY_R2_CODE: Readonly<Record<number, S3ErrorCode>> = {
  10007: "NoSuchKey",
  10011: "EntityTooSmall",
  10012: "MetadataTooLarge",
  10020: "KeyTooLongError",
  10024: "NoSuchUpload",
  10025: "InvalidPart",
  10029: "InvalidArgument",
  10031: "PreconditionFailed",
  10037: "BadDigest",
  10039: "InvalidRange",
  // "There was a problem with the multipart upload": R2's rule that every part but the last has
  // the same size (and the last is not larger). S3 has no such rule, hence no better code.
  10048: "InvalidPart",
  100100: "EntityTooLarge",
};

/** R2's numeric error code at the end of a binding error's message, if any. */
export function r2ErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /\((\d{5,6})\)\s*$/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/**
 * Runs an R2 call; a known R2 error becomes the S3Error a client understands (with R2's own
 * message, which says more than S3's), anything else propagates (an InternalError at the edge).
 */
export async function r2Call<T>(call: () => Promise<T>, details: Readonly<Record<string, string>> = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = r2ErrorCode(error);
    const s3Code = code === undefined ? undefined : CODE_BY_R2_CODE[code];
    if (s3Code && error instanceof Error) throw new S3Error(s3Code, error.message.replace(/^\w+: /, ""), details);
    throw error;
  }
}
