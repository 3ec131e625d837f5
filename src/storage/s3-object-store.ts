/**
 * An ObjectStore over the S3 API (AWS SDK v3): AWS S3 and S3-compatible services (MinIO, R2, …).
 *
 * It sends exactly one request kind, PutObject, so it works under a bucket policy that grants only
 * `s3:PutObject` (DESIGN B3). Never multipart: UploadPart requests cannot carry
 * `x-amz-server-side-encryption`, so a policy denying writes without it denies every part, and a
 * failed multipart upload needs `s3:AbortMultipartUpload` to clean up. One PutObject takes up to 5 GB,
 * far above a batch. Never GetBucketLocation/HeadBucket either: the bucket's region is learnt from the
 * `x-amz-bucket-region` header S3 puts on its 301 PermanentRedirect (or 400 AuthorizationHeaderMalformed)
 * answer, then remembered for every later write.
 *
 * TRAP avoided: by default SDK v3 sends a stream body `aws-chunked` with a trailing checksum, which
 * S3-compatible servers that do not implement it store verbatim (corrupt objects). We set
 * `requestChecksumCalculation: "WHEN_REQUIRED"` and always give a known ContentLength; integrity comes
 * from Content-MD5 when the caller supplies it.
 */
import { createReadStream } from 'node:fs';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { ObjectStoreError, type ObjectStore, type PutObjectInput, type PutObjectResult } from './object-store.js';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Region to try first; the bucket's real one is learnt from S3's redirect. Default: AWS_REGION, else us-east-1. */
  readonly region?: string;
  /** For S3-compatible services, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  /** Static keys; when absent the standard AWS credential chain (env, profile, SSO, IMDS, …) applies. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** `AES256` puts `x-amz-server-side-encryption: AES256` on every write; undefined sends no SSE header. */
  readonly serverSideEncryption?: 'AES256';
  readonly connectionTimeoutMs?: number;
  /** A request fails with TimeoutError after this long without a byte either way (not a cap on upload time). */
  readonly idleTimeoutMs?: number;
}

const REDIRECT_ERROR_NAMES = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

export class S3ObjectStore implements ObjectStore {
  readonly #options: S3ObjectStoreOptions;
  readonly #clients = new Map<string, S3Client>();
  #region: string;

  constructor(options: S3ObjectStoreOptions) {
    this.#options = options;
    this.#region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  }

  /** The region writes currently go to (the configured one until S3 redirects). */
  get region(): string {
    return this.#region;
  }

  async putObject(input: PutObjectInput): Promise<PutObjectResult> {
    const location = `s3://${this.#options.bucket}/${input.key}`;
    try {
      await this.#send(input);
    } catch (error) {
      const learnt = redirectRegion(error);
      // A file body can be re-read, so follow the redirect at once; a stream was consumed, so the
      // caller's retry will go to the learnt region instead.
      if (learnt === undefined || learnt === this.#region) throw toStoreError(error, location);
      this.#region = learnt;
      if (!('file' in input.body)) throw toStoreError(error, location);
      try {
        await this.#send(input);
      } catch (retryError) {
        throw toStoreError(retryError, location);
      }
    }
    return { location, bytes: input.contentLength };
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }

  async #send(input: PutObjectInput): Promise<void> {
    const body = 'file' in input.body ? createReadStream(input.body.file) : input.body.stream;
    const command: PutObjectCommandInput = {
      Bucket: this.#options.bucket,
      Key: input.key,
      Body: body,
      ContentLength: input.contentLength,
      ContentType: input.contentType,
      ...(input.contentEncoding === undefined ? {} : { ContentEncoding: input.contentEncoding }),
      ...(input.contentMd5 === undefined ? {} : { ContentMD5: input.contentMd5 }),
      ...(this.#options.serverSideEncryption === undefined ? {} : { ServerSideEncryption: this.#options.serverSideEncryption }),
    };
    try {
      await this.#client(this.#region).send(new PutObjectCommand(command), input.signal ? { abortSignal: input.signal } : {});
    } finally {
      body.destroy();
    }
  }

  #client(region: string): S3Client {
    let client = this.#clients.get(region);
    if (!client) {
      const options = this.#options;
      client = new S3Client({
        region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        forcePathStyle: options.forcePathStyle ?? false,
        // A copy: the SDK tags the credentials object it is given.
        ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
        // Redirects are followed here, with a re-openable body, not by the SDK (which would resend a consumed stream).
        followRegionRedirects: false,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // The delivery runtime retries with backoff while the data waits in the log; one attempt here.
        maxAttempts: 1,
        // Failures reach the user through the destination's status; the SDK would otherwise print a
        // console warning for every failed streamed request.
        logger: silentSdkLogger,
        // socketTimeout is the inactivity timeout; the SDK's requestTimeout only warns in this version.
        requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 10_000, socketTimeout: options.idleTimeoutMs ?? 120_000 },
      });
      this.#clients.set(region, client);
    }
    return client;
  }
}

const ignore = (): void => {};
const silentSdkLogger = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  Region?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/** The region S3 says the bucket is in, when the error is a wrong-region answer. */
function redirectRegion(error: unknown): string | undefined {
  const shape = (error ?? {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
  const header = shape.$response?.headers?.['x-amz-bucket-region'];
  if (status === 301 || REDIRECT_ERROR_NAMES.has(shape.name ?? '')) return header ?? shape.Region;
  return undefined;
}

function toStoreError(error: unknown, location: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const shape = (error ?? {}) as SdkErrorShape;
  const httpStatus = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
  // System errors (ECONNREFUSED, ETIMEDOUT, …) carry `code`; service errors carry their S3 code as `name`.
  const code = shape.code ?? shape.Code ?? (shape.name && shape.name !== 'Error' ? shape.name : undefined) ?? (httpStatus ? `HTTP${httpStatus}` : 'Unknown');
  const bucketRegion = shape.$response?.headers?.['x-amz-bucket-region'] ?? shape.Region;
  const message = shape.message && shape.message !== 'UnknownError' ? shape.message : `${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`;
  return new ObjectStoreError({
    code,
    message: `PutObject ${location} failed: ${message}`,
    location,
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(bucketRegion === undefined ? {} : { bucketRegion }),
    cause: error,
  });
}
