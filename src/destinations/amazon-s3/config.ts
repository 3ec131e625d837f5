/**
 * Settings of the `amazon-s3` destination, declared once (STYLE 5; DESIGN B3). The two settings of
 * Segment's own page (bucket, useServerSideEncryption) keep their meaning and defaults; the rest let
 * Sluice reach S3-compatible services and its own credentials. Everything else is rejected by name.
 */
import { boolean, optionalText, optionalUrl } from '../../config/setting-types.js';
import { batchingPolicyOf, batchingProblems, batchingSettings } from '../batching-settings.js';
import { customSetting, optional, parseSettings, required, settingsError, type SettingsOf, type SettingsResult } from '../settings-schema.js';
import { parseBucketSetting, type BucketLocation } from './keys.js';

// AWS's rules for bucket names (3–63 chars; lowercase letters, digits, dots, hyphens; starts and ends
// with a letter or digit). Path segments of the prefix: no empty ones, no "." or "..".
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const amazonS3Settings = {
  bucket: required(customSetting<string | undefined>({
    kind: 'string',
    doc: 'Your S3 bucket name, optionally followed by a path prefix: "my-bucket" or "my-bucket/path/prefix" (objects then go under path/prefix/segment-logs/…).',
    default: undefined,
    example: '"my-bucket/path/prefix"',
    parse(raw) {
      if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'must be a bucket name such as "my-bucket" or "my-bucket/path/prefix"' };
      const { bucket, prefix } = parseBucketSetting(raw);
      if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
        return { ok: false, reason: 'must start with a valid S3 bucket name (3–63 lowercase letters, digits, dots and hyphens)' };
      }
      if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) return { ok: false, reason: 'must not contain "." or ".." path segments' };
      return { ok: true, value: `${bucket}${prefix === '' ? '' : `/${prefix.slice(0, -1)}`}` };
    },
  })),
  useServerSideEncryption: optional(boolean({
    doc: 'Send x-amz-server-side-encryption: AES256 with every write (SSE-S3). Turn off to let the bucket\'s default encryption (e.g. SSE-KMS) apply; no SSE header is sent then.',
    default: true,
    example: 'false',
  })),
  region: optional(customSetting<string | undefined>({
    kind: 'string',
    doc: 'Region to try first. Optional: the bucket\'s region is learnt from S3\'s redirect on the first write.',
    default: undefined,
    example: '"eu-west-1"',
    parse: (raw) => (typeof raw === 'string' && /^[a-z0-9-]{2,40}$/.test(raw.trim()) ? { ok: true, value: raw.trim() } : { ok: false, reason: 'must be a region name such as "eu-west-1"' }),
  })),
  endpoint: optional(optionalUrl({
    doc: 'Endpoint of an S3-compatible service (MinIO, R2, …). Default: AWS.',
    default: undefined,
    example: '"https://minio.example.com:9000"',
  })),
  forcePathStyle: optional(boolean({
    doc: 'Address the bucket in the path (https://host/bucket/key) instead of the host name; most S3-compatible services need it.',
    default: false,
    example: 'true',
  })),
  accessKeyId: optional(optionalText({
    doc: 'Access key of an identity allowed s3:PutObject on <bucket>/segment-logs/*. Default: the standard AWS credential chain (environment, profile, SSO, instance role).',
    default: undefined,
    example: '"AKIAIOSFODNN7EXAMPLE"',
  })),
  secretAccessKey: optional(optionalText({
    doc: 'Secret key of accessKeyId.',
    default: undefined,
    example: '"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    secret: true,
  })),
  ...batchingSettings,
};

export type AmazonS3Settings = SettingsOf<typeof amazonS3Settings>;

/** Settings the API must never show back (it masks them). */
export const amazonS3SecretSettings = ['secretAccessKey'] as const;

export function validateAmazonS3Settings(raw: unknown): SettingsResult<AmazonS3Settings> {
  const result = parseSettings(amazonS3Settings, raw);
  const extra = typeof raw === 'object' && raw !== null ? batchingProblems(raw as Record<string, unknown>) : [];
  if (result.ok) {
    const { accessKeyId, secretAccessKey } = result.settings;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      extra.push({ setting: accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey', message: 'set both "accessKeyId" and "secretAccessKey", or neither (to use the AWS credential chain)' });
    }
  }
  const problems = [...(result.ok ? [] : result.problems), ...extra];
  return problems.length === 0 && result.ok ? result : { ok: false, problems };
}

export function parseAmazonS3Settings(raw: unknown): AmazonS3Settings {
  const result = validateAmazonS3Settings(raw);
  if (!result.ok) throw settingsError('amazon-s3', result.problems);
  return result.settings;
}

export function bucketLocationOf(settings: AmazonS3Settings): BucketLocation {
  return parseBucketSetting(settings.bucket);
}

export const amazonS3BatchingOf = batchingPolicyOf;
