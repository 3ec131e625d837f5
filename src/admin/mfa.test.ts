import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode } from '../auth/base32.js';
import { totp } from '../auth/totp.js';
import type { Workspace } from '../control/index.js';
import { SqlAuditStore } from '../control/audit-store.js';
import { SecretBox } from '../secrets/secret-box.js';
import { identityTestApp, type IdentityTestApp } from './auth-test-support.js';

let t: IdentityTestApp;
let home: Workspace;

beforeAll(async () => {
  t = await identityTestApp({ secretBox: new SecretBox(randomBytes(32)) });
  home = await t.plane.store.createWorkspace({ slug: 'default', name: 'Default' });
  await t.addUser('mfa@example.com', [{ workspace: home, role: 'owner' }]);
});

afterAll(async () => {
  await t.close();
});

const codeAt = (secret: Buffer, offsetSeconds = 0) => totp(secret, t.clock.getTime() / 1000 + offsetSeconds);
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('TOTP second factor, end to end', () => {
  let secret: Buffer;

  it('enrols: a base32 secret and an otpauth URI, stored encrypted, not yet enabled', async () => {
    const headers = await t.bearer('mfa@example.com');
    const started = await call('POST', '/auth/mfa/totp', headers, {});
    expect(started.statusCode).toBe(200);
    const body = started.json();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauthUri).toContain(`secret=${body.secret}`);
    expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Sluice:mfa%40example\.com\?/);
    secret = base32Decode(body.secret)!;

    const row = await t.plane.database.db.selectFrom('user_totp').selectAll().executeTakeFirstOrThrow();
    expect(row.sealed_secret).toMatch(/^enc:v1:/);
    expect(row.sealed_secret).not.toContain(body.secret);
    expect((await call('GET', '/auth/mfa/totp', headers)).json()).toEqual({ enabled: false, pending: true });
    // Not enabled yet: login still needs only the password.
    expect((await t.login('mfa@example.com')).statusCode).toBe(200);
  });

  it('confirms with a current code (a wrong one is refused), then refuses a second enrolment', async () => {
    const headers = await t.bearer('mfa@example.com');
    const wrongCode = String((Number(codeAt(secret)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await call('POST', '/auth/mfa/totp/confirm', headers, { code: wrongCode });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'invalid_mfa_code' });
    const confirmed = await call('POST', '/auth/mfa/totp/confirm', headers, { code: codeAt(secret) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ enabled: true });
    expect((await call('POST', '/auth/mfa/totp', headers, {})).json()).toMatchObject({ code: 'mfa_already_enabled' });
    expect((await call('POST', '/auth/mfa/totp/confirm', headers, { code: codeAt(secret) })).statusCode).toBe(409);
  });

  it('login then needs the code: missing → mfa_code_required, wrong → invalid_mfa_code, right → mfaVerified session', async () => {
    t.advance(30); // the confirm used the current step; move to the next one
    const missing = await t.login('mfa@example.com');
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ code: 'mfa_code_required' });
    const wrong = await t.login('mfa@example.com', { totp: '000000' === codeAt(secret) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'invalid_mfa_code' });
    const badPassword = await t.login('mfa@example.com', { password: 'wrong', totp: codeAt(secret) });
    expect(badPassword.json()).toMatchObject({ code: 'invalid_credentials' });

    const code = codeAt(secret);
    const ok = await t.login('mfa@example.com', { totp: code });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().session.mfaVerified).toBe(true);
    const me = await call('GET', '/whoami', { authorization: `Bearer ${ok.json().token}` });
    expect(me.json().credential).toMatchObject({ kind: 'session', mfaVerified: true });

    // The same code again (same 30 s step) is a replay.
    const replay = await t.login('mfa@example.com', { totp: code });
    expect(replay.json()).toMatchObject({ code: 'invalid_mfa_code' });
    // The previous step's code is older than the one used: refused too. The next step's is accepted.
    expect((await t.login('mfa@example.com', { totp: codeAt(secret, -30) })).statusCode).toBe(401);
    expect((await t.login('mfa@example.com', { totp: codeAt(secret, 30) })).statusCode).toBe(200);
  });

  it('refuses enrolment changes through an API token, and disables with a current code', async () => {
    t.advance(90);
    const headers = { authorization: `Bearer ${(await t.login('mfa@example.com', { totp: codeAt(secret) })).json().token}` };
    const created = await call('POST', '/tokens', headers, { name: 'ci', workspace: 'default', role: 'read_only' });
    expect(created.statusCode).toBe(201);
    const viaToken = await call('DELETE', '/auth/mfa/totp', { authorization: `Bearer ${created.json().token}` }, { code: codeAt(secret, 30) });
    expect(viaToken.statusCode).toBe(403);

    expect((await call('DELETE', '/auth/mfa/totp', headers, { code: codeAt(secret) })).statusCode).toBe(401); // step used by the login
    expect((await call('DELETE', '/auth/mfa/totp', headers, { code: 'abc', extra: 1 })).statusCode).toBe(400);
    const disabled = await call('DELETE', '/auth/mfa/totp', headers, { code: codeAt(secret, 30) });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toEqual({ enabled: false });
    expect((await call('DELETE', '/auth/mfa/totp', headers, { code: codeAt(secret, 30) })).json()).toMatchObject({ code: 'mfa_not_enrolled' });
    const plain = await t.login('mfa@example.com');
    expect(plain.statusCode).toBe(200);
    expect(plain.json().session.mfaVerified).toBe(false);

    const audited = await new SqlAuditStore(t.plane.database).list({ workspaceId: home.id, limit: 100 });
    expect(audited.map((entry) => entry.action).filter((action) => action.startsWith('member.mfa.')).sort()).toEqual(['member.mfa.disable', 'member.mfa.enable']);
  });
});
