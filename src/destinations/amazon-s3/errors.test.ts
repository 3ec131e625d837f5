import { describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../storage/object-store.js';
import { describeError, isRetriable } from './errors.js';

const storeError = (code: string, httpStatus?: number, bucketRegion?: string) =>
  new ObjectStoreError({ code, message: `PutObject failed: ${code}`, location: 's3://my-bucket/p/segment-logs/s/1/x.gz', ...(httpStatus ? { httpStatus } : {}), ...(bucketRegion ? { bucketRegion } : {}) });
const context = { bucket: 'my-bucket', prefix: 'p/', useServerSideEncryption: true, endpoint: undefined };

describe('amazon-s3 retry policy', () => {
  it.each([
    ['ECONNREFUSED', undefined, true], ['ECONNRESET', undefined, true], ['TimeoutError', undefined, true], ['ENOTFOUND', undefined, true],
    ['SlowDown', 503, true], ['ServiceUnavailable', 503, true], ['InternalError', 500, true], ['HTTP502', 502, true], ['Throttling', 400, true],
    ['RequestTimeTooSkewed', 403, true], ['ExpiredToken', 400, true], ['BadDigest', 400, true],
    ['AccessDenied', 403, false], ['NoSuchBucket', 404, false], ['InvalidAccessKeyId', 403, false], ['SignatureDoesNotMatch', 403, false],
    ['PermanentRedirect', 301, false], ['AuthorizationHeaderMalformed', 400, false], ['HTTP400', 400, false], ['HTTP404', 404, false],
  ] as const)('%s (HTTP %s) → retriable %s', (code, status, expected) => {
    expect(isRetriable(storeError(code, status))).toBe(expected);
  });

  it('retries a wrong-region answer that named the region (the store switched to it)', () => {
    expect(isRetriable(storeError('PermanentRedirect', 301, 'eu-west-1'))).toBe(true);
    expect(isRetriable(storeError('AuthorizationHeaderMalformed', 400, 'eu-west-1'))).toBe(true);
    expect(describeError(storeError('PermanentRedirect', 301, 'eu-west-1'), context)).toMatch(/region eu-west-1/);
  });

  it('retries what it cannot classify (the data waits in the log either way)', () => {
    expect(isRetriable(new Error('something odd'))).toBe(true);
  });

  it('tells the user what to fix', () => {
    expect(describeError(storeError('AccessDenied', 403), context)).toContain('arn:aws:s3:::my-bucket/p/segment-logs/*');
    expect(describeError(storeError('AccessDenied', 403), context)).toContain('kms:GenerateDataKey');
    expect(describeError(storeError('AccessDenied', 403), { ...context, useServerSideEncryption: false })).toContain('turn on useServerSideEncryption');
    expect(describeError(storeError('NoSuchBucket', 404), context)).toContain('"my-bucket" does not exist');
    expect(describeError(storeError('SlowDown', 503), context)).toContain('throttling');
    expect(describeError(storeError('ENOSPC'), context)).toContain('Free disk space');
    expect(describeError(storeError('PermanentRedirect', 301), context)).toContain('Set the region setting');
  });
});
