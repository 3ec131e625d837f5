/**
 * Real pieces end to end under faults: FileEventLog → DeliveryManager → amazon-s3 → the bucket-policy
 * proxy → s3rver. The endpoint refuses connections, answers 500/503, is slow, then denies by policy;
 * meanwhile appends keep being acknowledged. Every acknowledged event must land exactly once after the
 * faults clear, and the status must have shown each error.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqlBatchStore } from '../control/batch-store.js';
import { SqlDestinationStore } from '../control/destination-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect } from '../control/index.js';
import { FileEventLog } from '../log/file-event-log.js';
import { startS3TestServer, type S3TestServer } from '../storage/test-support/s3-test-server.js';
import { DeliveryManager } from './delivery-manager.js';
import { registeredDestinationTypes } from './registry-adapter.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function bucketMessageIds(server: S3TestServer): Promise<Map<string, number>> {
  const client = new S3Client({ region: 'us-east-1', endpoint: server.directEndpoint, forcePathStyle: true, credentials: { ...server.credentials } });
  try {
    const counts = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const body = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: object.Key! }));
        const text = gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString('utf8');
        for (const line of text.split('\n').slice(0, -1)) {
          const id = String((JSON.parse(line) as { messageId: string }).messageId);
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
    return counts;
  } finally {
    client.destroy();
  }
}

describe('delivery to amazon-s3 under endpoint faults', () => {
  it('keeps accepting, loses nothing, shows each error, and lands every event once when S3 recovers', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-s3-faults-'));
    const server = await startS3TestServer();
    cleanups.push(() => server.close());
    const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
    cleanups.push(() => plane.store.close());
    const log = await FileEventLog.open({ directory: join(dataDir, 'log'), maxBytes: 1 << 30 });
    cleanups.push(() => log.close());
    const workspace = await plane.store.createWorkspace({ slug: 'w', name: 'W' });
    const source = await plane.store.createSource({ workspaceId: workspace.id, name: 's' });
    const destinations = new SqlDestinationStore(plane.database);
    const manager = new DeliveryManager({
      log,
      destinations,
      batches: new SqlBatchStore(plane.database),
      types: registeredDestinationTypes,
      nodeId: 'node-faults',
      spoolDirectory: join(dataDir, 'spool'),
      backoff: { baseMs: 20, capMs: 150 },
    });
    cleanups.push(() => manager.stop());
    const settings = registeredDestinationTypes.validate('amazon-s3', {
      bucket: server.bucket,
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      ...server.credentials,
      maxBatchBytes: 4096,
    });
    const destination = await destinations.createDestination({ workspaceId: workspace.id, type: 'amazon-s3', name: 'S3', settings, enabled: true, sourceIds: [source.id] });
    await manager.start();

    const acknowledged: string[] = [];
    const ingest = async (count: number) => {
      const now = Date.now();
      const records = Array.from({ length: count }, () => {
        const messageId = randomUUID();
        acknowledged.push(messageId);
        return { timestamp: now, data: Buffer.from(JSON.stringify({ type: 'track', event: 'Fault', userId: 'u', messageId, receivedAt: new Date(now).toISOString() })) };
      });
      await log.append(source.id, records);
    };
    const status = async () => (await manager.status(destination.id))!;

    // 1. The endpoint refuses connections: appends are still acknowledged; the flush reports the failure.
    await server.proxy.refuseConnections();
    await ingest(40);
    await expect(manager.flush(destination.id)).rejects.toMatchObject({ code: 'delivery_failed' });
    expect((await status()).lastError).toMatchObject({ retriable: true });
    expect((await status()).pending.events).toBe(40);
    await ingest(10);

    // 2. It answers again, but with 503 SlowDown on everything.
    server.proxy.setFault({ kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' });
    await server.proxy.acceptConnections();
    await vi.waitFor(async () => expect((await status()).lastError?.message).toMatch(/SlowDown|reduce|503/i), { timeout: 5_000 });
    await ingest(10);

    // 3. A few 500s and a slow answer, then healthy: everything lands.
    server.proxy.setFault(undefined);
    server.proxy.injectFaults({ kind: 'error', status: 500, code: 'InternalError' }, { kind: 'delay', ms: 300 }, { kind: 'error', status: 500, code: 'InternalError' });
    // The background retries finish the pass that was asked for (the first 40); a flush takes the rest.
    // A flush that meets one of the injected faults rejects, so ask until one succeeds.
    await vi.waitFor(() => manager.flush(destination.id), { timeout: 10_000, interval: 50 });
    expect((await status()).pending.events).toBe(0);
    await ingest(5);
    await manager.flush(destination.id);

    // 4. The bucket policy denies the writes (non-retriable): retried at the cap until the policy is fixed.
    server.proxy.policy.allowedKeyPrefix = 'elsewhere/';
    await ingest(7);
    await expect(manager.flush(destination.id)).rejects.toMatchObject({ code: 'delivery_failed' });
    expect((await status()).lastError).toMatchObject({ retriable: false, message: expect.stringMatching(/AccessDenied|policy|PutObject/i) });
    server.proxy.policy.allowedKeyPrefix = 'segment-logs/';
    await vi.waitFor(async () => expect((await status()).pending.events).toBe(0), { timeout: 10_000 });

    const counts = await bucketMessageIds(server);
    expect(counts.size).toBe(acknowledged.length);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(acknowledged.every((id) => counts.get(id) === 1)).toBe(true);
    expect((await status()).lastError).toBeNull();
    // Nothing but PutObject ever reached the bucket (DESIGN B3).
    expect(new Set(server.proxy.requests.map((request) => request.operation))).toEqual(new Set(['PutObject']));
  });
});
