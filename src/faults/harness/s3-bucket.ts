/**
 * Reads back every object of an s3rver bucket through its direct endpoint (ListObjects + GetObject,
 * the user's own read access; the policy proxy in front of it allows writes only), decompressed and
 * parsed like src/delivery/test-support/bucket-contents.ts does for a local-files directory.
 *
 * s3rver is not S3: it writes an object's bytes and its metadata as separate, non-atomic file writes, so
 * an upload the proxy cut off mid-body (refuseConnections during a PutObject) can leave files that a
 * read at the wrong moment answers with 500 InternalError. Each read is therefore retried a few times;
 * an object still unreadable after that is reported (key + error) rather than thrown, so the run
 * fails loudly with a diagnosis instead of crashing.
 *
 * Listing uses ListObjects (v1) with `Marker` = the page's last key: s3rver 3.7.1 answers EVERY truncated
 * ListObjectsV2 page (more than MaxKeys objects) with 500 InternalError, so a bucket of over 1,000
 * objects — any long run — cannot be listed with V2 there. (Found by the long fault run.)
 */
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import type { BucketObject } from '../../delivery/test-support/bucket-contents.js';
import { s3rverReader, type S3TestServer } from '../../storage/test-support/s3-test-server.js';

export interface S3BucketContents {
  readonly objects: BucketObject[];
  /** Keys that could not be read or parsed even after retries, with why. */
  readonly unreadable: { key: string; error: string }[];
}

const READ_ATTEMPTS = 5;

export async function readS3Bucket(server: S3TestServer): Promise<S3BucketContents> {
  const client = s3rverReader(server.directEndpoint);
  try {
    const objects: BucketObject[] = [];
    const unreadable: S3BucketContents['unreadable'] = [];
    let marker: string | undefined;
    for (;;) {
      const after = marker;
      const page = await withRetries(() => client.send(new ListObjectsCommand({ Bucket: server.bucket, ...(after === undefined ? {} : { Marker: after }) }))).catch((error: unknown) => {
        throw new Error(`ListObjects of ${server.bucket} failed ${READ_ATTEMPTS} times: ${describe(error)}`, { cause: error });
      });
      const contents = page.Contents ?? [];
      for (const { Key: key } of contents) {
        if (key === undefined || !key.endsWith('.gz')) continue;
        try {
          objects.push({ key, events: await withRetries(() => readObject(client, server.bucket, key)) });
        } catch (error) {
          unreadable.push({ key, error: describe(error) });
        }
      }
      marker = contents.at(-1)?.Key;
      if (!page.IsTruncated || marker === undefined) break;
    }
    return { objects: objects.sort((a, b) => a.key.localeCompare(b.key)), unreadable };
  } finally {
    client.destroy();
  }
}

async function readObject(client: S3Client, bucket: string, key: string): Promise<Record<string, unknown>[]> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = gunzipSync(Buffer.from(await output.Body!.transformToByteArray())).toString('utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error(`${key} does not end with a newline`);
  return text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function withRetries<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= READ_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function describe(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${(error as Error).name}${status === undefined ? '' : ` ${status}`}: ${(error as Error).message}`;
}
