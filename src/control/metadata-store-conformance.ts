/**
 * The MetadataStore conformance suite (STYLE 11): every implementation (SQLite now, PostgreSQL later)
 * runs these tests unchanged through the `MetadataStore` interface only:
 * `describeMetadataStoreConformance('SQLite', harness)`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';

export interface MetadataStoreHarness {
  /** A fresh, empty, migrated store. */
  create(): Promise<MetadataStore>;
  /** Closes `store` and opens the same database again. */
  reopen(store: MetadataStore): Promise<MetadataStore>;
}

export function describeMetadataStoreConformance(name: string, harness: MetadataStoreHarness): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    const opened: MetadataStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const freshStore = async (): Promise<{ store: MetadataStore }> => {
      const store = await harness.create();
      opened.push(store);
      return { store };
    };
    const workspaceWithUser = async (store: MetadataStore) => {
      const workspace = await store.createWorkspace({ slug: 'acme', name: 'Acme' });
      const user = await store.createUser({ email: 'Owner@Example.com', passwordHash: '$2b$12$notarealhash' });
      return { workspace, user };
    };

    it('starts empty and reachable', async () => {
      const { store } = await freshStore();
      expect(await store.isEmpty()).toBe(true);
      expect(await store.isReachable()).toBe(true);
    });

    it('creates workspaces, users and memberships', async () => {
      const { store } = await freshStore();
      const { workspace, user } = await workspaceWithUser(store);
      expect(await store.isEmpty()).toBe(false);
      expect(await store.findWorkspaceBySlug('acme')).toEqual(workspace);
      expect(user.email).toBe('owner@example.com');
      expect(await store.findUser(user.id)).toEqual(user);
      expect(await store.findCredentials('OWNER@example.com ')).toEqual({ user, passwordHash: '$2b$12$notarealhash' });
      expect(await store.findCredentials('nobody@example.com')).toBeUndefined();
      await expect(store.createUser({ email: 'owner@EXAMPLE.com', passwordHash: 'x' })).rejects.toThrow(/unique/i); // SQLite: UNIQUE constraint failed; PostgreSQL: violates unique constraint

      const source = await store.createSource({ workspaceId: workspace.id, name: 'web' });
      const collaborator = await store.createUser({ email: 'c@example.com', passwordHash: 'x' });
      await store.addMember({ workspaceId: workspace.id, userId: user.id, role: 'owner' });
      await store.addMember({ workspaceId: workspace.id, userId: collaborator.id, role: 'source_collaborator', sourceIds: [source.id] });
      expect(await store.membershipsOf(user.id)).toEqual([{ workspace, role: 'owner', sourceIds: [] }]);
      expect(await store.membershipsOf(collaborator.id)).toEqual([{ workspace, role: 'source_collaborator', sourceIds: [source.id] }]);
    });

    it('creates, lists, updates, rotates and deletes sources, keeping the write-key cache in step', async () => {
      const { store } = await freshStore();
      const { workspace } = await workspaceWithUser(store);
      const source = await store.createSource({ workspaceId: workspace.id, name: 'web' });
      expect(source.id).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(source.writeKey).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(source.enabled).toBe(true);
      expect(store.sourceDirectory.lookup(source.writeKey)).toEqual({ sourceId: source.id, workspaceId: workspace.id, enabled: true });

      const disabled = await store.updateSource(source.id, { enabled: false, name: 'website' });
      expect(disabled).toMatchObject({ name: 'website', enabled: false, writeKey: source.writeKey });
      expect(store.sourceDirectory.lookup(source.writeKey)?.enabled).toBe(false);

      const rotated = await store.rotateWriteKey(source.id);
      expect(rotated!.writeKey).not.toBe(source.writeKey);
      expect(store.sourceDirectory.lookup(source.writeKey)).toBeUndefined();
      expect(store.sourceDirectory.lookup(rotated!.writeKey)?.sourceId).toBe(source.id);

      const second = await store.createSource({ workspaceId: workspace.id, name: 'ios' });
      expect((await store.listSources(workspace.id)).map((s) => s.name)).toEqual(['website', 'ios']);
      expect(await store.deleteSource(source.id)).toBe(true);
      expect(await store.deleteSource(source.id)).toBe(false);
      expect(store.sourceDirectory.lookup(rotated!.writeKey)).toBeUndefined();
      expect(store.sourceDirectory.lookup(second.writeKey)?.sourceId).toBe(second.id);
      expect(await store.updateSource('missing', { name: 'x' })).toBeUndefined();
      expect(await store.rotateWriteKey('missing')).toBeUndefined();
    });

    it('gives every source a distinct write key, enforced by the database', async () => {
      const { store } = await freshStore();
      const { workspace } = await workspaceWithUser(store);
      const sources = await Promise.all(Array.from({ length: 50 }, (_, i) => store.createSource({ workspaceId: workspace.id, name: `s${i}` })));
      expect(new Set(sources.map((source) => source.writeKey)).size).toBe(50);
      expect(new Set(sources.map((source) => source.id)).size).toBe(50);
    });

    it('rolls a transaction back whole and leaves the cache untouched', async () => {
      const { store } = await freshStore();
      const { workspace } = await workspaceWithUser(store);
      let writeKey = '';
      await expect(
        store.transaction(async (tx) => {
          writeKey = (await tx.createSource({ workspaceId: workspace.id, name: 'doomed' })).writeKey;
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.listSources(workspace.id)).toEqual([]);
      expect(store.sourceDirectory.lookup(writeKey)).toBeUndefined();

      const committed = await store.transaction((tx) => tx.createSource({ workspaceId: workspace.id, name: 'kept' }));
      expect(store.sourceDirectory.lookup(committed.writeKey)?.sourceId).toBe(committed.id);
    });

    it('keeps everything across a reopen, cache included', async () => {
      const { store } = await freshStore();
      const { workspace } = await workspaceWithUser(store);
      const source = await store.createSource({ workspaceId: workspace.id, name: 'web' });
      opened.splice(opened.indexOf(store), 1);
      const reopened = await harness.reopen(store);
      opened.push(reopened);
      expect(await reopened.findSource(source.id)).toEqual(source);
      expect(reopened.sourceDirectory.lookup(source.writeKey)?.sourceId).toBe(source.id);
    });
  });
}
