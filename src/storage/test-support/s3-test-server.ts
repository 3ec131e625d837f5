/**
 * Test support: a real S3 API (s3rver, in-process, temp directory, free port) behind the policy proxy
 * (`s3-policy-proxy.ts`). Sluice talks to `endpoint` (the proxy: PutObject only, faults on demand);
 * tests read objects back from s3rver directly (`getObject`, `directEndpoint`), the way a user's own
 * credentials could, so reading never goes through the policy.
 *
 *   const server = await startS3TestServer({ policy: { requireEncryption: true } });
 *   … settings: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, ...server.credentials }
 *   const object = await server.getObject(key); gunzipSync(object.body)
 *   await server.close();
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { S3PolicyProxy, type ProxyPolicy } from './s3-policy-proxy.js';

/**
 * s3rver accepts only this key pair (any other gets InvalidAccessKeyId). Frozen: the SDK tags the
 * credentials objects it is given (`$source`), so hand it copies (`{ ...S3RVER_CREDENTIALS }`).
 */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const);

/** An S3 client with full rights on s3rver (list/get), for reading back what Sluice wrote. */
export function s3rverReader(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface StoredTestObject {
  /** The stored bytes, exactly (still gzip for our objects: nothing decodes Content-Encoding). */
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly contentLength: number | undefined;
}

export interface S3TestServer {
  readonly bucket: string;
  /** The policy proxy: what Sluice is configured with. */
  readonly endpoint: string;
  /** s3rver itself: full access (list/get), for reading back and for the AWS CLI. */
  readonly directEndpoint: string;
  readonly credentials: typeof S3RVER_CREDENTIALS;
  readonly proxy: S3PolicyProxy;
  getObject(key: string): Promise<StoredTestObject>;
  close(): Promise<void>;
}

export async function startS3TestServer(options: { bucket?: string; policy?: Partial<ProxyPolicy> } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? `sluice-test-${randomUUID().slice(0, 8)}`;
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await s3rver.run();
  const proxy = await S3PolicyProxy.start({ host: '127.0.0.1', port: address.port }, options.policy);
  const directEndpoint = `http://127.0.0.1:${address.port}`;
  const reader = s3rverReader(directEndpoint);

  return {
    bucket,
    endpoint: proxy.endpoint,
    directEndpoint,
    credentials: S3RVER_CREDENTIALS,
    proxy,
    async getObject(key) {
      const output = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(await output.Body!.transformToByteArray());
      return { body, contentType: output.ContentType, contentEncoding: output.ContentEncoding, contentLength: output.ContentLength };
    },
    async close() {
      reader.destroy();
      await proxy.close();
      await s3rver.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
