/**
 * One suite every `IdentityStore` implementation runs (STYLE 11): sessions with their MFA flag and
 * revocation, TOTP enrolment with replay refusal, API tokens found only by hash. Fresh users per test.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IdentityStore } from './identity-store.js';
import { hashSessionToken } from './ids.js';
import type { MetadataStore } from './metadata-store.js';

export interface IdentityFixture {
  readonly metadata: MetadataStore;
  readonly identity: IdentityStore;
}

export function identityStoreConformance(name: string, fixture: () => IdentityFixture): void {
  const now = new Date('2030-01-01T00:00:00Z');
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
  const freshUser = () => fixture().metadata.createUser({ email: `${randomUUID()}@example.com`, passwordHash: 'x' });
  const freshWorkspace = () => fixture().metadata.createWorkspace({ slug: randomUUID(), name: 'W' });

  describe(`IdentityStore conformance: ${name}`, () => {
    it('finds live sessions by token hash, lists and revokes only the owner’s', async () => {
      const { identity } = fixture();
      const [alice, bob] = [await freshUser(), await freshUser()];
      const first = await identity.createSession({ userId: alice.id, tokenHash: hashSessionToken(randomUUID()), expiresAt: later(60), mfaVerified: true });
      const secondHash = hashSessionToken(randomUUID());
      const second = await identity.createSession({ userId: alice.id, tokenHash: secondHash, expiresAt: later(120), mfaVerified: false });
      expect(first.mfaVerified).toBe(true);
      expect(await identity.findSession(secondHash, now)).toEqual({ session: second, user: alice });
      expect(await identity.findSession(secondHash, later(120))).toBeUndefined();
      expect((await identity.listSessions(alice.id, now)).map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
      expect((await identity.listSessions(alice.id, later(60))).map((s) => s.id)).toEqual([second.id]);
      expect(await identity.revokeSession(bob.id, second.id)).toBe(false);
      expect(await identity.revokeSession(alice.id, second.id)).toBe(true);
      expect(await identity.findSession(secondHash, now)).toBeUndefined();
    });

    it('deletes expired sessions and tokens, keeping live and non-expiring ones', async () => {
      const { identity } = fixture();
      const user = await freshUser();
      const workspace = await freshWorkspace();
      const liveHash = hashSessionToken(randomUUID());
      await identity.createSession({ userId: user.id, tokenHash: hashSessionToken(randomUUID()), expiresAt: later(-1), mfaVerified: false });
      await identity.createSession({ userId: user.id, tokenHash: liveHash, expiresAt: later(60), mfaVerified: false });
      const token = { userId: user.id, workspaceId: workspace.id, name: 't', role: 'owner', scope: 'personal' } as const;
      await identity.createApiToken({ ...token, tokenHash: hashSessionToken(randomUUID()), expiresAt: later(-1) });
      const forever = await identity.createApiToken({ ...token, tokenHash: hashSessionToken(randomUUID()), expiresAt: undefined });
      const removed = await identity.deleteExpired(now);
      expect(removed.sessions).toBeGreaterThanOrEqual(1);
      expect(removed.apiTokens).toBeGreaterThanOrEqual(1);
      expect(await identity.findSession(liveHash, now)).toBeDefined();
      expect(await identity.listApiTokens({ userId: user.id })).toEqual([forever]);
    });

    it('enrols TOTP, enables it on the first code, and refuses a step used before', async () => {
      const { identity } = fixture();
      const user = await freshUser();
      expect(await identity.findTotp(user.id)).toBeUndefined();
      expect(await identity.startTotp(user.id, 'sealed-1')).toBe(true);
      expect(await identity.startTotp(user.id, 'sealed-2')).toBe(true); // restarting a pending enrolment
      expect(await identity.findTotp(user.id)).toEqual({ userId: user.id, sealedSecret: 'sealed-2', enabled: false, lastUsedStep: -1 });
      expect(await identity.useTotpStep(user.id, 100, { enable: true })).toBe(true);
      expect(await identity.findTotp(user.id)).toMatchObject({ enabled: true, lastUsedStep: 100 });
      expect(await identity.startTotp(user.id, 'sealed-3')).toBe(false);
      expect(await identity.useTotpStep(user.id, 100)).toBe(false);
      expect(await identity.useTotpStep(user.id, 99)).toBe(false);
      expect(await identity.useTotpStep(user.id, 101)).toBe(true);
      await identity.deleteTotp(user.id);
      expect(await identity.findTotp(user.id)).toBeUndefined();
    });

    it('keeps API tokens by hash: found by hash only, listed per user and per workspace, touched, revoked', async () => {
      const { identity } = fixture();
      const user = await freshUser();
      const [home, other] = [await freshWorkspace(), await freshWorkspace()];
      const secret = `slt_${randomUUID()}`;
      const created = await identity.createApiToken({
        userId: user.id,
        workspaceId: home.id,
        name: 'ci',
        role: 'read_only',
        scope: 'workspace',
        tokenHash: hashSessionToken(secret),
        expiresAt: later(3600),
      });
      expect(created).toMatchObject({ name: 'ci', role: 'read_only', scope: 'workspace', lastUsedAt: undefined, expiresAt: later(3600).toISOString() });
      expect(JSON.stringify(created)).not.toContain(secret);
      expect(await identity.findApiToken(secret, now)).toBeUndefined();
      expect(await identity.findApiToken(hashSessionToken(secret), now)).toEqual({ token: created, user });
      expect(await identity.findApiToken(hashSessionToken(secret), later(3600))).toBeUndefined();
      expect(await identity.listApiTokens({ workspaceId: home.id })).toEqual([created]);
      expect(await identity.listApiTokens({ workspaceId: other.id })).toEqual([]);
      await identity.touchApiToken(created.id, later(5));
      expect((await identity.findApiTokenById(created.id))?.lastUsedAt).toBe(later(5).toISOString());
      expect(await identity.deleteApiToken(created.id)).toBe(true);
      expect(await identity.deleteApiToken(created.id)).toBe(false);
      expect(await identity.findApiToken(hashSessionToken(secret), now)).toBeUndefined();
    });
  });
}
