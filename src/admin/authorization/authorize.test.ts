/**
 * The layer's registration rule and policy table in isolation: an admin route that declares no access
 * cannot be registered; a declared resource type without a resolver is a loud 500, never an open door.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openMetadataStore, roles, type MetadataStore } from '../../control/index.js';
import { adminPlugin, type AdminRoutes } from '../index.js';
import { allows, permissions, policy } from './policy.js';

let store: MetadataStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function appWith(routes: AdminRoutes) {
  store = await openMetadataStore(await mkdtemp(join(tmpdir(), 'sluice-authorize-')));
  const app = Fastify();
  await app.register(adminPlugin, { store, sessionTtlSeconds: 60, secureCookies: false, routes: [routes] });
  return app;
}

describe('authorization layer', () => {
  it('refuses to register an admin route that declares no access', async () => {
    const registering = appWith((api) => {
      api.get('/workspaces/:workspace/forgotten', async () => ({ leaked: true }));
    });
    await expect(registering).rejects.toThrow(/GET \/api\/v1\/workspaces\/:workspace\/forgotten declares no access/);
  });

  it('accepts routes that declare access', async () => {
    const app = await appWith((api) => {
      api.get('/workspaces/:workspace/declared', { config: { access: { workspace: true, permission: 'sources:read' } } }, async () => ({ ok: true }));
    });
    await app.ready();
    expect((await app.inject({ method: 'GET', url: '/api/v1/workspaces/default/declared' })).statusCode).toBe(401);
    await app.close();
  });

  it('has a policy row for every role; owners hold every permission, read_only only reads and manages its own tokens', () => {
    expect(Object.keys(policy).sort()).toEqual([...roles].sort());
    for (const permission of permissions) expect(allows('owner', permission)).toBe(true);
    const readOnly = permissions.filter((permission) => allows('read_only', permission));
    expect(readOnly.every((permission) => permission.endsWith(':read') || permission === 'tokens:own')).toBe(true);
    expect(allows('source_collaborator', 'sources:create')).toBe(false);
    expect(allows('source_collaborator', 'members:read')).toBe(false);
  });
});
