/**
 * ObjectStore: the one thing Sluice asks of object storage — write an object, whole, under a key.
 *
 * Destinations (amazon-s3, local-files) and, later, backups write through this interface; it leaks no
 * transport (no S3 client, no file handles). Implementations: `S3ObjectStore` (AWS SDK v3; AWS, MinIO,
 * R2, …) and `LocalDirectoryStore` (atomic write-then-rename). Both pass `conformance.ts`.
 *
 * Deliberately absent: list, get, head, delete. Sluice's S3 credentials may hold `s3:PutObject` only
 * (DESIGN B3), so nothing upstream may come to depend on reading the bucket back.
 */
import type { Readable } from 'node:stream';

/** Where the bytes of an object come from. The length is always known up front. */
export type ObjectBody =
  /** A file on local disk (re-readable: a retry opens it again). */
  | { readonly file: string }
  /** A one-shot stream; it cannot be retried by the store. */
  | { readonly stream: Readable };

export interface PutObjectInput {
  /** Key relative to the store's root (no leading slash). */
  readonly key: string;
  readonly body: ObjectBody;
  /** Exact byte length of the body. */
  readonly contentLength: number;
  readonly contentType: string;
  readonly contentEncoding?: string;
  /** Base64 MD5 of the body when the caller computed it; S3 then rejects a body corrupted in transit. */
  readonly contentMd5?: string;
  readonly signal?: AbortSignal;
}

export interface PutObjectResult {
  /** Full location for humans and status pages, e.g. `s3://bucket/prefix/key` or an absolute path. */
  readonly location: string;
  readonly bytes: number;
}

export interface ObjectStore {
  /** Writes the object whole, replacing any object under the same key; readers never see a partial one. */
  putObject(input: PutObjectInput): Promise<PutObjectResult>;
  /** Releases connections; further calls are not expected. */
  close(): Promise<void>;
}

/**
 * A failed write, with what a retry policy and a status message need and nothing transport-specific:
 * the service's error code (`AccessDenied`, `SlowDown`, …) or the system's (`ECONNREFUSED`, `ENOSPC`, …),
 * the HTTP status when there was a response, and the store's own words. The original error is `cause`.
 */
export class ObjectStoreError extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  /** Where the store tried to write, e.g. `s3://bucket/key` (for messages). */
  readonly location: string;
  /** For S3: the region the bucket says it lives in, when a response told. */
  readonly bucketRegion: string | undefined;

  constructor(options: { code: string; message: string; location: string; httpStatus?: number; bucketRegion?: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ObjectStoreError';
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.location = options.location;
    this.bucketRegion = options.bucketRegion;
  }
}
