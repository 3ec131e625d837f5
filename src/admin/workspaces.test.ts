/**
 * Workspaces, sources and members through the admin API: shapes of DESIGN B4, the last owner guard,
 * source deletion reaching delivery and the write-key cache, and workspace isolation (nothing of
 * workspace B is visible or reachable from A, even for a user who belongs to both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, User, Workspace } from '../control/index.js';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

let t: AdminApiTestApp;
let alpha: Workspace;
let beta: Workspace;
let betaSource: Source;
let owner: User;
let both: User;
const tokens = { owner: '', betaOwner: '', both: '' };

beforeAll(async () => {
  t = await adminApiTestApp();
  alpha = await t.plane.store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  beta = await t.plane.store.createWorkspace({ slug: 'beta', name: 'Beta' });
  betaSource = await t.plane.store.createSource({ workspaceId: beta.id, name: 'beta-web' });
  owner = await t.addUser('owner@example.com', [{ workspace: alpha, role: 'owner' }]);
  await t.addUser('betaowner@example.com', [{ workspace: beta, role: 'owner' }]);
  both = await t.addUser('both@example.com', [
    { workspace: alpha, role: 'read_only' },
    { workspace: beta, role: 'source_collaborator', sourceIds: [betaSource.id] },
  ]);
  tokens.owner = await t.login('owner@example.com');
  tokens.betaOwner = await t.login('betaowner@example.com');
  tokens.both = await t.login('both@example.com');
});

afterAll(async () => {
  await t.close();
});

const api = (who: keyof typeof tokens, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown) => t.call(tokens[who], method, `/api/v1${path}`, payload);

describe('workspaces', () => {
  it('lists the caller’s workspaces with its role in each; a creator owns the new one; slugs are unique', async () => {
    const listed = (await api('both', 'GET', '/workspaces')).json<{ workspaces: { slug: string; role: string }[] }>().workspaces;
    expect(listed.map((workspace) => [workspace.slug, workspace.role])).toEqual([
      ['alpha', 'read_only'],
      ['beta', 'source_collaborator'],
    ]);
    const created = await api('both', 'POST', '/workspaces', { slug: 'gamma', name: 'Gamma' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'gamma', name: 'Gamma', requireMfa: false });
    expect((await api('both', 'GET', '/workspaces/gamma/members')).json().members).toEqual([expect.objectContaining({ userId: both.id, role: 'owner' })]);
    expect((await api('owner', 'POST', '/workspaces', { slug: 'gamma', name: 'Again' })).json()).toMatchObject({ code: 'workspace_exists' });
  });

  it('an API token lists only its workspace and cannot create another', async () => {
    const created = await api('owner', 'POST', '/workspaces/alpha/tokens', { name: 'ci', role: 'owner' });
    const apiToken = created.json<{ token: string }>().token;
    const listed = await t.call(apiToken, 'GET', '/api/v1/workspaces');
    expect(listed.json<{ workspaces: { slug: string }[] }>().workspaces.map((workspace) => workspace.slug)).toEqual(['alpha']);
    const refused = await t.call(apiToken, 'POST', '/api/v1/workspaces', { slug: 'minted', name: 'Minted' });
    expect({ status: refused.statusCode, code: refused.json().code }).toEqual({ status: 403, code: 'forbidden' });
    expect(await t.plane.store.findWorkspaceBySlug('minted')).toBeUndefined();
  });

  it('two creations racing for one slug: one 201, one 409 workspace_exists', async () => {
    const answers = await Promise.all([api('owner', 'POST', '/workspaces', { slug: 'race', name: 'A' }), api('both', 'POST', '/workspaces', { slug: 'race', name: 'B' })]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409]);
    expect(answers.find((answer) => answer.statusCode === 409)!.json()).toMatchObject({ code: 'workspace_exists' });
  });
});

describe('sources', () => {
  it('creates, reads, renames, disables, rotates and deletes with the B4 shapes; the write-key cache follows', async () => {
    const created = await api('owner', 'POST', '/workspaces/alpha/sources', { name: ' web ' });
    expect(created.statusCode).toBe(201);
    const source = created.json<Source>();
    expect(Object.keys(source).sort()).toEqual(['createdAt', 'enabled', 'id', 'name', 'writeKey']);
    expect(source).toMatchObject({ name: 'web', enabled: true });
    expect(t.plane.store.sourceDirectory.lookup(source.writeKey)).toMatchObject({ sourceId: source.id, enabled: true });

    const disabled = (await api('owner', 'PATCH', `/workspaces/alpha/sources/${source.id}`, { enabled: false })).json<Source>();
    expect(disabled).toMatchObject({ name: 'web', enabled: false });
    expect(t.plane.store.sourceDirectory.lookup(source.writeKey)).toMatchObject({ enabled: false });

    const rotated = (await api('owner', 'POST', `/workspaces/alpha/sources/${source.id}/rotate-write-key`)).json<Source>();
    expect(rotated.writeKey).not.toBe(source.writeKey);
    expect(t.plane.store.sourceDirectory.lookup(source.writeKey)).toBeUndefined();
    expect((await api('owner', 'GET', `/workspaces/alpha/sources/${source.id}`)).json()).toEqual(rotated);

    // Deleting a source takes it off its destinations, and delivery is told.
    const destination = (await api('owner', 'POST', '/workspaces/alpha/destinations', { type: 'fake', name: 'd', sourceIds: [source.id], settings: { name: 'del-1' } })).json<{ id: string }>();
    const told: string[] = [];
    const original = t.manager.destinationChanged.bind(t.manager);
    t.manager.destinationChanged = async (id, previous) => {
      told.push(id);
      return original(id, previous);
    };
    try {
      expect((await api('owner', 'DELETE', `/workspaces/alpha/sources/${source.id}`)).statusCode).toBe(204);
    } finally {
      t.manager.destinationChanged = original;
    }
    expect(told).toEqual([destination.id]);
    expect((await t.destinations.getDestination(destination.id))!.sourceIds).toEqual([]);
    expect(t.plane.store.sourceDirectory.lookup(rotated.writeKey)).toBeUndefined();
    expect((await api('owner', 'GET', `/workspaces/alpha/sources/${source.id}`)).statusCode).toBe(404);
  });
});

describe('members', () => {
  it('adds a new user (password hashed, never echoed) or an existing one, changes and removes members', async () => {
    const added = await api('owner', 'POST', '/workspaces/alpha/members', { email: 'New@Example.com', password: 'a-very-long-password', role: 'read_only' });
    expect(added.statusCode).toBe(201);
    expect(added.body).not.toContain('a-very-long-password');
    const member = added.json<{ userId: string }>();
    expect(member).toMatchObject({ email: 'new@example.com', role: 'read_only', sourceIds: [] });
    const stored = await t.plane.store.findCredentials('new@example.com');
    expect(stored!.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    expect((await api('owner', 'POST', '/workspaces/alpha/members', { email: 'new@example.com', role: 'owner' })).json()).toMatchObject({ code: 'member_exists' });

    // An existing user (of beta) joins alpha without a password; their beta role is untouched.
    const joined = await api('owner', 'POST', '/workspaces/alpha/members', { email: 'betaowner@example.com', role: 'source_collaborator', sourceIds: [] });
    expect(joined.statusCode).toBe(201);
    const betaMembers = (await api('betaOwner', 'GET', '/workspaces/beta/members')).json<{ members: { email: string; role: string }[] }>().members;
    expect(betaMembers.find((entry) => entry.email === 'betaowner@example.com')!.role).toBe('owner');

    const changed = await api('owner', 'PATCH', `/workspaces/alpha/members/${member.userId}`, { role: 'owner' });
    expect(changed.json()).toMatchObject({ role: 'owner' });
    expect((await api('owner', 'DELETE', `/workspaces/alpha/members/${member.userId}`)).statusCode).toBe(204);
    expect((await api('owner', 'GET', '/workspaces/alpha/members')).json().members.map((entry: { email: string }) => entry.email)).not.toContain('new@example.com');
  });

  it('never removes or demotes the last owner', async () => {
    const demote = await api('owner', 'PATCH', `/workspaces/alpha/members/${owner.id}`, { role: 'read_only' });
    expect({ status: demote.statusCode, code: demote.json().code }).toEqual({ status: 409, code: 'last_owner' });
    const remove = await api('owner', 'DELETE', `/workspaces/alpha/members/${owner.id}`);
    expect({ status: remove.statusCode, code: remove.json().code }).toEqual({ status: 409, code: 'last_owner' });
    expect((await t.members.findMember(alpha.id, owner.id))!.role).toBe('owner');
  });
});

describe('workspace isolation', () => {
  it('nothing of beta is visible or reachable from alpha, even for a member of both', async () => {
    const alphaSource = (await api('owner', 'POST', '/workspaces/alpha/sources', { name: 'alpha-only' })).json<Source>();
    const betaDestination = (await api('betaOwner', 'POST', '/workspaces/beta/destinations', { type: 'fake', name: 'bd', sourceIds: [betaSource.id], settings: { name: 'iso-b' } })).json<{ id: string }>();

    // Beta's ids asked for through alpha's paths: 404, never the resource.
    for (const path of [`/sources/${betaSource.id}`, `/destinations/${betaDestination.id}`, `/destinations/${betaDestination.id}/status`]) {
      expect((await api('owner', 'GET', `/workspaces/alpha${path}`)).statusCode).toBe(404);
      expect((await api('both', 'GET', `/workspaces/alpha${path}`)).statusCode).toBe(404);
    }
    expect((await api('owner', 'PATCH', `/workspaces/alpha/sources/${betaSource.id}`, { name: 'stolen' })).statusCode).toBe(404);
    expect((await api('owner', 'DELETE', `/workspaces/alpha/destinations/${betaDestination.id}`)).statusCode).toBe(404);
    const betaOwnerId = (await t.plane.store.findCredentials('betaowner@example.com'))!.user.id;
    expect((await api('betaOwner', 'PATCH', `/workspaces/beta/members/${owner.id}`, { role: 'owner' })).statusCode).toBe(404);
    // A destination in alpha cannot be connected to a source of beta.
    expect((await api('owner', 'POST', '/workspaces/alpha/destinations', { type: 'fake', name: 'x', sourceIds: [betaSource.id], settings: { name: 'x' } })).json()).toMatchObject({ code: 'unknown_source' });

    // Lists hold only their workspace's things.
    const alphaSources = (await api('owner', 'GET', '/workspaces/alpha/sources')).json<{ sources: Source[] }>().sources;
    expect(alphaSources.map((source) => source.id)).not.toContain(betaSource.id);
    const alphaDestinations = (await api('owner', 'GET', '/workspaces/alpha/destinations')).json<{ destinations: { id: string }[] }>().destinations;
    expect(alphaDestinations.map((destination) => destination.id)).not.toContain(betaDestination.id);
    const alphaMembers = (await api('owner', 'GET', '/workspaces/alpha/members')).json<{ members: { userId: string }[] }>().members;
    expect(alphaMembers.map((member) => member.userId)).toContain(betaOwnerId); // joined alpha in the members test
    const alphaAudit = JSON.stringify((await api('owner', 'GET', '/workspaces/alpha/audit-log?limit=500')).json());
    expect(alphaAudit).not.toContain(betaDestination.id);
    expect(alphaAudit).not.toContain(betaSource.id);
    const betaAudit = JSON.stringify((await api('betaOwner', 'GET', '/workspaces/beta/audit-log?limit=500')).json());
    expect(betaAudit).not.toContain(alphaSource.id);

    // The member of both sees alpha as read_only and beta only through its one source.
    const betaSeen = (await api('both', 'GET', '/workspaces/beta/sources')).json<{ sources: Source[] }>().sources;
    expect(betaSeen.map((source) => source.id)).toEqual([betaSource.id]);
    expect((await api('both', 'GET', '/workspaces/beta/members')).statusCode).toBe(403);
    expect((await api('both', 'GET', '/workspaces/alpha/members')).statusCode).toBe(200);
    // A workspace the caller does not belong to does not exist for it.
    expect((await api('owner', 'GET', '/workspaces/beta/sources')).json()).toMatchObject({ code: 'not_found' });
  });
});
