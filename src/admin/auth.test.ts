import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../control/index.js';
import { hashPassword } from '../control/passwords.js';
import { adminPlugin, requireAuth } from './index.js';

let store: MetadataStore;
let app: FastifyInstance;
let clock = new Date('2030-01-01T00:00:00Z');
const TTL_SECONDS = 3600;

beforeAll(async () => {
  store = await openMetadataStore(await mkdtemp(join(tmpdir(), 'sluice-auth-')));
  const workspace = await store.createWorkspace({ slug: 'default', name: 'Default' });
  const user = await store.createUser({ email: 'owner@example.com', passwordHash: await hashPassword('right-password') });
  await store.addMember({ workspaceId: workspace.id, userId: user.id, role: 'owner' });
  app = Fastify();
  await app.register(adminPlugin, {
    store,
    sessionTtlSeconds: TTL_SECONDS,
    secureCookies: false,
    now: () => clock,
    routes: [
      (api) => {
        api.get('/whoami', async (request) => {
          const auth = requireAuth(request);
          return { email: auth.user.email, roles: auth.memberships.map((m) => [m.workspace.slug, m.role]) };
        });
        api.post('/poke', async () => ({ poked: true }));
      },
    ],
  });
});

afterAll(async () => {
  await app.close();
  await store.close();
});

async function login(email = 'owner@example.com', password = 'right-password') {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

describe('admin auth', () => {
  it('logs in with the right password: token, user and an HttpOnly SameSite cookie', async () => {
    const response = await login();
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.user).toMatchObject({ email: 'owner@example.com' });
    expect(body.user.passwordHash).toBeUndefined();
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toContain(`sluice_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toContain(`Max-Age=${TTL_SECONDS}`);

    const whoami = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ${body.token}` } });
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json()).toEqual({ email: 'owner@example.com', roles: [['default', 'owner']] });
  });

  it('answers 401 invalid_credentials for a wrong password and an unknown email alike', async () => {
    for (const response of [await login('owner@example.com', 'wrong'), await login('nobody@example.com', 'right-password')]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ success: false, code: 'invalid_credentials', message: 'The email or password is wrong.' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('answers 400 invalid_request for a malformed login body', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'owner@example.com' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ success: false, code: 'invalid_request' });
    const broken = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ success: false, code: 'invalid_request' });
  });

  it('refuses protected routes without a valid token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }, { authorization: 'Basic abc' }]) {
      const response = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ success: false, code: 'unauthenticated' });
    }
  });

  it('accepts the cookie for reads, and for writes only with the CSRF header', async () => {
    const { token } = (await login()).json();
    const cookie = `other=1; sluice_session=${token}`;
    expect((await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } })).statusCode).toBe(200);
    const forged = await app.inject({ method: 'POST', url: '/api/v1/poke', headers: { cookie } });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().message).toMatch(/X-Sluice-Csrf/);
    expect((await app.inject({ method: 'POST', url: '/api/v1/poke', headers: { cookie, 'x-sluice-csrf': '1' } })).statusCode).toBe(200);
  });

  it('logs out: the token stops working and the cookie is cleared', async () => {
    const { token } = (await login()).json();
    const authorization = `Bearer ${token}`;
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization } });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization } })).statusCode).toBe(401);
  });

  it('expires sessions after their lifetime', async () => {
    const { token } = (await login()).json();
    const authorization = `Bearer ${token}`;
    clock = new Date(clock.getTime() + TTL_SECONDS * 1000 - 1);
    expect((await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization } })).statusCode).toBe(200);
    clock = new Date(clock.getTime() + 1);
    const expired = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired/);
  });

  it('answers unknown admin routes with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ success: false, code: 'not_found' });
  });
});
