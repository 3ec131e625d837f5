/**
 * A change and its audit entry commit together. With the audit log made unwritable (a SQLite trigger
 * that refuses every insert, as a full or failing disk would), every change through the admin API is
 * answered with an error and leaves nothing behind: no source, destination, member, user, workspace,
 * token or TOTP change that the audit log does not show. With the trigger gone, the same requests
 * succeed and are audited, so what failed was the audit write alone.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode } from '../auth/base32.js';
import { totp } from '../auth/totp.js';
import type { User, Workspace } from '../control/index.js';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

let t: AdminApiTestApp;
let alpha: Workspace;
let owner: User;
let token = '';
let sourceId = '';
let destinationId = '';
let memberId = '';
let apiTokenId = '';

/** The test app's clock (adminApiTestApp starts it here; these tests never move it). */
const CLOCK_SECONDS = Date.parse('2030-01-01T00:00:00Z') / 1000;

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown) => t.call(token, method, `/api/v1${path}`, payload);

const refuseAuditWrites = () =>
  sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log unwritable (test)'); END`.execute(t.plane.database.db);
const allowAuditWrites = () => sql`DROP TRIGGER refuse_audit`.execute(t.plane.database.db);
const auditCount = async () => (await t.auditStore.list({ workspaceId: alpha.id, limit: 1000 })).length;

beforeAll(async () => {
  t = await adminApiTestApp();
  alpha = await t.plane.store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  owner = await t.addUser('owner@example.com', [{ workspace: alpha, role: 'owner' }]);
  token = await t.login('owner@example.com');
  sourceId = (await api('POST', '/workspaces/alpha/sources', { name: 'web' })).json<{ id: string }>().id;
  destinationId = (await api('POST', '/workspaces/alpha/destinations', { type: 'fake', name: 'S3', sourceIds: [sourceId], settings: { name: 'a1' } })).json<{ id: string }>().id;
  memberId = (await api('POST', '/workspaces/alpha/members', { email: 'reader@example.com', password: 'reader-password-123', role: 'read_only' })).json<{ userId: string }>().userId;
  apiTokenId = (await api('POST', '/tokens', { workspace: 'alpha', name: 'ci' })).json<{ id: string }>().id;
});

afterAll(async () => {
  await t.close();
});

describe('a change and its audit entry are one transaction', () => {
  it('undoes every admin change whose audit entry cannot be written, and keeps serving', async () => {
    const entriesBefore = await auditCount();
    const source = (await t.plane.store.findSource(sourceId))!;
    const destination = (await t.destinations.getDestination(destinationId))!;
    await refuseAuditWrites();
    try {
      const refused = [
        await api('POST', '/workspaces/alpha/sources', { name: 'never' }),
        await api('PATCH', `/workspaces/alpha/sources/${sourceId}`, { name: 'renamed', enabled: false }),
        await api('POST', `/workspaces/alpha/sources/${sourceId}/rotate-write-key`),
        await api('DELETE', `/workspaces/alpha/sources/${sourceId}`),
        await api('POST', '/workspaces/alpha/destinations', { type: 'fake', name: 'never', sourceIds: [sourceId], settings: { name: 'n' } }),
        await api('PATCH', `/workspaces/alpha/destinations/${destinationId}`, { name: 'renamed', settings: { name: 'a2' } }),
        await api('DELETE', `/workspaces/alpha/destinations/${destinationId}`),
        await api('POST', '/workspaces/alpha/members', { email: 'never@example.com', password: 'never-password-123', role: 'read_only' }),
        await api('PATCH', `/workspaces/alpha/members/${memberId}`, { role: 'owner' }),
        await api('DELETE', `/workspaces/alpha/members/${memberId}`),
        await api('PATCH', '/workspaces/alpha', { name: 'Renamed' }),
        await api('POST', '/workspaces', { slug: 'never', name: 'Never' }),
        await api('POST', '/tokens', { workspace: 'alpha', name: 'never' }),
        await api('DELETE', `/tokens/${apiTokenId}`),
      ];
      for (const response of refused) {
        expect(response.statusCode, response.body).toBe(500);
        expect(response.json()).toMatchObject({ success: false, code: 'internal_error' });
      }
    } finally {
      await allowAuditWrites();
    }

    expect((await t.plane.store.listSources(alpha.id)).map((kept) => kept.name)).toEqual(['web']);
    expect(await t.plane.store.findSource(sourceId)).toEqual(source);
    // The write-key cache never saw the rotated key: the old one still resolves, to the enabled source.
    expect(t.plane.store.sourceDirectory.lookup(source.writeKey)).toMatchObject({ sourceId, enabled: true });
    expect((await t.destinations.listDestinations(alpha.id)).map((kept) => kept.id)).toEqual([destinationId]);
    expect(await t.destinations.getDestination(destinationId)).toEqual(destination);
    expect((await t.members.listMembers(alpha.id)).map((member) => [member.userId, member.role]).sort()).toEqual(
      [
        [owner.id, 'owner'],
        [memberId, 'read_only'],
      ].sort(),
    );
    expect(await t.plane.store.findCredentials('never@example.com')).toBeUndefined();
    expect((await t.plane.store.findWorkspaceBySlug('alpha'))?.name).toBe('Alpha');
    expect(await t.plane.store.findWorkspaceBySlug('never')).toBeUndefined();
    expect((await api('GET', '/tokens')).json<{ tokens: { id: string }[] }>().tokens.map((kept) => kept.id)).toEqual([apiTokenId]);
    expect(await auditCount()).toBe(entriesBefore);

    // Writable again: the same kind of change succeeds and is audited.
    const renamed = await api('PATCH', `/workspaces/alpha/sources/${sourceId}`, { name: 'renamed' });
    expect(renamed.statusCode).toBe(200);
    const [latest] = await t.auditStore.list({ workspaceId: alpha.id, limit: 1 });
    expect(latest).toMatchObject({ action: 'source.update', resource: { type: 'source', id: sourceId }, after: { name: 'renamed' } });
  });

  it('leaves TOTP off when the entry for enabling it cannot be written (the code stays usable)', async () => {
    const started = await api('POST', '/auth/mfa/totp', {});
    expect(started.statusCode).toBe(200);
    const secret = base32Decode(started.json<{ secret: string }>().secret)!;
    const code = totp(secret, CLOCK_SECONDS);
    await refuseAuditWrites();
    try {
      const refused = await api('POST', '/auth/mfa/totp/confirm', { code });
      expect(refused.statusCode, refused.body).toBe(500);
    } finally {
      await allowAuditWrites();
    }
    expect((await api('GET', '/auth/mfa/totp')).json()).toEqual({ enabled: false, pending: true });
    // The code's use was rolled back with the rest, so the same code still enables it.
    const confirmed = await api('POST', '/auth/mfa/totp/confirm', { code });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const [latest] = await t.auditStore.list({ workspaceId: alpha.id, limit: 1 });
    expect(latest).toMatchObject({ action: 'member.mfa.enable', after: { totpEnabled: true } });
  });
});
