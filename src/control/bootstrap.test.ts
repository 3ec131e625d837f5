import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapIfEmpty, describeBootstrap, type BootstrapContext } from './bootstrap.js';
import { openMetadataStore, type MetadataStore } from './index.js';
import { verifyPassword } from './passwords.js';

const opened: MetadataStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

async function freshStore(): Promise<{ store: MetadataStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bootstrap-'));
  const store = await openMetadataStore(dataDir);
  opened.push(store);
  return { store, dataDir };
}

describe('bootstrapIfEmpty', () => {
  it('creates the default workspace, owner and source from the given credentials', async () => {
    const { store, dataDir } = await freshStore();
    const seen: BootstrapContext[] = [];
    const result = await bootstrapIfEmpty(store, { adminEmail: 'ops@example.com', adminPassword: 's3cret-pass', dataDir }, [
      async (context) => {
        seen.push(context);
      },
    ]);
    expect(result).toBeDefined();
    expect(result!.generatedPassword).toBeUndefined();
    expect(result!.workspace.slug).toBe('default');
    expect(result!.source.name).toBe('default');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.source.id).toBe(result!.source.id);

    const credentials = await store.findCredentials('ops@example.com');
    expect(credentials!.passwordHash).toMatch(/^\$2b\$12\$/);
    expect(credentials!.passwordHash).not.toContain('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', credentials!.passwordHash)).toBe(true);
    expect(await store.membershipsOf(credentials!.user.id)).toEqual([{ workspace: result!.workspace, role: 'owner', sourceIds: [] }]);
    expect(store.sourceDirectory.lookup(result!.source.writeKey)?.sourceId).toBe(result!.source.id);
    expect(describeBootstrap(result!)).not.toContain('s3cret-pass');
    expect(describeBootstrap(result!)).toContain(result!.source.writeKey);
  });

  it('generates a password when none is given, and only returns it', async () => {
    const { store, dataDir } = await freshStore();
    const result = await bootstrapIfEmpty(store, { adminEmail: 'admin@localhost', dataDir });
    expect(result!.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
    const credentials = await store.findCredentials('admin@localhost');
    expect(credentials!.passwordHash).toMatch(/^\$2b\$12\$/);
    expect(await verifyPassword(result!.generatedPassword!, credentials!.passwordHash)).toBe(true);
    expect(describeBootstrap(result!)).toContain(result!.generatedPassword);
  });

  it('does nothing on a second start', async () => {
    const { store, dataDir } = await freshStore();
    const first = await bootstrapIfEmpty(store, { adminEmail: 'admin@localhost', adminPassword: 'pw-one', dataDir });
    let stepRan = false;
    const second = await bootstrapIfEmpty(store, { adminEmail: 'other@localhost', adminPassword: 'pw-two', dataDir }, [
      async () => {
        stepRan = true;
      },
    ]);
    expect(second).toBeUndefined();
    expect(stepRan).toBe(false);
    expect(await store.findCredentials('other@localhost')).toBeUndefined();
    expect(await store.listSources(first!.workspace.id)).toHaveLength(1);
  });
});
