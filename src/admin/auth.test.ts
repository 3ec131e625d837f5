import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '../control/index.js';
import { identityTestApp, type IdentityTestApp } from './auth-test-support.js';
import { lesserRole, narrowToToken } from './auth-guard.js';

let t: IdentityTestApp;
let home: Workspace;
const TTL_SECONDS = 3600;

beforeAll(async () => {
  t = await identityTestApp({ sessionTtlSeconds: TTL_SECONDS, cleanupIntervalMs: 25 });
  home = await t.plane.store.createWorkspace({ slug: 'default', name: 'Default' });
  await t.addUser('owner@example.com', [{ workspace: home, role: 'owner' }]);
  await t.addUser('other@example.com', [{ workspace: home, role: 'read_only' }]);
});

afterAll(async () => {
  await t.close();
});

const whoami = (headers: Record<string, string>) => t.request({ method: 'GET', url: '/api/v1/whoami', headers });

describe('login and sessions', () => {
  it('logs in with the right password: token, user, session and an HttpOnly SameSite cookie', async () => {
    const response = await t.login('owner@example.com');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.user).toMatchObject({ email: 'owner@example.com' });
    expect(body.user.passwordHash).toBeUndefined();
    expect(body.session).toMatchObject({ mfaVerified: false });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toContain(`sluice_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toContain(`Max-Age=${TTL_SECONDS}`);
    expect(response.headers['cache-control']).toBe('no-store');

    const me = await whoami({ authorization: `Bearer ${body.token}` });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      email: 'owner@example.com',
      credential: { kind: 'session', sessionId: body.session.id, mfaVerified: false },
      memberships: [['default', 'owner']],
    });
  });

  it('answers 401 invalid_credentials for a wrong password and an unknown email alike', async () => {
    for (const response of [await t.login('owner@example.com', { password: 'wrong' }), await t.login('nobody@example.com')]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ success: false, code: 'invalid_credentials', message: 'The email or password is wrong.' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('answers 400 invalid_request for a malformed login body, and checks no password', async () => {
    for (const payload of [{ email: 'owner@example.com' }, { email: 'owner@example.com', password: 'x', admin: true }, { email: 7, password: 'x' }]) {
      const response = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ success: false, code: 'invalid_request' });
    }
    const broken = await t.request({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ success: false, code: 'invalid_request' });
  });

  it('refuses protected routes without a valid credential', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }, { authorization: 'Bearer slt_not-a-token' }, { authorization: 'Basic abc' }]) {
      const response = await whoami(headers as Record<string, string>);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ success: false, code: 'unauthenticated' });
    }
  });

  it('CSRF: the cookie alone authenticates reads; a cookie write needs X-Sluice-Csrf; bearer writes do not', async () => {
    const { token } = (await t.login('owner@example.com')).json();
    const cookie = `other=1; sluice_session=${token}`;
    expect((await whoami({ cookie })).statusCode).toBe(200);
    const forged = await t.request({ method: 'POST', url: '/api/v1/poke', headers: { cookie } });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ code: 'unauthenticated' });
    expect(forged.json().message).toMatch(/X-Sluice-Csrf/);
    expect((await t.request({ method: 'POST', url: '/api/v1/poke', headers: { cookie, 'x-sluice-csrf': '1' } })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/poke', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    // Revoking a session is a write too.
    const revoke = await t.request({ method: 'DELETE', url: '/api/v1/auth/sessions/whatever', headers: { cookie } });
    expect(revoke.statusCode).toBe(401);
  });

  it('logs out: the token stops working and the cookie is cleared', async () => {
    const headers = await t.bearer('owner@example.com');
    const response = await t.request({ method: 'POST', url: '/api/v1/auth/logout', headers });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await whoami(headers)).statusCode).toBe(401);
  });

  it('lists the caller’s own live sessions and revokes one; another user’s session is a 404', async () => {
    const first = await t.bearer('other@example.com');
    const second = (await t.login('other@example.com')).json();
    const secondHeaders = { authorization: `Bearer ${second.token}` };
    const listed = await t.request({ method: 'GET', url: '/api/v1/auth/sessions', headers: first });
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json().sessions as { id: string; current: boolean }[];
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    expect(JSON.stringify(listed.json())).not.toContain(second.token);

    const ownerHeaders = await t.bearer('owner@example.com');
    const foreign = await t.request({ method: 'DELETE', url: `/api/v1/auth/sessions/${second.session.id}`, headers: ownerHeaders });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'not_found' });
    expect((await whoami(secondHeaders)).statusCode).toBe(200);

    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/auth/sessions/${second.session.id}`, headers: first });
    expect(revoked.statusCode).toBe(200);
    const after = await whoami(secondHeaders);
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toMatch(/revoked/);
    expect((await whoami(first)).statusCode).toBe(200);
  });

  it('expires sessions after their lifetime, and the cleanup timer deletes them', async () => {
    const headers = await t.bearer('owner@example.com');
    t.advance(TTL_SECONDS - 1);
    expect((await whoami(headers)).statusCode).toBe(200);
    t.advance(1);
    const expired = await whoami(headers);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired/);
    // Every session made so far is now expired; the timer (every 25 ms here) removes their rows.
    const rows = () => t.plane.database.db.selectFrom('sessions').select('id').execute();
    await vi.waitFor(async () => expect(await rows()).toEqual([]), { timeout: 2000, interval: 20 });
  });

  it('declares every identity route, with its schema, in the OpenAPI document', async () => {
    const document = (await t.request({ method: 'GET', url: '/api/openapi.json' })).json();
    const paths = Object.keys(document.paths);
    for (const path of ['/auth/login', '/auth/logout', '/auth/sessions', '/auth/sessions/{id}', '/auth/mfa/totp', '/auth/mfa/totp/confirm', '/tokens', '/tokens/{id}', '/workspaces/{workspace}/tokens', '/workspaces/{workspace}/tokens/{tokenId}']) {
      expect(paths).toContain(`/api/v1${path}`);
    }
    expect(JSON.stringify(document.paths['/api/v1/auth/login'].post)).toContain('totp');
  });

  it('starts a TOTP enrolment with no body at all (the body is optional there)', async () => {
    const headers = await t.bearer('other@example.com');
    const response = await t.request({ method: 'POST', url: '/api/v1/auth/mfa/totp', headers });
    expect(response.statusCode).toBe(200);
    expect(response.json().secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('answers unknown admin routes with a JSON 404', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ success: false, code: 'not_found' });
  });
});

describe('API token role narrowing', () => {
  const workspace = (id: string) => ({ id, slug: id, name: id, createdAt: '' });
  it('takes the lesser role; read_only and source_collaborator are incomparable', () => {
    expect(lesserRole('owner', 'read_only')).toBe('read_only');
    expect(lesserRole('read_only', 'owner')).toBe('read_only');
    expect(lesserRole('source_collaborator', 'owner')).toBe('source_collaborator');
    expect(lesserRole('owner', 'owner')).toBe('owner');
    expect(lesserRole('read_only', 'source_collaborator')).toBeUndefined();
    expect(lesserRole('source_collaborator', 'read_only')).toBeUndefined();
  });

  it('keeps only the token’s workspace, at the lesser role, with the member’s sources for a collaborator', () => {
    const memberships = [
      { workspace: workspace('a'), role: 'source_collaborator' as const, sourceIds: ['s1'] },
      { workspace: workspace('b'), role: 'owner' as const, sourceIds: [] },
    ];
    expect(narrowToToken(memberships, { workspaceId: 'a', role: 'owner' })).toEqual([memberships[0]]);
    expect(narrowToToken(memberships, { workspaceId: 'b', role: 'read_only' })).toEqual([{ workspace: workspace('b'), role: 'read_only', sourceIds: [] }]);
    expect(narrowToToken(memberships, { workspaceId: 'a', role: 'read_only' })).toEqual([]);
    expect(narrowToToken(memberships, { workspaceId: 'c', role: 'owner' })).toEqual([]);
  });
});
