/**
 * The amazon-s3 destination against a real S3 API (s3rver) behind a proxy enforcing the seed's
 * PutObject-only bucket policy. Everything read back is decompressed and compared line by line.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { startS3TestServer, type S3TestServer } from '../../storage/test-support/s3-test-server.js';
import type { ProxyPolicy } from '../../storage/test-support/s3-policy-proxy.js';
import { destinationTypes } from '../registry.js';
import { appendSampleEvents, batchOf } from './test-support/batches.js';

const DAY = 86_400_000;
const midnight = Date.UTC(2023, 10, 15); // 1700006400000
const SOURCE = 'src_abc';

let server: S3TestServer;
let spoolDirectory: string;
const cleanups: (() => Promise<void>)[] = [];

async function startServer(policy: Partial<ProxyPolicy> = {}): Promise<S3TestServer> {
  server = await startS3TestServer({ policy });
  cleanups.push(() => server.close());
  return server;
}

function createDestination(settings: Record<string, unknown> = {}) {
  const built = destinationTypes['amazon-s3']!.create({
    bucket: server.bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    ...server.credentials,
    ...settings,
  }, { nodeId: 'node-1', spoolDirectory });
  cleanups.push(() => built.destination.close());
  return built.destination;
}

beforeEach(async () => {
  spoolDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-spool-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // No delivery, successful or not, leaves spool files behind.
  expect(await fs.readdir(spoolDirectory)).toEqual([]);
  await fs.rm(spoolDirectory, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;

/** Receive times around midnight, with the two days interleaving as racing requests make them. */
const aroundMidnight = [midnight - 3000, midnight - 2000, midnight + 5, midnight - 1, midnight + 10, midnight - 1000, midnight + 2000];

describe('amazon-s3 destination', () => {
  it('writes one gzip NDJSON object per received day under the Segment layout, with the metadata and SSE header', async () => {
    await startServer({ requireEncryption: true });
    const log = new MemoryEventLog();
    await appendSampleEvents(log, SOURCE, [midnight - 10 * DAY]); // an older record before the batch
    const appended = await appendSampleEvents(log, SOURCE, aroundMidnight, 2);
    const destination = createDestination();

    const objects = await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal());

    const before = `segment-logs/${SOURCE}/${midnight - DAY}/`;
    const after = `segment-logs/${SOURCE}/${midnight}/`;
    expect(objects.map((object) => [object.key, object.events])).toEqual([
      [`${before}${midnight - 3000}.0000000000000001.node-1.gz`, 4],
      [`${after}${midnight + 5}.0000000000000003.node-1.gz`, 3],
    ]);
    const dayOf = (index: number) => (aroundMidnight[index]! < midnight ? 'before' : 'after');
    for (const [object, day] of [[objects[0]!, 'before'], [objects[1]!, 'after']] as const) {
      const stored = await server.getObject(object.key);
      expect(stored.contentType).toBe('text/plain');
      expect(stored.contentEncoding).toBe('gzip');
      expect(stored.body.length).toBe(object.bytes);
      const expected = appended.lines.filter((_line, index) => dayOf(index) === day);
      expect(gunzipSync(stored.body).toString()).toBe(expected.map((line) => `${line}\n`).join(''));
    }
    const requests = server.proxy.requests;
    expect(requests.map((request) => request.operation)).toEqual(['PutObject', 'PutObject']);
    for (const request of requests) {
      expect(request.headers['x-amz-server-side-encryption']).toBe('AES256');
      expect(request.headers['content-type']).toBe('text/plain');
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(request.headers['x-amz-content-sha256'] ?? '').not.toMatch(/STREAMING/);
      expect(request.headers['transfer-encoding']).toBeUndefined();
    }
  });

  it('sends no SSE header at all when useServerSideEncryption is false', async () => {
    await startServer();
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1, midnight + 2]);
    const objects = await createDestination({ useServerSideEncryption: false }).deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal());
    expect(objects).toHaveLength(1);
    for (const request of server.proxy.requests) {
      expect(Object.keys(request.headers).filter((name) => name.includes('server-side-encryption'))).toEqual([]);
    }
    expect(gunzipSync((await server.getObject(objects[0]!.key)).body).toString().split('\n')).toHaveLength(3);
  });

  it('turns a denial of an unencrypted write into a non-retriable error telling the user what to fix', async () => {
    await startServer({ requireEncryption: true });
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const destination = createDestination({ useServerSideEncryption: false });
    const error = await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal()).catch((caught: unknown) => caught);
    expect(destination.isRetriable(error)).toBe(false);
    const message = destination.describeError(error);
    expect(message).toContain('AccessDenied');
    expect(message).toContain('turn on useServerSideEncryption');
    expect(message).toContain(`arn:aws:s3:::${server.bucket}/segment-logs/*`);
  });

  it('quotes the bucket policy with the user\'s bucket and prefix when the policy does not cover the keys', async () => {
    await startServer({ allowedKeyPrefix: 'segment-logs/' });
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const destination = createDestination({ bucket: `${server.bucket}/path/prefix` });
    const error = await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal()).catch((caught: unknown) => caught);
    expect(destination.isRetriable(error)).toBe(false);
    expect(destination.describeError(error)).toContain(`"Resource":"arn:aws:s3:::${server.bucket}/path/prefix/segment-logs/*"`);
  });

  it('writes under path/prefix/segment-logs/… for a "bucket/path/prefix" setting', async () => {
    await startServer({ allowedKeyPrefix: 'path/prefix/segment-logs/', requireEncryption: true });
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const objects = await createDestination({ bucket: `${server.bucket}/path/prefix` }).deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal());
    expect(objects[0]!.key).toBe(`path/prefix/segment-logs/${SOURCE}/${midnight}/${midnight + 1}.0000000000000000.node-1.gz`);
    expect(gunzipSync((await server.getObject(objects[0]!.key)).body).toString()).toBe(`${appended.lines[0]}\n`);
  });

  it('learns the bucket\'s region from S3\'s redirect, never asking for it', async () => {
    await startServer({ bucketRegion: 'eu-central-1' });
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1, midnight + DAY + 1]);
    const objects = await createDestination({ region: 'us-east-1' }).deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal());
    expect(objects).toHaveLength(2);
    expect(server.proxy.requests.map((request) => [request.operation, request.signedRegion, request.outcome])).toEqual([
      ['PutObject', 'us-east-1', 301],
      ['PutObject', 'eu-central-1', 200],
      ['PutObject', 'eu-central-1', 200],
    ]);
  });

  it('re-delivering the same batch writes the same keys with identical bytes', async () => {
    await startServer();
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, Array.from({ length: 300 }, (_unused, index) => midnight - 150 + index));
    const destination = createDestination();
    const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
    const first = await destination.deliver(batch, signal());
    const firstBodies = await Promise.all(first.map((object) => server.getObject(object.key)));
    const second = await destination.deliver(batch, signal());
    expect(second).toEqual(first);
    const secondBodies = await Promise.all(second.map((object) => server.getObject(object.key)));
    secondBodies.forEach((stored, index) => expect(stored.body.equals(firstBodies[index]!.body)).toBe(true));
    const puts = server.proxy.requestsOf('PutObject');
    expect(puts.slice(0, 2).map((request) => request.headers['content-md5'])).toEqual(puts.slice(2).map((request) => request.headers['content-md5']));
  });

  it('classifies transient failures as retriable and succeeds once they pass', async () => {
    await startServer();
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const destination = createDestination();
    const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
    const attempt = () => destination.deliver(batch, signal()).then(() => undefined, (error: unknown) => error);

    server.proxy.injectFaults({ kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' });
    const slowDown = await attempt();
    expect(destination.isRetriable(slowDown)).toBe(true);
    expect(destination.describeError(slowDown)).toMatch(/throttling/);

    server.proxy.injectFaults({ kind: 'error', status: 500, code: 'InternalError' });
    const internal = await attempt();
    expect(destination.isRetriable(internal)).toBe(true);
    expect(destination.describeError(internal)).toMatch(/HTTP 500 InternalError/);

    server.proxy.injectFaults({ kind: 'reset' });
    const reset = await attempt();
    expect(destination.isRetriable(reset)).toBe(true);

    await server.proxy.refuseConnections();
    const refused = await attempt();
    expect(destination.isRetriable(refused)).toBe(true);
    expect(destination.describeError(refused)).toMatch(/Cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    await server.proxy.acceptConnections();

    expect(await attempt()).toBeUndefined();
    expect(gunzipSync((await server.getObject(`segment-logs/${SOURCE}/${midnight}/${midnight + 1}.0000000000000000.node-1.gz`)).body).toString()).toBe(`${appended.lines[0]}\n`);
  });

  it('names the missing bucket', async () => {
    await startServer();
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const destination = createDestination({ bucket: 'no-such-bucket-here' });
    const error = await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), signal()).catch((caught: unknown) => caught);
    expect(destination.isRetriable(error)).toBe(false);
    expect(destination.describeError(error)).toMatch(/The bucket "no-such-bucket-here" does not exist/);
  });

  it('names bad credentials', async () => {
    await startServer();
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight + 1]);
    const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
    const unknownKey = createDestination({ accessKeyId: 'AKIANOTKNOWN', secretAccessKey: 'x' });
    const keyError = await unknownKey.deliver(batch, signal()).catch((caught: unknown) => caught);
    expect(unknownKey.isRetriable(keyError)).toBe(false);
    expect(unknownKey.describeError(keyError)).toMatch(/accessKeyId/);
    // s3rver does not verify SigV4 signatures, so S3's answer to a wrong secret is injected.
    server.proxy.injectFaults({ kind: 'error', status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' });
    const wrongSecret = createDestination({ secretAccessKey: 'not-the-secret' });
    const secretError = await wrongSecret.deliver(batch, signal()).catch((caught: unknown) => caught);
    expect(wrongSecret.isRetriable(secretError)).toBe(false);
    expect(wrongSecret.describeError(secretError)).toMatch(/secretAccessKey/);
  });

  it('writes nothing for an empty batch', async () => {
    await startServer();
    const log = new MemoryEventLog();
    expect(await createDestination().deliver(batchOf(log, SOURCE, 0, 0), signal())).toEqual([]);
    expect(server.proxy.requests).toEqual([]);
  });
});
