import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlBatchStore } from '../control/batch-store.js';
import { SqlDestinationStore } from '../control/destination-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from '../control/index.js';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { DeliveryManager } from './delivery-manager.js';
import { fakeTypes } from './test-support/fake-types.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-manager-'));
  const plane: OpenedControlPlane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  cleanups.push(() => plane.store.close());
  const workspace = await plane.store.createWorkspace({ slug: 'w', name: 'W' });
  const sourceA = (await plane.store.createSource({ workspaceId: workspace.id, name: 'a' })).id;
  const sourceB = (await plane.store.createSource({ workspaceId: workspace.id, name: 'b' })).id;
  const log = new MemoryEventLog();
  const destinations = new SqlDestinationStore(plane.database);
  const batches = new SqlBatchStore(plane.database);
  const types = fakeTypes();
  const manager = new DeliveryManager({ log, destinations, batches, types, nodeId: '0123456789abcdef', spoolDirectory: join(dataDir, 'spool'), backoff: { baseMs: 1, capMs: 5 } });
  cleanups.push(() => manager.stop());
  const append = (sourceId: string, count: number) =>
    log.append(sourceId, Array.from({ length: count }, (_, index) => ({ timestamp: Date.now(), data: Buffer.from(`{"n":${index}}`) })));
  return { plane, workspace, sourceA, sourceB, log, destinations, batches, types, manager, append };
}

describe('DeliveryManager', () => {
  it('runs every enabled destination × source and flushes them all on demand', async () => {
    const { workspace, sourceA, sourceB, destinations, types, manager, append } = await setUp();
    const record = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'one', settings: { name: 'one' }, enabled: true, sourceIds: [sourceA, sourceB] });
    await append(sourceA, 3);
    await manager.start();
    await append(sourceB, 2);
    const objects = await manager.flush(record.id);
    expect(objects.map((object) => object.events).sort()).toEqual([2, 3]);
    expect(types.instances.get('one')!.allLines()).toHaveLength(5);
    const status = await manager.status(record.id);
    expect(status).toMatchObject({ enabled: true, pending: { events: 0, bytes: 0 }, lastError: null });
    expect(status!.lastDelivery).toMatchObject({ objects: 1 });
    expect(status!.sources).toHaveLength(2);
  });

  it('disable keeps the cursor (data waits); enable resumes; delete releases the cursor', async () => {
    const { workspace, sourceA, log, destinations, types, manager, append } = await setUp();
    await manager.start();
    const record = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'two', settings: { name: 'two' }, enabled: true, sourceIds: [sourceA] });
    await manager.destinationChanged(record.id);
    await append(sourceA, 4);
    await manager.flush(record.id);

    await destinations.updateDestination(record.id, { enabled: false });
    await manager.destinationChanged(record.id);
    await append(sourceA, 2);
    await expect(manager.flush(record.id)).rejects.toMatchObject({ code: 'destination_disabled' });
    expect(await manager.status(record.id)).toMatchObject({ enabled: false, pending: { events: 2 } });
    expect(log.cursor(sourceA, record.id)).toBe(4);

    await destinations.updateDestination(record.id, { enabled: true });
    await manager.destinationChanged(record.id);
    expect((await manager.flush(record.id))[0]!.events).toBe(2);
    expect(types.instances.get('two')!.allLines()).toHaveLength(6);

    await destinations.deleteDestination(record.id);
    await manager.destinationDeleted(record.id, record.sourceIds);
    expect(log.cursor(sourceA, record.id)).toBeUndefined();
    await expect(manager.flush(record.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('disconnecting a source releases that cursor only; status shows the failing error', async () => {
    const { workspace, sourceA, sourceB, log, destinations, types, manager, append } = await setUp();
    const record = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'three', settings: { name: 'three' }, enabled: true, sourceIds: [sourceA, sourceB] });
    await manager.start();
    await append(sourceA, 1);
    await append(sourceB, 1);
    await manager.flush(record.id);
    await destinations.updateDestination(record.id, { sourceIds: [sourceA] });
    await manager.destinationChanged(record.id, record.sourceIds);
    expect(log.cursor(sourceB, record.id)).toBeUndefined();
    expect(log.cursor(sourceA, record.id)).toBe(1);

    const fake = types.instances.get('three')!;
    fake.failNext(1_000, 'AccessDenied', false);
    const attemptsBefore = fake.attempts;
    await append(sourceA, 1);
    await expect(manager.flush(record.id)).rejects.toMatchObject({ code: 'delivery_failed' });
    const status = await manager.status(record.id);
    // The runner may have tried on its own (woken by the append) before the flush did: every failed
    // attempt counts, and there was at least the flush's.
    const failedAttempts = fake.attempts - attemptsBefore;
    expect(failedAttempts).toBeGreaterThanOrEqual(1);
    expect(status!.lastError).toMatchObject({ message: 'fake: AccessDenied', consecutiveFailures: failedAttempts, retriable: false });
    expect(status!.nextAttemptAt).not.toBeNull();
    expect(status!.sources[0]!.inFlightBatch).toEqual({ firstOffset: 1, endOffset: 2 });
  });
});

describe('DeliveryManager.reconcile', () => {
  it('notices a source deleted behind its back: stops that runner and releases its cursor', async () => {
    const { plane, workspace, sourceA, sourceB, log, destinations, manager, append } = await setUp();
    const record = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'four', settings: { name: 'four' }, enabled: true, sourceIds: [sourceA, sourceB] });
    await manager.start();
    await append(sourceB, 2);
    await manager.flush(record.id);
    expect(log.cursor(sourceB, record.id)).toBe(2);
    await plane.store.deleteSource(sourceB); // ON DELETE CASCADE drops the connection
    expect((await destinations.getDestination(record.id))!.sourceIds).toEqual([sourceA]);
    await manager.reconcile();
    expect(log.cursor(sourceB, record.id)).toBeUndefined();
    expect((await manager.status(record.id))!.sources.map((source) => source.sourceId)).toEqual([sourceA]);
  });
});

describe('DeliveryManager.destinationChanged', () => {
  it('a rename keeps the runners (an upload in progress finishes); a settings change restarts them', async () => {
    const { workspace, sourceA, destinations, types, manager, append } = await setUp();
    const record = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'five', settings: { name: 'five' }, enabled: true, sourceIds: [sourceA] });
    await manager.start();
    await append(sourceA, 3);
    const fake = types.instances.get('five')!;
    const release = fake.hold();
    const flushing = manager.flush(record.id);
    await destinations.updateDestination(record.id, { name: 'Five, renamed' });
    await manager.destinationChanged(record.id);
    release();
    expect((await flushing)[0]!.events).toBe(3);

    const releaseAgain = fake.hold();
    await append(sourceA, 1);
    const abandoned = manager.flush(record.id).catch((error: unknown) => error);
    await destinations.updateDestination(record.id, { settings: { name: 'five', flushIntervalSeconds: 3600 } });
    await manager.destinationChanged(record.id);
    expect(await abandoned).toMatchObject({ code: 'delivery_stopped' });
    releaseAgain();
    expect((await manager.flush(record.id))[0]!.events).toBe(1);
  });
});

describe('DeliveryManager with a destination that cannot be built', () => {
  it('keeps the others running and shows why in the status and the flush error', async () => {
    const { workspace, sourceA, destinations, types, manager, append } = await setUp();
    const broken = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'broken', settings: { name: 42 }, enabled: true, sourceIds: [sourceA] });
    const healthy = await destinations.createDestination({ workspaceId: workspace.id, type: 'fake', name: 'ok', settings: { name: 'ok' }, enabled: true, sourceIds: [sourceA] });
    const create = types.create.bind(types);
    types.create = (type, settings, context) => {
      if (typeof settings.name !== 'string') throw new Error('"name" must be a string');
      return create(type, settings, context);
    };
    await manager.start();
    await append(sourceA, 2);
    expect((await manager.flush(healthy.id))[0]!.events).toBe(2);
    await expect(manager.flush(broken.id)).rejects.toMatchObject({ code: 'delivery_stopped', message: expect.stringContaining('"name" must be a string') });
    expect((await manager.status(broken.id))!.lastError).toMatchObject({ message: expect.stringContaining('Cannot start'), retriable: false });
    expect((await manager.status(broken.id))!.pending.events).toBe(2);
  });
});
