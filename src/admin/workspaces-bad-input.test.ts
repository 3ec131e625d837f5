/**
 * Bad input on every admin route with a body (issue 4): invalid JSON, oversize bodies, wrong types,
 * unknown fields — and, on the workspace routes, field by field. Each answers 400 with a precise code
 * and changes nothing: every table (sessions aside) is compared before and after. SQL-ish strings are
 * data: stored verbatim where a name is valid, and nothing breaks.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, Workspace } from '../control/index.js';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

let t: AdminApiTestApp;
let alpha: Workspace;
let source: Source;
let destinationId = '';
let memberId = '';
let ownerToken = '';
const SQLISH = "'; DROP TABLE sources;--";

/** Every table's rows, except the ones a request legitimately touches (sessions, migrations). */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const db = t.plane.database.db;
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
  const state: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    if (/session|kysely|sqlite_/.test(name)) continue;
    state[name] = (await sql`select * from ${sql.table(name)} order by 1`.execute(db)).rows;
  }
  return state;
}

/** A concrete URL for each route pattern, with ids the owner may change. */
const concrete = (url: string) =>
  url
    .replace(':workspace', 'alpha')
    .replace('/sources/:id', `/sources/${source.id}`)
    .replace('/destinations/:id', `/destinations/${destinationId}`)
    .replace(':userId', memberId)
    .replace(':tokenId', 'nosuchtoken')
    .replace(':id', 'nosuchid');

beforeAll(async () => {
  t = await adminApiTestApp();
  alpha = await t.plane.store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  source = await t.plane.store.createSource({ workspaceId: alpha.id, name: 'web' });
  await t.addUser('owner@example.com', [{ workspace: alpha, role: 'owner' }]);
  memberId = (await t.addUser('member@example.com', [{ workspace: alpha, role: 'read_only' }])).id;
  ownerToken = await t.login('owner@example.com');
  const created = await t.call(ownerToken, 'POST', '/api/v1/workspaces/alpha/destinations', { type: 'fake', name: 'd', sourceIds: [source.id], settings: { name: 'd1', secret: 's' } });
  destinationId = created.json<{ id: string }>().id;
});

afterAll(async () => {
  await t.close();
});

const send = (method: string, url: string, body: string) =>
  t.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' }, payload: body });

const destinationRoute = (url: string) => url.includes('/destinations') && !url.endsWith('/flush');

describe('bad input on every admin route with a body', () => {
  it('invalid JSON, oversize bodies, wrong root types and unknown fields answer 400 with a code and change nothing', async () => {
    const routes = t.routes.filter((route) => route.hasBody);
    expect(routes.length).toBeGreaterThan(10);
    const before = await snapshot();
    const problems: string[] = [];
    for (const route of routes) {
      const url = concrete(route.url);
      const fieldCode = destinationRoute(route.url) ? 'invalid_destination' : 'invalid_request';
      const cases: [string, string, string[]][] = [
        ['invalid JSON', '{"name": ', ['invalid_request']],
        ['oversize body', JSON.stringify({ name: 'x'.repeat(300 * 1024) }), ['request_too_large']],
        ['a JSON array', '[1, 2, 3]', [fieldCode]],
        ['a JSON string', '"name"', [fieldCode]],
        ['an unknown field', JSON.stringify({ unknownField: 1 }), [fieldCode]],
        ['a null body', 'null', [fieldCode]],
      ];
      for (const [label, body, codes] of cases) {
        // An action route's body may be absent; "null" then means "no body" and the route runs.
        if (label === 'a null body' && /rotate-write-key|flush|totp$/.test(route.url)) continue;
        const response = await send(route.method, url, body);
        const code = response.json<{ code?: string }>().code ?? '';
        if (response.statusCode !== 400 || !codes.includes(code)) problems.push(`${route.method} ${route.url} with ${label}: ${response.statusCode} ${response.body.slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('field by field on the workspace routes: wrong types, bounds, enums and formats', async () => {
    const name201 = 'n'.repeat(201);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/workspaces', { slug: 'Has Spaces', name: 'x' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces', { slug: 'ok', name: 42 }, 'invalid_request'],
      ['POST', '/api/v1/workspaces', { slug: 'x'.repeat(65), name: 'x' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces', { slug: 'ok' }, 'invalid_request'],
      ['PATCH', '/api/v1/workspaces/alpha', { requireMfa: 'yes' }, 'invalid_request'],
      ['PATCH', '/api/v1/workspaces/alpha', { name: '   ' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/sources', { name: '' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/sources', { name: name201 }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/sources', { name: ['web'] }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/sources', { name: 'web', enabled: false }, 'invalid_request'],
      ['PATCH', `/api/v1/workspaces/alpha/sources/${source.id}`, { enabled: 'false' }, 'invalid_request'],
      ['PATCH', `/api/v1/workspaces/alpha/sources/${source.id}`, { enabled: 0 }, 'invalid_request'],
      ['PATCH', `/api/v1/workspaces/alpha/sources/${source.id}`, { writeKey: 'mine' }, 'invalid_request'],
      ['POST', `/api/v1/workspaces/alpha/sources/${source.id}/rotate-write-key`, { writeKey: 'mine' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/destinations', { type: 'fake', name: 'x', sourceIds: ['a'.repeat(65)], settings: { name: 'n' } }, 'invalid_destination'],
      ['POST', '/api/v1/workspaces/alpha/destinations', { type: 'fake', name: 'x', sourceIds: Array.from({ length: 501 }, (_, i) => `s${i}`), settings: { name: 'n' } }, 'invalid_destination'],
      ['POST', '/api/v1/workspaces/alpha/destinations', { type: 'fake', name: 'x', settings: { name: 'y'.repeat(5000) } }, 'invalid_destination_setting'],
      ['PATCH', `/api/v1/workspaces/alpha/destinations/${destinationId}`, { enabled: 'true' }, 'invalid_destination'],
      ['PATCH', `/api/v1/workspaces/alpha/destinations/${destinationId}`, { settings: 'secret=1' }, 'invalid_destination_setting'],
      ['POST', `/api/v1/workspaces/alpha/destinations/${destinationId}/flush`, { now: true }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'not-an-email', password: 'a-long-enough-password', role: 'read_only' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', password: 'short', role: 'read_only' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', password: 'p'.repeat(73), role: 'read_only' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', password: 'a-long-enough-password', role: 'admin' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', role: 'read_only' }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', password: 'a-long-enough-password', role: 'read_only', sourceIds: [source.id] }, 'invalid_request'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: 'new@example.com', password: 'a-long-enough-password', role: 'source_collaborator', sourceIds: ['nosuchsource'] }, 'unknown_source'],
      ['POST', '/api/v1/workspaces/alpha/members', { email: `${SQLISH}@example.com`, password: 'a-long-enough-password', role: 'read_only' }, 'invalid_request'],
      ['PATCH', `/api/v1/workspaces/alpha/members/${memberId}`, { role: 'superuser' }, 'invalid_request'],
      ['PATCH', `/api/v1/workspaces/alpha/members/${memberId}`, { sourceIds: 'all' }, 'invalid_request'],
    ];
    const before = await snapshot();
    const problems: string[] = [];
    for (const [method, url, body, code] of cases) {
      const response = await send(method, url, JSON.stringify(body));
      if (response.statusCode !== 400 || response.json<{ code: string }>().code !== code) problems.push(`${method} ${url} ${JSON.stringify(body).slice(0, 80)}: ${response.statusCode} ${response.body.slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('bad path and query parameters answer 400 (or 404) and change nothing', async () => {
    const before = await snapshot();
    const get = (url: string) => t.call(ownerToken, 'GET', url);
    for (const query of ['limit=abc', 'limit=0', 'limit=100000', 'colour=red', `resourceId=${'x'.repeat(65)}`]) {
      const response = await get(`/api/v1/workspaces/alpha/audit-log?${query}`);
      expect({ query, status: response.statusCode, code: response.json<{ code: string }>().code }).toEqual({ query, status: 400, code: 'invalid_request' });
    }
    // Authorization runs before validation, so an over-long id is simply a source nobody can see.
    expect((await get(`/api/v1/workspaces/alpha/sources/${'x'.repeat(65)}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/workspaces/alpha/sources/${encodeURIComponent(SQLISH)}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/workspaces/${encodeURIComponent(SQLISH)}/sources`)).statusCode).toBe(404);
    const filtered = await get(`/api/v1/workspaces/alpha/audit-log?resourceId=${encodeURIComponent(SQLISH)}`);
    expect(filtered.json()).toEqual({ entries: [], next: null });
    expect(await snapshot()).toEqual(before);
  });

  it('stores SQL-ish names verbatim and keeps working', async () => {
    const created = await t.call(ownerToken, 'POST', '/api/v1/workspaces/alpha/sources', { name: SQLISH });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: SQLISH });
    const renamed = await t.call(ownerToken, 'PATCH', `/api/v1/workspaces/alpha/destinations/${destinationId}`, { name: SQLISH, settings: { name: SQLISH } });
    expect(renamed.json()).toMatchObject({ name: SQLISH, settings: { name: SQLISH } });
    expect((await t.call(ownerToken, 'PATCH', '/api/v1/workspaces/alpha', { name: SQLISH })).json()).toMatchObject({ name: SQLISH });
    const listed = (await t.call(ownerToken, 'GET', '/api/v1/workspaces/alpha/sources')).json<{ sources: { name: string }[] }>().sources.map((entry) => entry.name);
    expect(listed).toEqual(['web', SQLISH]);
    expect(t.plane.store.sourceDirectory.lookup(source.writeKey)).toMatchObject({ sourceId: source.id });
  });
});
