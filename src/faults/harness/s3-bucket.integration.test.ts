import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3TestServer, type S3TestServer } from '../../storage/test-support/s3-test-server.js';
import { readS3Bucket } from './s3-bucket.js';

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3.close();
});

describe('readS3Bucket', () => {
  // s3rver answers every truncated ListObjectsV2 page with 500, so a long run's bucket (over 1,000
  // objects) could not be read back; the reader pages with ListObjects + Marker instead.
  it('reads back every object of a bucket holding more than one listing page (1,000 keys)', async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.directEndpoint, forcePathStyle: true, credentials: { ...s3.credentials } });
    const count = 1_005;
    const key = (index: number) => `segment-logs/src/1795305600000/${String(index).padStart(5, '0')}.gz`;
    for (let start = 0; start < count; start += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - start) }, (_, offset) => client.send(new PutObjectCommand({
        Bucket: s3.bucket, Key: key(start + offset), Body: gzipSync(`${JSON.stringify({ messageId: `m${start + offset}` })}\n`),
      }))));
    }
    client.destroy();
    const { objects, unreadable } = await readS3Bucket(s3);
    expect(unreadable).toEqual([]);
    expect(objects.map((object) => object.key)).toEqual(Array.from({ length: count }, (_, index) => key(index)));
    expect(objects.at(-1)!.events).toEqual([{ messageId: `m${count - 1}` }]);
  }, 60_000);
});
