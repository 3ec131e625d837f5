import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDestinationStore } from '../control/destination-store.js';
import type { MemoryEventLog } from '../log/memory-event-log.js';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

let harness: AdminApiTestApp;
let destinations: SqlDestinationStore;
let log: MemoryEventLog;
const tokens: Record<'owner' | 'reader' | 'outsider' | 'collaborator', string> = { owner: '', reader: '', outsider: '', collaborator: '' };
let secondSource = '';
let sourceId = '';
let otherWorkspaceSource = '';

beforeAll(async () => {
  harness = await adminApiTestApp();
  ({ destinations, log } = harness);
  const store = harness.plane.store;
  const workspace = await store.createWorkspace({ slug: 'default', name: 'Default' });
  const other = await store.createWorkspace({ slug: 'other', name: 'Other' });
  sourceId = (await store.createSource({ workspaceId: workspace.id, name: 'web' })).id;
  otherWorkspaceSource = (await store.createSource({ workspaceId: other.id, name: 'theirs' })).id;
  secondSource = (await store.createSource({ workspaceId: workspace.id, name: 'app' })).id;
  await harness.addUser('owner@example.com', [{ workspace, role: 'owner' }]);
  await harness.addUser('reader@example.com', [{ workspace, role: 'read_only' }]);
  await harness.addUser('outsider@example.com', [{ workspace: other, role: 'owner' }]);
  await harness.addUser('collaborator@example.com', [{ workspace, role: 'source_collaborator', sourceIds: [secondSource] }]);
  for (const who of Object.keys(tokens) as (keyof typeof tokens)[]) tokens[who] = await harness.login(`${who}@example.com`);
});

afterAll(async () => {
  await harness.close();
});

const call = (who: keyof typeof tokens, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown) =>
  harness.app.inject({ method, url: `/api/v1/workspaces/default/destinations${path}`, headers: { authorization: `Bearer ${tokens[who]}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('destinations admin API', () => {
  it('creates, shows (secrets masked), changes, flushes, reports status and deletes a destination', async () => {
    const created = await call('owner', 'POST', '', { type: 'fake', name: 'Archive', sourceIds: [sourceId], settings: { name: 'api-1', secret: 's3cr3t' } });
    expect(created.statusCode).toBe(201);
    const destination = created.json();
    expect(destination).toMatchObject({ type: 'fake', name: 'Archive', enabled: true, sourceIds: [sourceId], settings: { name: 'api-1', secret: '********' } });
    expect(JSON.stringify((await call('reader', 'GET', '')).json())).not.toContain('s3cr3t');
    expect((await call('reader', 'GET', `/${destination.id}`)).json()).toEqual(destination);

    // Sending the mask back keeps the stored secret.
    const patched = await call('owner', 'PATCH', `/${destination.id}`, { name: 'Renamed', settings: { secret: '********', extra: 1 } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Renamed', settings: { name: 'api-1', secret: '********', extra: 1 } });
    expect((await destinations.getDestination(destination.id))!.settings.secret).toBe('s3cr3t');

    await log.append(sourceId, [{ timestamp: Date.now(), data: Buffer.from('{"messageId":"m1"}') }]);
    const flushed = await call('owner', 'POST', `/${destination.id}/flush`);
    expect(flushed.statusCode).toBe(200);
    expect(flushed.json().objects).toEqual([{ key: expect.any(String), events: 1, bytes: expect.any(Number) }]);
    const status = (await call('reader', 'GET', `/${destination.id}/status`)).json();
    expect(status).toMatchObject({ destinationId: destination.id, enabled: true, pending: { events: 0, bytes: 0 }, lastError: null });
    expect(status.lastDelivery).toMatchObject({ objects: 1, events: 1 });

    const disabled = await call('owner', 'PATCH', `/${destination.id}`, { enabled: false });
    expect(disabled.json().enabled).toBe(false);
    expect((await call('owner', 'POST', `/${destination.id}/flush`)).json()).toMatchObject({ success: false, code: 'destination_disabled' });

    expect((await call('owner', 'DELETE', `/${destination.id}`)).statusCode).toBe(204);
    expect((await call('owner', 'GET', `/${destination.id}`)).json()).toMatchObject({ success: false, code: 'not_found' });
    expect(log.cursor(sourceId, destination.id)).toBeUndefined();
  });

  it('rejects bad requests with a precise code and stores nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ type: 'nope', name: 'x', sourceIds: [], settings: {} }, 400, 'unknown_destination_type'],
      [{ type: 'fake', name: 'x', sourceIds: [], settings: {} }, 400, 'invalid_destination_setting'],
      [{ type: 'fake', name: 'x', sourceIds: [], settings: [] }, 400, 'invalid_destination_setting'],
      [{ type: 'fake', name: 'x', sourceIds: ['missing'], settings: { name: 'n' } }, 400, 'unknown_source'],
      [{ type: 'fake', name: 'x', sourceIds: [otherWorkspaceSource], settings: { name: 'n' } }, 400, 'unknown_source'],
      [{ type: 'fake', name: '', sourceIds: [], settings: { name: 'n' } }, 400, 'invalid_destination'],
      [{ type: 'fake', name: 'x', sourceIds: 'all', settings: { name: 'n' } }, 400, 'invalid_destination'],
      [{ type: 'fake', name: 'x', settings: { name: 'n' }, colour: 'red' }, 400, 'invalid_destination'],
    ];
    const before = (await call('owner', 'GET', '')).json().destinations.length;
    for (const [payload, status, code] of cases) {
      const response = await call('owner', 'POST', '', payload);
      expect({ status: response.statusCode, body: response.json() }).toMatchObject({ status, body: { success: false, code } });
    }
    expect((await call('owner', 'GET', '')).json().destinations).toHaveLength(before);
  });

  it('read-only members read but cannot change; other workspaces see nothing', async () => {
    const created = (await call('owner', 'POST', '', { type: 'fake', name: 'Guarded', sourceIds: [sourceId], settings: { name: 'api-2' } })).json();
    expect((await call('reader', 'POST', '', { type: 'fake', name: 'x', sourceIds: [], settings: { name: 'n' } })).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('reader', 'PATCH', `/${created.id}`, { name: 'x' })).statusCode).toBe(403);
    expect((await call('reader', 'POST', `/${created.id}/flush`)).statusCode).toBe(403);
    expect((await call('reader', 'DELETE', `/${created.id}`)).statusCode).toBe(403);
    expect((await call('outsider', 'GET', `/${created.id}`)).statusCode).toBe(404);
    const theirs = await harness.app.inject({ method: 'GET', url: `/api/v1/workspaces/other/destinations/${created.id}`, headers: { authorization: `Bearer ${tokens.outsider}` } });
    expect(theirs.statusCode).toBe(404);
    expect((await harness.app.inject({ method: 'GET', url: '/api/v1/workspaces/default/destinations' })).statusCode).toBe(401);
  });

  it('a source collaborator sees and changes only destinations connected only to their sources', async () => {
    const mine = await call('collaborator', 'POST', '', { type: 'fake', name: 'Mine', sourceIds: [secondSource], settings: { name: 'api-3' } });
    expect(mine.statusCode).toBe(201);
    expect((await call('collaborator', 'POST', '', { type: 'fake', name: 'Not mine', sourceIds: [sourceId], settings: { name: 'n' } })).json()).toMatchObject({ code: 'forbidden' });
    const shared = (await call('owner', 'POST', '', { type: 'fake', name: 'Shared', sourceIds: [sourceId, secondSource], settings: { name: 'api-4' } })).json();
    const visible = (await call('collaborator', 'GET', '')).json().destinations.map((destination: { id: string }) => destination.id);
    expect(visible).toEqual([mine.json().id]);
    expect((await call('collaborator', 'GET', `/${shared.id}`)).statusCode).toBe(404);
    expect((await call('collaborator', 'PATCH', `/${mine.json().id}`, { sourceIds: [secondSource, sourceId] })).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('collaborator', 'PATCH', `/${mine.json().id}`, { name: 'Still mine' })).json()).toMatchObject({ name: 'Still mine' });
  });
});
