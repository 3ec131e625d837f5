import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityTestApp, type IdentityTestApp } from './auth-test-support.js';

let t: IdentityTestApp;

beforeAll(async () => {
  // trustProxy: addresses come from X-Forwarded-For when sent, else from the socket.
  t = await identityTestApp({ trustProxy: true, loginRateLimits: { perAccount: 3, perAddress: 5, windowSeconds: 60, maxTracked: 100 } });
  const workspace = await t.plane.store.createWorkspace({ slug: 'default', name: 'Default' });
  for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com']) await t.addUser(email, [{ workspace, role: 'owner' }]);
});

afterAll(async () => {
  await t.close();
});

const wrong = (email: string, address: string) => t.login(email, { password: 'wrong' }, address);

function expectThrottled(response: Awaited<ReturnType<IdentityTestApp['login']>>, retryAfter: number): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toMatchObject({ success: false, code: 'too_many_login_attempts' });
  expect(response.headers['retry-after']).toBe(String(retryAfter));
  expect(response.headers['set-cookie']).toBeUndefined();
}

describe('login rate limiting', () => {
  it('per account: after 3 failures even the right password answers 429 from any address, until the window passes', async () => {
    for (let i = 0; i < 3; i++) expect((await wrong('alice@example.com', `10.0.0.${i}`)).statusCode).toBe(401);
    t.advance(10);
    expectThrottled(await t.login('ALICE@example.com', {}, '10.0.9.9'), 50);
    expect((await t.login('bob@example.com', {}, '10.0.9.9')).statusCode).toBe(200);
    t.advance(50);
    expect((await t.login('alice@example.com', {}, '10.0.9.9')).statusCode).toBe(200);
  });

  it('per address: failures across accounts add up; a success elsewhere does not reset the address', async () => {
    t.advance(120);
    const address = '192.0.2.7';
    await wrong('nobody-1@example.com', address);
    await wrong('nobody-2@example.com', address);
    expect((await t.login('carol@example.com', {}, address)).statusCode).toBe(200); // success: no reset
    await wrong('nobody-3@example.com', address);
    await wrong('bob@example.com', address);
    await wrong('nobody-4@example.com', address);
    t.advance(1);
    expectThrottled(await t.login('carol@example.com', {}, address), 59);
    expect((await t.login('carol@example.com', {}, '192.0.2.8')).statusCode).toBe(200);
  });

  it('behind a trusted proxy, counts the forwarded client address, not the proxy’s', async () => {
    t.advance(120);
    // A different (unknown) account each time, so only the address budget is at stake.
    const viaProxy = (client: string, attempt: number) =>
      t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.1.1.1',
        headers: { 'x-forwarded-for': `${client}, 10.1.1.1` },
        payload: { email: `guess-${attempt}@example.com`, password: 'wrong' },
      });
    for (let i = 0; i < 5; i++) expect((await viaProxy('198.51.100.1', i)).statusCode).toBe(401);
    expect((await viaProxy('198.51.100.1', 5)).statusCode).toBe(429);
    expect((await viaProxy('198.51.100.2', 6)).statusCode).toBe(401); // another client behind the same proxy
  });
});
