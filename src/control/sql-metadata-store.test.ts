import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metadataFileOf, openMetadataStore, type MetadataStore } from './index.js';
import { describeMetadataStoreConformance } from './metadata-store-conformance.js';

// Which data directory each open store lives in, so `reopen` can open the same file again.
const dataDirs = new WeakMap<MetadataStore, string>();

describeMetadataStoreConformance('SQLite (better-sqlite3)', {
  async create() {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-store-'));
    const store = await openMetadataStore(dataDir);
    dataDirs.set(store, dataDir);
    return store;
  },
  async reopen(store) {
    const dataDir = dataDirs.get(store)!;
    await store.close();
    const reopened = await openMetadataStore(dataDir);
    dataDirs.set(reopened, dataDir);
    return reopened;
  },
});

describe('SQLite metadata store', () => {
  it('creates and migrates <dataDir>/metadata.sqlite in an empty directory, and migrates again as a no-op', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-store-')), 'not-yet-there');
    const store = await openMetadataStore(dataDir);
    expect(metadataFileOf(dataDir)).toBe(join(dataDir, 'metadata.sqlite'));
    expect(await store.isEmpty()).toBe(true);
    await store.createWorkspace({ slug: 'kept', name: 'Kept' });
    await store.close();
    const again = await openMetadataStore(dataDir);
    expect(await again.findWorkspaceBySlug('kept')).toMatchObject({ slug: 'kept' });
    await again.close();
  });
});
