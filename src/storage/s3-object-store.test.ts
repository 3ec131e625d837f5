import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ObjectStoreError } from './object-store.js';
import { objectStoreConformance } from './conformance.js';
import { S3ObjectStore } from './s3-object-store.js';
import { startS3TestServer } from './test-support/s3-test-server.js';

objectStoreConformance('S3ObjectStore (s3rver behind the PutObject-only policy)', async () => {
  const server = await startS3TestServer({ policy: { requireEncryption: true } });
  const store = new S3ObjectStore({ bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials, serverSideEncryption: 'AES256' });
  return {
    store,
    readBack: async (key) => (await server.getObject(key)).body,
    close: async () => {
      await store.close();
      // Only PutObject ever went out, each with a known length and no aws-chunked framing.
      expect(server.proxy.requests.map((request) => request.operation).every((operation) => operation === 'PutObject')).toBe(true);
      for (const request of server.proxy.requests) {
        expect(request.headers['content-encoding']).toBe('gzip');
        expect(request.headers['x-amz-content-sha256'] ?? '').not.toMatch(/STREAMING/);
        expect(Number(request.headers['content-length'])).toBe(request.bodyBytes);
      }
      await server.close();
    },
  };
});

describe('S3ObjectStore', () => {
  it('learns the bucket region from a 301 PermanentRedirect and keeps using it, with no HeadBucket or GetBucketLocation', async () => {
    const server = await startS3TestServer({ policy: { bucketRegion: 'eu-west-3' } });
    const store = new S3ObjectStore({ bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials, region: 'us-east-1' });
    try {
      const fs = await import('node:fs/promises');
      const os = await import('node:os');
      const path = await import('node:path');
      const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-')), 'body');
      await fs.writeFile(file, 'hello');
      await store.putObject({ key: 'segment-logs/a.gz', body: { file }, contentLength: 5, contentType: 'text/plain' });
      await store.putObject({ key: 'segment-logs/b.gz', body: { file }, contentLength: 5, contentType: 'text/plain' });
      expect(store.region).toBe('eu-west-3');
      expect(server.proxy.requests.map((request) => [request.operation, request.signedRegion, request.outcome])).toEqual([
        ['PutObject', 'us-east-1', 301],
        ['PutObject', 'eu-west-3', 200],
        ['PutObject', 'eu-west-3', 200],
      ]);
      expect((await server.getObject('segment-logs/a.gz')).body.toString()).toBe('hello');
    } finally {
      await store.close();
      await server.close();
    }
  });
});

describe('S3ObjectStore region from a 400 AuthorizationHeaderMalformed', () => {
  it('switches to the region named in the answer', async () => {
    const server = await startS3TestServer({ policy: { bucketRegion: 'ap-southeast-2', wrongRegionAnswer: 'malformed' } });
    const store = new S3ObjectStore({ bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials, region: 'us-east-1' });
    try {
      // A stream body cannot be resent: the first write fails, naming the region, and the next goes there.
      const first = await store.putObject({ key: 'segment-logs/r.gz', body: { stream: Readable.from([Buffer.from('abc')]) }, contentLength: 3, contentType: 'text/plain' }).catch((error: unknown) => error);
      expect(first).toMatchObject({ code: 'AuthorizationHeaderMalformed', bucketRegion: 'ap-southeast-2', httpStatus: 400 });
      expect(store.region).toBe('ap-southeast-2');
      await store.putObject({ key: 'segment-logs/r.gz', body: { stream: Readable.from([Buffer.from('abc')]) }, contentLength: 3, contentType: 'text/plain' });
      expect(server.proxy.requests.map((request) => [request.signedRegion, request.outcome])).toEqual([['us-east-1', 400], ['ap-southeast-2', 200]]);
    } finally {
      await store.close();
      await server.close();
    }
  });
});

describe('S3ObjectStore failures', () => {
  it('reports a request timeout, a reset and a refused connection as ObjectStoreErrors with system codes', async () => {
    const server = await startS3TestServer();
    const options = { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials };
    const impatient = new S3ObjectStore({ ...options, idleTimeoutMs: 300 });
    const store = new S3ObjectStore(options);
    const put = (target: S3ObjectStore) => target.putObject({ key: 'segment-logs/t.gz', body: { stream: Readable.from([Buffer.from('abc')]) }, contentLength: 3, contentType: 'text/plain' }).then(() => undefined, (error: unknown) => error);
    try {
      server.proxy.injectFaults({ kind: 'delay', ms: 3000 });
      const timeout = await put(impatient);
      expect(timeout).toBeInstanceOf(ObjectStoreError);
      expect((timeout as ObjectStoreError).code).toMatch(/TimeoutError|ETIMEDOUT|RequestTimeout/);
      server.proxy.injectFaults({ kind: 'reset' });
      expect((await put(store) as ObjectStoreError).code).toMatch(/ECONNRESET|EPIPE/);
      await server.proxy.refuseConnections();
      expect((await put(store) as ObjectStoreError).code).toBe('ECONNREFUSED');
      await server.proxy.acceptConnections();
      expect(await put(store)).toBeUndefined();
    } finally {
      await impatient.close();
      await store.close();
      await server.close();
    }
  });
});
