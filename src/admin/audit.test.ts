/**
 * The audit log (issue 4): every change through the admin API leaves one entry (who, what, which
 * resource, before → after, when, from which address); secrets never reach it (checked by scanning the
 * raw table); it reads newest first, filters by resource and actor, pages with `before`, and has no
 * route that changes or deletes an entry.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../control/audit-store.js';
import type { User, Workspace } from '../control/index.js';
import { adminApiTestApp, PASSWORD, type AdminApiTestApp } from './workspaces-test-support.js';

let t: AdminApiTestApp;
let alpha: Workspace;
let owner: User;
let token = '';
const SECRET = 'wJalrXUtnFEMI-very-secret';
const NEW_PASSWORD = 'brand-new-member-password';

beforeAll(async () => {
  t = await adminApiTestApp();
  alpha = await t.plane.store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  owner = await t.addUser('owner@example.com', [{ workspace: alpha, role: 'owner' }]);
  token = await t.login('owner@example.com');
});

afterAll(async () => {
  await t.close();
});

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown) => t.call(token, method, `/api/v1${path}`, payload);
const auditLog = async (query = '') => (await api('GET', `/workspaces/alpha/audit-log${query}`)).json<{ entries: AuditEntry[]; next: string | null }>();

describe('audit log', () => {
  it('records every change with actor, resource, before/after, address; secrets masked everywhere', async () => {
    const source = (await api('POST', '/workspaces/alpha/sources', { name: 'web' })).json<{ id: string; writeKey: string }>();
    await api('PATCH', `/workspaces/alpha/sources/${source.id}`, { name: 'website', enabled: false });
    const rotated = (await api('POST', `/workspaces/alpha/sources/${source.id}/rotate-write-key`)).json<{ writeKey: string }>();
    const destination = (await api('POST', '/workspaces/alpha/destinations', { type: 'fake', name: 'S3', sourceIds: [source.id], settings: { name: 'a1', secret: SECRET } })).json<{ id: string }>();
    await api('PATCH', `/workspaces/alpha/destinations/${destination.id}`, { settings: { secret: `${SECRET}-2` } });
    await api('DELETE', `/workspaces/alpha/destinations/${destination.id}`);
    const member = (await api('POST', '/workspaces/alpha/members', { email: 'new@example.com', password: NEW_PASSWORD, role: 'read_only' })).json<{ userId: string }>();
    await api('PATCH', `/workspaces/alpha/members/${member.userId}`, { role: 'source_collaborator', sourceIds: [source.id] });
    await api('DELETE', `/workspaces/alpha/members/${member.userId}`);
    await api('PATCH', '/workspaces/alpha', { name: 'Alpha Inc' });
    await api('DELETE', `/workspaces/alpha/sources/${source.id}`);

    const { entries } = await auditLog();
    expect(entries.map((entry) => entry.action).reverse()).toEqual([
      'source.create',
      'source.update',
      'source.rotate_write_key',
      'destination.create',
      'destination.update',
      'destination.delete',
      'member.add',
      'member.update',
      'member.remove',
      'workspace.update',
      'source.delete',
    ]);
    for (const entry of entries) {
      expect(entry.actor).toEqual({ kind: 'user', userId: owner.id, email: 'owner@example.com', tokenId: null });
      expect(entry.ip).toBe('127.0.0.1');
      expect(Date.parse(entry.at)).not.toBeNaN();
    }
    const update = entries.find((entry) => entry.action === 'source.update')!;
    expect(update.before).toMatchObject({ name: 'web', enabled: true });
    expect(update.after).toMatchObject({ name: 'website', enabled: false });
    const destinationUpdate = entries.find((entry) => entry.action === 'destination.update')!;
    expect(destinationUpdate.resource).toEqual({ type: 'destination', id: destination.id });
    expect(destinationUpdate.before).toMatchObject({ settings: { name: 'a1', secret: '********' } });
    expect(destinationUpdate.after).toMatchObject({ settings: { name: 'a1', secret: '********' } });
    expect(entries.find((entry) => entry.action === 'member.update')!.after).toMatchObject({ role: 'source_collaborator', sourceIds: [source.id] });

    // Nothing secret anywhere in the stored rows: destination secrets, the new member's password, write keys.
    const rows = JSON.stringify((await sql`select * from audit_log`.execute(t.plane.database.db)).rows);
    for (const secret of [SECRET, NEW_PASSWORD, source.writeKey, rotated.writeKey, PASSWORD]) expect(rows).not.toContain(secret);
  });

  it('records workspace creation in the new workspace and masks through the recorder API', async () => {
    const created = (await api('POST', '/workspaces', { slug: 'beta', name: 'Beta' })).json<{ id: string }>();
    const entries = (await api('GET', '/workspaces/beta/audit-log')).json<{ entries: AuditEntry[] }>().entries;
    expect(entries.map((entry) => [entry.action, entry.resource])).toEqual([['workspace.create', { type: 'workspace', id: created.id }]]);
    // The recorder the identity and secrets work call: CLI/system actors, unknown destination types masked whole.
    const { AuditRecorder } = await import('./audit-recorder.js');
    const recorder = new AuditRecorder(t.auditStore, () => undefined);
    const entry = await recorder.record({
      workspaceId: created.id,
      actor: 'cli',
      action: 'destination.update',
      resource: { type: 'destination', id: 'd1' },
      after: { type: 'retired-type', settings: { bucket: 'b', anything: 'hidden' }, apiToken: 'slt_abc', tokenHash: 'ff' },
      ip: null,
    });
    expect(entry.actor).toEqual({ kind: 'cli', userId: null, email: null, tokenId: null });
    expect(entry.after).toEqual({ type: 'retired-type', settings: { bucket: '********', anything: '********' }, apiToken: '********', tokenHash: '********' });
  });

  it('names the API token that made a change', async () => {
    const created = (await api('POST', '/workspaces/alpha/tokens', { name: 'ci', role: 'owner' })).json<{ id: string; token: string }>();
    const source = (await t.call(created.token, 'POST', '/api/v1/workspaces/alpha/sources', { name: 'by-token' })).json<{ id: string }>();
    const [entry] = (await auditLog(`?resourceId=${source.id}`)).entries;
    expect(entry!.actor).toEqual({ kind: 'api_token', userId: owner.id, email: 'owner@example.com', tokenId: created.id });
  });

  it('filters by resource and actor, pages newest first with before', async () => {
    const source = (await api('POST', '/workspaces/alpha/sources', { name: 'paged' })).json<{ id: string }>();
    for (const name of ['p1', 'p2', 'p3', 'p4']) await api('PATCH', `/workspaces/alpha/sources/${source.id}`, { name });
    const byResource = await auditLog(`?resourceType=source&resourceId=${source.id}`);
    expect(byResource.entries.map((entry) => (entry.after as { name: string }).name)).toEqual(['p4', 'p3', 'p2', 'p1', 'paged']);
    const page1 = await auditLog(`?resourceId=${source.id}&limit=2`);
    const page2 = await auditLog(`?resourceId=${source.id}&limit=2&before=${page1.next}`);
    const page3 = await auditLog(`?resourceId=${source.id}&limit=2&before=${page2.next}`);
    expect([...page1.entries, ...page2.entries, ...page3.entries].map((entry) => entry.id)).toEqual(byResource.entries.map((entry) => entry.id));
    expect(page3.next).toBeNull();
    expect((await auditLog(`?actor=${owner.id}&limit=500`)).entries.length).toBeGreaterThan(5);
    expect((await auditLog('?actor=nobody')).entries).toEqual([]);
  });

  it('offers no way to change or delete an entry', async () => {
    const entry = (await auditLog('?limit=1')).entries[0]!;
    for (const method of ['PATCH', 'PUT', 'DELETE'] as const) {
      const response = await t.call(token, method, `/api/v1/workspaces/alpha/audit-log/${entry.id}`, method === 'DELETE' ? undefined : { action: 'x' });
      expect(response.statusCode).toBe(404);
      expect((await t.call(token, method, '/api/v1/workspaces/alpha/audit-log', method === 'DELETE' ? undefined : {})).statusCode).toBe(404);
    }
    expect((await auditLog('?limit=1')).entries[0]).toEqual(entry);
  });
});
