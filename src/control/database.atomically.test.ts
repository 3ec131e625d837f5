/**
 * `ControlDatabase.atomically` over the real SQLite store: the stores' queries made inside it commit
 * or roll back together, nested calls join, post-commit effects run only after a commit, queries from
 * elsewhere wait for the transaction instead of seeing its rows (or deadlocking), work that outlives a
 * transaction falls back to the shared connection, and promises are tracked only while one is open.
 */
import { executionAsyncId } from 'node:async_hooks';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlAuditStore, type NewAuditEntry } from './audit-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane, type Workspace } from './index.js';

const opened: OpenedControlPlane[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((plane) => plane.store.close()));
});

async function fresh(): Promise<{ plane: OpenedControlPlane; workspace: Workspace; audit: SqlAuditStore }> {
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(await mkdtemp(join(tmpdir(), 'sluice-atomically-')))));
  opened.push(plane);
  const workspace = await plane.store.createWorkspace({ slug: 'acme', name: 'Acme' });
  return { plane, workspace, audit: new SqlAuditStore(plane.database) };
}

const entry = (workspaceId: string, id: string): NewAuditEntry => ({
  workspaceId,
  actor: { kind: 'system', userId: null, email: null },
  action: 'source.create',
  resource: { type: 'source', id },
  ip: null,
});

class Planned extends Error {}

/**
 * The async id a promise continuation runs under: 0 unless promise hooks are on (which an enabled
 * AsyncLocalStorage turns on in Node 20, making every await cost more).
 */
async function promiseContinuationAsyncId(): Promise<number> {
  await null;
  return executionAsyncId();
}

describe('ControlDatabase.atomically', () => {
  it("commits one store's change and another's entry together, or neither", async () => {
    const { plane, workspace, audit } = await fresh();
    const kept = await audit.atomically(async () => {
      const source = await plane.store.createSource({ workspaceId: workspace.id, name: 'kept' });
      await audit.append(entry(workspace.id, source.id));
      return source;
    });
    await expect(
      audit.atomically(async () => {
        const source = await plane.store.createSource({ workspaceId: workspace.id, name: 'undone' });
        await audit.append(entry(workspace.id, source.id));
        throw new Planned();
      }),
    ).rejects.toBeInstanceOf(Planned);

    expect((await plane.store.listSources(workspace.id)).map((source) => source.name)).toEqual(['kept']);
    expect((await audit.list({ workspaceId: workspace.id, limit: 10 })).map((logged) => logged.resource.id)).toEqual([kept.id]);
  });

  it('joins an enclosing transaction: what the inner call wrote goes when the outer one fails', async () => {
    const { plane, workspace } = await fresh();
    await expect(
      plane.database.atomically(async () => {
        await plane.database.atomically(() => plane.store.createSource({ workspaceId: workspace.id, name: 'inner' }));
        await plane.store.transaction((store) => store.createSource({ workspaceId: workspace.id, name: 'inner-store' }));
        throw new Planned();
      }),
    ).rejects.toBeInstanceOf(Planned);
    expect(await plane.store.listSources(workspace.id)).toEqual([]);
  });

  it('runs post-commit effects after the commit, once each, and never after a rollback', async () => {
    const { plane } = await fresh();
    const seen: string[] = [];
    const effect = async () => {
      seen.push('effect');
    };
    await plane.database.atomically(async () => {
      await plane.database.afterCommit(effect);
      await plane.database.afterCommit(effect);
      seen.push('work done');
    });
    expect(seen).toEqual(['work done', 'effect']);

    seen.length = 0;
    await expect(
      plane.database.atomically(async () => {
        await plane.database.afterCommit(effect);
        throw new Planned();
      }),
    ).rejects.toBeInstanceOf(Planned);
    expect(seen).toEqual([]);

    await plane.database.afterCommit(effect); // outside any transaction: at once
    expect(seen).toEqual(['effect']);
  });

  it('makes a query from elsewhere wait for the transaction, then see only what it committed', async () => {
    const { plane, workspace } = await fresh();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = plane.database.atomically(async () => {
      await plane.store.createSource({ workspaceId: workspace.id, name: 'pending' });
      inserted();
      await gate;
    });
    await insertedYet;

    let outside: string[] | undefined;
    const query = plane.store.listSources(workspace.id).then((sources) => (outside = sources.map((source) => source.name)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outside).toBeUndefined(); // still waiting for the connection the transaction holds

    release();
    await transaction;
    await query;
    expect(outside).toEqual(['pending']);
  });

  it('gives work that outlives its transaction the shared connection (no hang, no closed transaction)', async () => {
    const { plane, workspace } = await fresh();
    let late!: Promise<string[]>;
    await plane.database.atomically(async () => {
      await plane.store.createSource({ workspaceId: workspace.id, name: 'first' });
      late = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(async () => {
        await plane.store.createSource({ workspaceId: workspace.id, name: 'late' });
        return (await plane.store.listSources(workspace.id)).map((source) => source.name);
      });
    });
    expect((await late).sort()).toEqual(['first', 'late']);
  });

  it('never lets the Tracking API resolve the write key of a source that was rolled back', async () => {
    const { plane, workspace } = await fresh();
    let undoneKey = '';
    await expect(
      plane.database.atomically(async () => {
        undoneKey = (await plane.store.createSource({ workspaceId: workspace.id, name: 'undone' })).writeKey;
        // Inside the transaction the cache has not been reloaded yet either.
        expect(plane.store.sourceDirectory.lookup(undoneKey)).toBeUndefined();
        throw new Planned();
      }),
    ).rejects.toBeInstanceOf(Planned);
    expect(plane.store.sourceDirectory.lookup(undoneKey)).toBeUndefined();

    const committed = await plane.database.atomically(() => plane.store.createSource({ workspaceId: workspace.id, name: 'committed' }));
    expect(plane.store.sourceDirectory.lookup(committed.writeKey)).toMatchObject({ sourceId: committed.id, enabled: true });
  });

  it('tracks promises only while a transaction is open (the ingest path pays nothing afterwards)', async () => {
    const { plane, workspace } = await fresh();
    expect(await promiseContinuationAsyncId()).toBe(0);
    let inside = 0;
    await plane.database.atomically(async () => {
      await plane.store.createSource({ workspaceId: workspace.id, name: 'tracked' });
      inside = await promiseContinuationAsyncId();
    });
    expect(inside).toBeGreaterThan(0);
    expect(await promiseContinuationAsyncId()).toBe(0);

    await expect(plane.database.atomically(() => Promise.reject(new Planned()))).rejects.toBeInstanceOf(Planned);
    expect(await promiseContinuationAsyncId()).toBe(0);
  });
});
