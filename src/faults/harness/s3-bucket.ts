/**
 * Reads back every object of an s3rver bucket through its direct endpoint (ListObjectsV2 + GetObject,
 * the user's own read access; the policy proxy in front of it allows writes only), decompressed and
 * parsed like src/delivery/test-support/bucket-contents.ts does for a local-files directory.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import type { BucketObject } from '../../delivery/test-support/bucket-contents.js';
import type { S3TestServer } from '../../storage/test-support/s3-test-server.js';

export async function readS3Bucket(server: S3TestServer): Promise<BucketObject[]> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.directEndpoint,
    forcePathStyle: true,
    credentials: { ...server.credentials },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const objects: BucketObject[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, ...(continuationToken ? { ContinuationToken: continuationToken } : {}) }));
      for (const { Key: key } of page.Contents ?? []) {
        if (key === undefined || !key.endsWith('.gz')) continue;
        const output = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
        const text = gunzipSync(Buffer.from(await output.Body!.transformToByteArray())).toString('utf8');
        if (text !== '' && !text.endsWith('\n')) throw new Error(`${key} does not end with a newline`);
        objects.push({ key, events: text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>) });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  } finally {
    client.destroy();
  }
}
