import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlBatchStore } from './batch-store.js';
import { SqlDestinationStore } from './destination-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from './index.js';

const opened: OpenedControlPlane[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((plane) => plane.store.close()));
});

async function fresh() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-destinations-'));
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  opened.push(plane);
  const workspace = await plane.store.createWorkspace({ slug: 'acme', name: 'Acme' });
  const [a, b] = [await plane.store.createSource({ workspaceId: workspace.id, name: 'a' }), await plane.store.createSource({ workspaceId: workspace.id, name: 'b' })];
  return { plane, workspace, a: a.id, b: b.id, destinations: new SqlDestinationStore(plane.database), batches: new SqlBatchStore(plane.database) };
}

describe('SqlDestinationStore', () => {
  it('creates, reads, lists, updates and deletes destinations with their sources', async () => {
    const { workspace, a, b, destinations } = await fresh();
    const created = await destinations.createDestination({
      workspaceId: workspace.id,
      type: 'local-files',
      name: 'Local',
      settings: { directory: '/tmp/x', flushIntervalSeconds: 60 },
      enabled: true,
      sourceIds: [a, a],
    });
    expect(created).toMatchObject({ workspaceId: workspace.id, type: 'local-files', enabled: true, sourceIds: [a] });
    expect(await destinations.getDestination(created.id)).toEqual(created);
    expect(await destinations.listDestinations(workspace.id)).toEqual([created]);
    expect(await destinations.listDestinations('elsewhere')).toEqual([]);

    const updated = await destinations.updateDestination(created.id, { enabled: false, sourceIds: [b, a], settings: { directory: '/tmp/y' } });
    expect(updated).toMatchObject({ enabled: false, sourceIds: [a, b].sort(), settings: { directory: '/tmp/y' }, name: 'Local' });
    expect(updated!.updatedAt >= created.updatedAt).toBe(true);
    expect(await destinations.updateDestination('missing', { name: 'x' })).toBeUndefined();

    expect(await destinations.deleteDestination(created.id)).toBe(true);
    expect(await destinations.deleteDestination(created.id)).toBe(false);
    expect(await destinations.getDestination(created.id)).toBeUndefined();
  });
});

describe('SqlBatchStore', () => {
  it('keeps one recorded batch per (destination, source), durable across reopen, cleared with its destination', async () => {
    const { plane, workspace, a, b, destinations, batches } = await fresh();
    const destination = await destinations.createDestination({ workspaceId: workspace.id, type: 't', name: 'n', settings: {}, enabled: true, sourceIds: [a, b] });
    const big = 2 ** 40 + 7;
    await batches.recordBatch({ destinationId: destination.id, sourceId: a, firstOffset: 0, endOffset: big });
    await batches.recordBatch({ destinationId: destination.id, sourceId: a, firstOffset: big, endOffset: big + 10 });
    await batches.recordBatch({ destinationId: destination.id, sourceId: b, firstOffset: 5, endOffset: 6 });
    expect(await batches.recordedBatch(destination.id, a)).toMatchObject({ firstOffset: big, endOffset: big + 10 });
    expect((await batches.recordedBatches(destination.id)).map((batch) => batch.sourceId)).toEqual([a, b].sort());
    await batches.clearBatch(destination.id, b);
    expect(await batches.recordedBatch(destination.id, b)).toBeUndefined();

    await plane.store.close();
    opened.splice(opened.indexOf(plane), 1);
    const reopened = await openControlPlane(sqliteDialect(plane.database.description.replace(/^sqlite /, '')));
    opened.push(reopened);
    expect(await new SqlBatchStore(reopened.database).recordedBatch(destination.id, a)).toMatchObject({ firstOffset: big, endOffset: big + 10 });
    await new SqlDestinationStore(reopened.database).deleteDestination(destination.id);
    expect(await new SqlBatchStore(reopened.database).recordedBatches(destination.id)).toEqual([]);
  });
});
