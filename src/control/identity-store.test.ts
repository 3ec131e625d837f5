import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from './index.js';
import { identityStoreConformance } from './identity-store-conformance.js';
import { MemoryIdentityStore } from './identity-store-memory.js';
import { SqlIdentityStore } from './identity-store-sql.js';
import { hashSessionToken } from './ids.js';

let dataDir: string;
let plane: OpenedControlPlane;
let sql: SqlIdentityStore;
let memory: MemoryIdentityStore;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-identity-'));
  plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  sql = new SqlIdentityStore(plane.database);
  memory = new MemoryIdentityStore(plane.store);
});

afterAll(async () => {
  await plane.store.close();
});

identityStoreConformance('SQL (SQLite)', () => ({ metadata: plane.store, identity: sql }));
identityStoreConformance('memory', () => ({ metadata: plane.store, identity: memory }));

describe('SqlIdentityStore on disk', () => {
  it('writes the token hash, never the token, to the database file', async () => {
    const workspace = await plane.store.createWorkspace({ slug: 'disk-check', name: 'D' });
    const user = await plane.store.createUser({ email: 'disk@example.com', passwordHash: 'x' });
    const token = 'slt_ThisIsTheClearTokenThatMustNeverBeStored01';
    await sql.createApiToken({ userId: user.id, workspaceId: workspace.id, name: 'n', role: 'owner', scope: 'personal', tokenHash: hashSessionToken(token), expiresAt: undefined });
    await plane.store.close();
    const bytes = Buffer.concat(
      await Promise.all(['', '-wal'].map((suffix) => readFile(metadataFileOf(dataDir) + suffix).catch(() => Buffer.alloc(0)))),
    );
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(bytes.includes(Buffer.from(hashSessionToken(token)))).toBe(true);
    plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  });
});
