/**
 * Retry policy as data (STYLE 4) and status messages for the amazon-s3 destination.
 *
 * `isRetriable` is false only for errors a change of settings or of the bucket's policy must fix
 * (the runtime keeps the data in the log either way); everything transient — network, timeouts,
 * 5xx, throttling, a region just learnt from a redirect — is retried. `describeError` says what to
 * fix, with the user's own bucket name and prefix in the policy it quotes.
 */
import { ObjectStoreError } from '../../storage/object-store.js';

/** S3 error codes that only a settings or policy change can fix. */
const PERMANENT_CODES = new Set([
  'AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket',
  'InvalidBucketName', 'AuthorizationHeaderMalformed', 'PermanentRedirect', 'InvalidRequest', 'InvalidArgument',
  'InvalidObjectState', 'KMS.DisabledException', 'KMS.NotFoundException', 'KMS.KMSInvalidStateException',
  'CredentialsProviderError', 'InvalidToken', 'NotImplemented', 'MethodNotAllowed',
]);

/** S3 and system codes that are transient whatever their HTTP status. */
const TRANSIENT_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequests', 'RequestThrottled',
  'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'RequestTimeTooSkewed', 'ExpiredToken', 'TokenRefreshRequired',
  'BadDigest', 'IncompleteBody', 'TimeoutError', 'RequestTimeoutException',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY',
]);

export interface S3ErrorContext {
  readonly bucket: string;
  readonly prefix: string;
  readonly useServerSideEncryption: boolean;
  readonly endpoint: string | undefined;
}

export function codeOf(error: unknown): string | undefined {
  if (error instanceof ObjectStoreError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

export function isRetriable(error: unknown): boolean {
  const code = codeOf(error);
  if (error instanceof ObjectStoreError && (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed')) {
    // The store switched to the region S3 named; the next attempt goes there.
    return error.bucketRegion !== undefined;
  }
  if (code !== undefined && PERMANENT_CODES.has(code)) return false;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  const status = error instanceof ObjectStoreError ? error.httpStatus : undefined;
  if (status === undefined) return true;
  return status >= 500 || status === 429 || status === 408;
}

/** The seed's bucket policy, for this bucket and prefix (the principal is the user's own identity). */
export function requiredBucketPolicy(context: Pick<S3ErrorContext, 'bucket' | 'prefix'>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AllowSluiceWrites',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::<ACCOUNT_ID>:user/<SLUICE_USER>' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${context.bucket}/${context.prefix}segment-logs/*`,
    }],
  });
}

export function describeError(error: unknown, context: S3ErrorContext): string {
  const code = codeOf(error) ?? 'unknown error';
  const where = error instanceof ObjectStoreError ? error.location : `s3://${context.bucket}/${context.prefix}segment-logs/`;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'AccessDenied':
    case 'AllAccessDisabled': {
      const encryption = context.useServerSideEncryption
        ? 'If the bucket\'s default encryption is SSE-KMS, the identity also needs kms:GenerateDataKey on that key (or turn off useServerSideEncryption so the bucket default applies).'
        : 'useServerSideEncryption is off, so writes carry no x-amz-server-side-encryption header: a bucket policy that enforces encryption (the "DenyUnEncryptedObjectUploads" statement) denies them — turn on useServerSideEncryption, or remove that statement.';
      return `S3 denied the write to ${where} (${code}). Sluice needs only s3:PutObject on arn:aws:s3:::${context.bucket}/${context.prefix}segment-logs/*: grant it to the identity of these credentials, e.g. with this bucket policy: ${requiredBucketPolicy(context)}. ${encryption}`;
    }
    case 'NoSuchBucket':
      return `The bucket "${context.bucket}" does not exist${context.endpoint ? ` at ${context.endpoint}` : ''}. Check the bucket setting: the bucket name is everything before the first "/" ("${context.bucket}${context.prefix ? `/${context.prefix.slice(0, -1)}` : ''}").`;
    case 'InvalidBucketName':
      return `"${context.bucket}" is not a valid bucket name for this service. Check the bucket setting.`;
    case 'InvalidAccessKeyId':
      return 'S3 does not know this access key (InvalidAccessKeyId). Check accessKeyId, or, without it, the identity the AWS credential chain picked up.';
    case 'SignatureDoesNotMatch':
      return 'S3 rejected the request signature (SignatureDoesNotMatch): secretAccessKey does not match accessKeyId. Re-enter secretAccessKey.';
    case 'CredentialsProviderError':
      return `No AWS credentials were found (${detail}). Set accessKeyId and secretAccessKey, or give Sluice's host an identity (environment, profile, instance role).`;
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed': {
      const region = error instanceof ObjectStoreError ? error.bucketRegion : undefined;
      return region
        ? `The bucket is in region ${region}; Sluice now writes there (retrying). Set region to "${region}" to skip the redirect.`
        : `S3 says the bucket is in another region but did not say which (${code}). Set the region setting to the bucket's region${context.endpoint ? ', and check endpoint' : ''}.`;
    }
    case 'KMS.DisabledException':
    case 'KMS.NotFoundException':
    case 'KMS.KMSInvalidStateException':
      return `The bucket's KMS key cannot be used (${code}): enable the key, or change the bucket's default encryption. ${detail}`;
    case 'SlowDown':
    case 'Throttling':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
    case 'TooManyRequests':
      return `S3 is throttling writes (${code}); retrying with backoff. Nothing to fix unless it persists.`;
  }
  if (error instanceof ObjectStoreError && error.httpStatus !== undefined && error.httpStatus >= 500) {
    return `S3 failed to store ${where} (HTTP ${error.httpStatus} ${code}); retrying with backoff. ${detail}`;
  }
  if (TRANSIENT_CODES.has(code) && code.startsWith('E')) {
    return code === 'ENOSPC'
      ? `No space left for the spool files of the upload (${detail}); retrying. Free disk space in Sluice's data directory.`
      : `Cannot reach S3 at ${context.endpoint ?? 'AWS'} (${code}); retrying with backoff. Check the network${context.endpoint ? ' and the endpoint setting' : ''}. ${detail}`;
  }
  return `Writing ${where} failed (${code}): ${detail}`;
}
