import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../control/index.js';
import { SqlAuditStore } from '../control/audit-store.js';
import { hashSessionToken } from '../control/ids.js';
import { identityTestApp, type IdentityTestApp } from './auth-test-support.js';
import { newApiToken } from './tokens-format.js';

let t: IdentityTestApp;
let alpha: Workspace;
let beta: Workspace;
let strict: Workspace;
let owner: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  t = await identityTestApp({
    // Stands in for the workspace routes' MFA lookup: only "strict" requires a second factor.
    routes: [(api) => api.adminAuthorization.useWorkspaceMfa(async (workspaceId) => workspaceId === strict.id)],
  });
  alpha = await t.plane.store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  beta = await t.plane.store.createWorkspace({ slug: 'beta', name: 'Beta' });
  strict = await t.plane.store.createWorkspace({ slug: 'strict', name: 'Strict' });
  await t.addUser('owner@example.com', [
    { workspace: alpha, role: 'owner' },
    { workspace: beta, role: 'owner' },
    { workspace: strict, role: 'owner' },
  ]);
  await t.addUser('reader@example.com', [{ workspace: alpha, role: 'read_only' }]);
  owner = await t.bearer('owner@example.com');
  reader = await t.bearer('reader@example.com');
});

afterAll(async () => {
  await t.close();
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API tokens', () => {
  it('have the slt_ + 43 base62 format and are all different', () => {
    const tokens = new Set(Array.from({ length: 50 }, newApiToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^slt_[0-9A-Za-z]{43}$/);
  });

  it('personal: shown once, stored as SHA-256 only, scoped to one workspace at the lesser role', async () => {
    const created = await call('POST', '/tokens', owner, { name: 'deploy', workspace: 'alpha', role: 'read_only', expiresInDays: 30 });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'deploy', workspace: 'alpha', role: 'read_only', scope: 'personal', lastUsedAt: null });
    expect(body.token).toMatch(/^slt_[0-9A-Za-z]{43}$/);
    expect(created.headers['cache-control']).toBe('no-store');

    const listed = await call('GET', '/tokens', owner);
    expect(listed.json().tokens.map((token: { id: string }) => token.id)).toContain(body.id);
    expect(listed.body).not.toContain(body.token);
    const rows = await t.plane.database.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(body.token);
    expect(rows.find((row) => row.id === body.id)?.token_hash).toBe(hashSessionToken(body.token));

    const me = await call('GET', '/whoami', bearer(body.token));
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      email: 'owner@example.com',
      credential: { kind: 'api_token', tokenId: body.id, workspaceId: alpha.id, role: 'read_only' },
      memberships: [['alpha', 'read_only']],
    });
    expect((await call('GET', '/workspaces/alpha/probe', bearer(body.token))).statusCode).toBe(200);
    expect((await call('POST', '/workspaces/alpha/probe', bearer(body.token))).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('GET', '/workspaces/beta/probe', bearer(body.token))).statusCode).toBe(404);
  });

  it('updates lastUsedAt at most once a minute', async () => {
    const { token, id } = (await call('POST', '/tokens', owner, { name: 'poller', workspace: 'alpha', role: 'owner' })).json();
    const lastUsed = async () => (await t.identity.findApiTokenById(id))?.lastUsedAt;
    await call('GET', '/whoami', bearer(token));
    const first = await lastUsed();
    expect(first).toBe(t.clock.toISOString());
    t.advance(30);
    await call('GET', '/whoami', bearer(token));
    expect(await lastUsed()).toBe(first);
    t.advance(31);
    await call('GET', '/whoami', bearer(token));
    expect(await lastUsed()).toBe(t.clock.toISOString());
    const shown = (await call('GET', '/tokens', owner)).json().tokens.find((entry: { id: string }) => entry.id === id);
    expect(shown.lastUsedAt).toBe(t.clock.toISOString());
  });

  it('revoked and expired tokens answer 401', async () => {
    const revokedToken = (await call('POST', '/tokens', owner, { name: 'r', workspace: 'alpha', role: 'owner' })).json();
    expect((await call('DELETE', `/tokens/${revokedToken.id}`, reader)).statusCode).toBe(404); // not the reader's
    expect((await call('DELETE', `/tokens/${revokedToken.id}`, owner)).json()).toEqual({ success: true });
    expect((await call('GET', '/whoami', bearer(revokedToken.token))).json()).toMatchObject({ code: 'unauthenticated' });

    const expiring = (await call('POST', '/tokens', owner, { name: 'e', workspace: 'alpha', role: 'owner', expiresInDays: 1 })).json();
    t.advance(86_400 - 1);
    expect((await call('GET', '/whoami', bearer(expiring.token))).statusCode).toBe(200);
    owner = await t.bearer('owner@example.com');
    reader = await t.bearer('reader@example.com');
    t.advance(1);
    expect((await call('GET', '/whoami', bearer(expiring.token))).statusCode).toBe(401);
  });

  it('cannot exceed the creator’s role, cannot mint tokens, and needs an MFA session where the workspace requires it', async () => {
    const escalate = await call('POST', '/tokens', reader, { name: 'x', workspace: 'alpha', role: 'owner' });
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json()).toMatchObject({ code: 'forbidden' });
    expect((await call('POST', '/tokens', reader, { name: 'x', workspace: 'beta', role: 'read_only' })).statusCode).toBe(404);

    const { token } = (await call('POST', '/tokens', owner, { name: 'mint', workspace: 'alpha', role: 'owner' })).json();
    expect((await call('POST', '/tokens', bearer(token), { name: 'child', workspace: 'alpha', role: 'owner' })).statusCode).toBe(403);
    expect((await call('POST', '/workspaces/alpha/tokens', bearer(token), { name: 'child', role: 'owner' })).statusCode).toBe(403);

    const strictToken = await call('POST', '/tokens', owner, { name: 's', workspace: 'strict', role: 'owner' });
    expect(strictToken.statusCode).toBe(403);
    expect(strictToken.json()).toMatchObject({ code: 'mfa_required' });
    expect((await call('POST', '/workspaces/strict/tokens', owner, { name: 's', role: 'owner' })).json()).toMatchObject({ code: 'mfa_required' });
  });

  it('workspace tokens: owners create, list every token of the workspace and revoke any; others cannot', async () => {
    const readerToken = (await call('POST', '/tokens', reader, { name: 'mine', workspace: 'alpha' })).json();
    expect(readerToken.role).toBe('read_only'); // omitted: the creator's own role
    const created = await call('POST', '/workspaces/alpha/tokens', owner, { name: 'ci', role: 'source_collaborator' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ scope: 'workspace', role: 'source_collaborator', workspace: 'alpha' });

    const listed = (await call('GET', '/workspaces/alpha/tokens', owner)).json().tokens as { id: string; token?: string }[];
    expect(listed.map((token) => token.id)).toEqual(expect.arrayContaining([readerToken.id, created.json().id]));
    expect(listed.every((token) => token.token === undefined)).toBe(true);
    expect((await call('GET', '/workspaces/beta/tokens', owner)).json().tokens.map((token: { id: string }) => token.id)).not.toContain(readerToken.id);

    expect((await call('GET', '/workspaces/alpha/tokens', reader)).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('GET', '/workspaces/beta/tokens', reader)).statusCode).toBe(404);
    expect((await call('DELETE', `/workspaces/alpha/tokens/${created.json().id}`, reader)).statusCode).toBe(404);
    expect((await call('DELETE', `/workspaces/beta/tokens/${readerToken.id}`, owner)).statusCode).toBe(404); // wrong workspace

    expect((await call('DELETE', `/workspaces/alpha/tokens/${readerToken.id}`, owner)).statusCode).toBe(200);
    expect((await call('GET', '/whoami', bearer(readerToken.token))).statusCode).toBe(401);
  });

  it('audits creation and revocation, with no token in any entry', async () => {
    const entries = await new SqlAuditStore(t.plane.database).list({ workspaceId: alpha.id, limit: 100 });
    expect(entries.filter((entry) => entry.action === 'token.create').length).toBeGreaterThanOrEqual(5);
    expect(entries.filter((entry) => entry.action === 'token.revoke').length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(entries)).not.toMatch(/slt_[0-9A-Za-z]{43}/);
  });

  it('rejects bad input with 400 invalid_request and creates nothing', async () => {
    const before = (await t.plane.database.db.selectFrom('api_tokens').select('id').execute()).length;
    const bodies: unknown[] = [
      {},
      { name: 'x', role: 'owner' },
      { name: 'x', workspace: 'alpha', role: 'admin' },
      { name: 'x', workspace: 'alpha', role: 'owner', expiresInDays: 0 },
      { name: 'x', workspace: 'alpha', role: 'owner', expiresInDays: '5' },
      { name: 'x', workspace: 'alpha', role: 'owner', scope: 'workspace' },
      { name: "'; DROP TABLE api_tokens; --", workspace: "alpha' OR '1'='1", role: 'owner' },
      { name: 'x'.repeat(201), workspace: 'alpha', role: 'owner' },
      [],
    ];
    for (const payload of bodies) {
      const response = await call('POST', '/tokens', owner, payload);
      expect([400, 404]).toContain(response.statusCode);
      expect(['invalid_request', 'not_found']).toContain(response.json().code);
    }
    const broken = await t.request({ method: 'POST', url: '/api/v1/tokens', headers: { ...owner, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(broken.json()).toMatchObject({ code: 'invalid_request' });
    expect((await call('POST', '/workspaces/alpha/tokens', owner, { name: 'x', role: 'owner', workspace: 'alpha' })).json()).toMatchObject({ code: 'invalid_request' });
    expect((await t.plane.database.db.selectFrom('api_tokens').select('id').execute()).length).toBe(before);
  });
});
