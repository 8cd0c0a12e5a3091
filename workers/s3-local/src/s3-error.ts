/**
 * S3's error codes this endpoint answers, with their HTTP status, as in
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html. Clients (DuckDB's httpfs,
 * boto3, aws4fetch) branch on the code and status, so both must be the ones AWS uses.
 */
export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

/**
 * A refusal in S3's terms, thrown anywhere below the edge and turned into S3's XML error body by
 * the app's one `onError` (src/index.ts). `details` become extra XML elements (`Key`,
 * `BucketName`, `CanonicalRequest`, ...), as AWS adds them, so a client's log says what was at fault.
 */
export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
    /** Extra response headers, e.g. `Content-Range: bytes *\/size` on a 416. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "S3Error";
    this.status = S3_ERROR_STATUS[code];
  }
}
