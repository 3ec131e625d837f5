/**
 * The authorization matrix (issue 4): ONE table of every admin route × every principal → the expected
 * answer. The test enumerates the routes the app actually registered and fails when one has no row (or
 * a row names a route that no longer exists), so a new route cannot ship without deciding who may call it.
 *
 * Principals: owner, read_only and source_collaborator (on source A) of workspace `alpha`; the owner of
 * workspace `beta` only (outsider); no credential; an expired session; an expired API token; a
 * logged-out session; a revoked API token. The last five get 401 on every authenticated route; public routes are called without
 * credentials and must answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, User, Workspace } from '../../control/index.js';
import { SqlWorkspaceAdminStore } from '../../control/workspace-admin-store.js';
import { adminApiTestApp, SESSION_TTL_SECONDS, type AdminApiTestApp } from '../workspaces-test-support.js';

type Member = 'owner' | 'reader' | 'collaborator' | 'outsider';
type Unauthenticated = 'anonymous' | 'expired' | 'expiredToken' | 'loggedOut' | 'revokedToken';
type Principal = Member | Unauthenticated;
const unauthenticated: readonly Unauthenticated[] = ['anonymous', 'expired', 'expiredToken', 'loggedOut', 'revokedToken'];

/** 'allow' = any 2xx; a number = that status; or a status with its error code. */
type Expected = 'allow' | 401 | 403 | 404 | { status: number; code: string };
type Request = { url: string; payload?: unknown };

interface Row {
  /** Public routes are called without any credential by every principal and must answer 2xx. */
  readonly public?: true;
  readonly request: (who: Principal) => Promise<Request> | Request;
  readonly expect?: Readonly<Record<Member, Expected>>;
}

let t: AdminApiTestApp;
let alpha: Workspace;
let beta: Workspace;
let sourceA: Source;
let sourceB: Source;
let destinationA = '';
const users = {} as Record<Member, User>;
const tokens = {} as Record<Exclude<Principal, 'anonymous'>, string>;
let serial = 0;
const next = () => ++serial;

const everyone = (expected: Expected): Record<Member, Expected> => ({ owner: expected, reader: expected, collaborator: expected, outsider: expected });
const V1 = '/api/v1';
const W = `${V1}/workspaces/:workspace`;
const ws = (path = '') => `${V1}/workspaces/alpha${path}`;

/** A new source of alpha, granted to the collaborator as well (so it sees it like source A). */
async function grantedSource(): Promise<string> {
  const source = await t.plane.store.createSource({ workspaceId: alpha.id, name: `s${next()}` });
  const collaborator = (await t.members.findMember(alpha.id, users.collaborator.id))!;
  await t.members.updateMember(alpha.id, users.collaborator.id, { sourceIds: [...collaborator.sourceIds, source.id] });
  return source.id;
}

async function destinationOnA(): Promise<string> {
  const record = await t.destinations.createDestination({ workspaceId: alpha.id, type: 'fake', name: 'd', settings: { name: `d${next()}` }, enabled: true, sourceIds: [sourceA.id] });
  await t.manager.destinationChanged(record.id);
  return record.id;
}

async function readOnlyMember(): Promise<string> {
  return (await t.addUser(`member${next()}@example.com`, [{ workspace: alpha, role: 'read_only' }])).id;
}

async function workspaceToken(): Promise<string> {
  const response = await t.call(tokens.owner, 'POST', ws('/tokens'), { name: `t${next()}`, role: 'read_only' });
  return response.json<{ id: string }>().id;
}

// ---- THE TABLE ------------------------------------------------------------------------------------
const matrix: Record<string, Row> = {
  // Public
  [`POST ${V1}/auth/login`]: { public: true, request: () => ({ url: `${V1}/auth/login`, payload: { email: 'owner@example.com', password: 'a-long-enough-password' } }) },
  [`POST ${V1}/auth/logout`]: { public: true, request: () => ({ url: `${V1}/auth/logout` }) },
  ['GET /api/openapi.json']: { public: true, request: () => ({ url: '/api/openapi.json' }) },

  // The caller's own identity (any authenticated caller)
  [`GET ${V1}/auth/sessions`]: { request: () => ({ url: `${V1}/auth/sessions` }), expect: everyone('allow') },
  [`DELETE ${V1}/auth/sessions/:id`]: { request: () => ({ url: `${V1}/auth/sessions/nosuchsession` }), expect: everyone(404) },
  [`GET ${V1}/auth/mfa/totp`]: { request: () => ({ url: `${V1}/auth/mfa/totp` }), expect: everyone('allow') },
  [`POST ${V1}/auth/mfa/totp`]: { request: () => ({ url: `${V1}/auth/mfa/totp`, payload: {} }), expect: everyone('allow') },
  [`POST ${V1}/auth/mfa/totp/confirm`]: {
    request: () => ({ url: `${V1}/auth/mfa/totp/confirm`, payload: { code: '000000' } }),
    expect: everyone({ status: 401, code: 'invalid_mfa_code' }),
  },
  [`DELETE ${V1}/auth/mfa/totp`]: { request: () => ({ url: `${V1}/auth/mfa/totp`, payload: { code: '000000' } }), expect: everyone({ status: 409, code: 'mfa_not_enrolled' }) },
  [`GET ${V1}/tokens`]: { request: () => ({ url: `${V1}/tokens` }), expect: everyone('allow') },
  [`POST ${V1}/tokens`]: {
    request: () => ({ url: `${V1}/tokens`, payload: { name: `p${next()}`, workspace: 'alpha', role: 'read_only' } }),
    // A collaborator cannot grant read_only (the roles are incomparable); alpha is invisible to the outsider.
    expect: { owner: 'allow', reader: 'allow', collaborator: 403, outsider: 404 },
  },
  [`DELETE ${V1}/tokens/:id`]: { request: () => ({ url: `${V1}/tokens/nosuchtoken` }), expect: everyone(404) },

  // Workspaces
  [`GET ${V1}/workspaces`]: { request: () => ({ url: `${V1}/workspaces` }), expect: everyone('allow') },
  [`POST ${V1}/workspaces`]: { request: () => ({ url: `${V1}/workspaces`, payload: { slug: `ws-${next()}`, name: 'New' } }), expect: everyone('allow') },
  [`PATCH ${W}`]: { request: () => ({ url: ws(), payload: { name: 'Alpha' } }), expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 } },

  // Sources
  [`GET ${W}/sources`]: { request: () => ({ url: ws('/sources') }), expect: { owner: 'allow', reader: 'allow', collaborator: 'allow', outsider: 404 } },
  [`POST ${W}/sources`]: { request: () => ({ url: ws('/sources'), payload: { name: 'new' } }), expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 } },
  [`GET ${W}/sources/:id`]: { request: () => ({ url: ws(`/sources/${sourceA.id}`) }), expect: { owner: 'allow', reader: 'allow', collaborator: 'allow', outsider: 404 } },
  [`PATCH ${W}/sources/:id`]: { request: () => ({ url: ws(`/sources/${sourceA.id}`), payload: { name: 'A' } }), expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 } },
  [`DELETE ${W}/sources/:id`]: { request: async () => ({ url: ws(`/sources/${await grantedSource()}`) }), expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 } },
  [`POST ${W}/sources/:id/rotate-write-key`]: { request: () => ({ url: ws(`/sources/${sourceA.id}/rotate-write-key`) }), expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 } },

  // Destinations
  [`GET ${W}/destinations`]: { request: () => ({ url: ws('/destinations') }), expect: { owner: 'allow', reader: 'allow', collaborator: 'allow', outsider: 404 } },
  [`POST ${W}/destinations`]: {
    request: () => ({ url: ws('/destinations'), payload: { type: 'fake', name: 'n', sourceIds: [sourceA.id], settings: { name: `c${next()}` } } }),
    expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 },
  },
  [`GET ${W}/destinations/:id`]: { request: () => ({ url: ws(`/destinations/${destinationA}`) }), expect: { owner: 'allow', reader: 'allow', collaborator: 'allow', outsider: 404 } },
  [`PATCH ${W}/destinations/:id`]: { request: () => ({ url: ws(`/destinations/${destinationA}`), payload: { name: 'DA' } }), expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 } },
  [`DELETE ${W}/destinations/:id`]: { request: async () => ({ url: ws(`/destinations/${await destinationOnA()}`) }), expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 } },
  [`POST ${W}/destinations/:id/flush`]: { request: () => ({ url: ws(`/destinations/${destinationA}/flush`) }), expect: { owner: 'allow', reader: 403, collaborator: 'allow', outsider: 404 } },
  [`GET ${W}/destinations/:id/status`]: { request: () => ({ url: ws(`/destinations/${destinationA}/status`) }), expect: { owner: 'allow', reader: 'allow', collaborator: 'allow', outsider: 404 } },

  // Members: a collaborator sees only itself, so another member is a 404 to it.
  [`GET ${W}/members`]: { request: () => ({ url: ws('/members') }), expect: { owner: 'allow', reader: 'allow', collaborator: 403, outsider: 404 } },
  [`POST ${W}/members`]: {
    request: async () => ({ url: ws('/members'), payload: { email: (await t.addUser(`new${next()}@example.com`)).email, role: 'read_only' } }),
    expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 },
  },
  [`PATCH ${W}/members/:userId`]: { request: async () => ({ url: ws(`/members/${await readOnlyMember()}`), payload: { role: 'read_only' } }), expect: { owner: 'allow', reader: 403, collaborator: 404, outsider: 404 } },
  [`DELETE ${W}/members/:userId`]: { request: async () => ({ url: ws(`/members/${await readOnlyMember()}`) }), expect: { owner: 'allow', reader: 403, collaborator: 404, outsider: 404 } },

  // Audit log
  [`GET ${W}/audit-log`]: { request: () => ({ url: ws('/audit-log') }), expect: { owner: 'allow', reader: 'allow', collaborator: 403, outsider: 404 } },

  // Workspace API tokens (owners); a token is visible to its creator and to owners only.
  [`GET ${W}/tokens`]: { request: () => ({ url: ws('/tokens') }), expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 } },
  [`POST ${W}/tokens`]: { request: () => ({ url: ws('/tokens'), payload: { name: `w${next()}`, role: 'read_only' } }), expect: { owner: 'allow', reader: 403, collaborator: 403, outsider: 404 } },
  [`DELETE ${W}/tokens/:tokenId`]: { request: async () => ({ url: ws(`/tokens/${await workspaceToken()}`) }), expect: { owner: 'allow', reader: 404, collaborator: 404, outsider: 404 } },
};
// ---------------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await adminApiTestApp();
  const store = t.plane.store;
  alpha = await store.createWorkspace({ slug: 'alpha', name: 'Alpha' });
  beta = await store.createWorkspace({ slug: 'beta', name: 'Beta' });
  sourceA = await store.createSource({ workspaceId: alpha.id, name: 'A' });
  sourceB = await store.createSource({ workspaceId: alpha.id, name: 'B' });
  users.owner = await t.addUser('owner@example.com', [{ workspace: alpha, role: 'owner' }]);
  users.reader = await t.addUser('reader@example.com', [{ workspace: alpha, role: 'read_only' }]);
  users.collaborator = await t.addUser('collaborator@example.com', [{ workspace: alpha, role: 'source_collaborator', sourceIds: [sourceA.id] }]);
  users.outsider = await t.addUser('outsider@example.com', [{ workspace: beta, role: 'owner' }]);
  await t.addUser('expired@example.com', [{ workspace: alpha, role: 'owner' }]);
  await t.addUser('loggedout@example.com', [{ workspace: alpha, role: 'owner' }]);

  // The expired session and API token are made first, then the clock moves past both lifetimes.
  tokens.expired = await t.login('expired@example.com');
  const shortLived = await t.call(tokens.expired, 'POST', `${V1}/tokens`, { name: 'short', workspace: 'alpha', role: 'owner', expiresInDays: 1 });
  expect(shortLived.statusCode).toBe(201);
  tokens.expiredToken = shortLived.json<{ token: string }>().token;
  expect((await t.call(tokens.expiredToken, 'GET', ws('/sources'))).statusCode).toBe(200);
  t.advance(Math.max(SESSION_TTL_SECONDS, 86_400) + 1);
  for (const who of ['owner', 'reader', 'collaborator', 'outsider'] as const) tokens[who] = await t.login(`${who}@example.com`);
  tokens.loggedOut = await t.login('loggedout@example.com');
  expect((await t.call(tokens.loggedOut, 'POST', `${V1}/auth/logout`)).statusCode).toBe(200);
  const created = await t.call(tokens.owner, 'POST', `${V1}/tokens`, { name: 'doomed', workspace: 'alpha', role: 'owner' });
  expect(created.statusCode).toBe(201);
  tokens.revokedToken = created.json<{ token: string }>().token;
  expect((await t.call(tokens.owner, 'DELETE', `${V1}/tokens/${created.json<{ id: string }>().id}`)).statusCode).toBe(200);

  destinationA = await destinationOnA();
});

afterAll(async () => {
  await t.close();
});

const keyOf = (route: { method: string; url: string }) => `${route.method} ${route.url}`;

describe('the authorization matrix', () => {
  it('has exactly one row for every registered admin route', () => {
    const registered = [...new Set(t.routes.map(keyOf))].sort();
    expect(registered.filter((key) => !(key in matrix))).toEqual([]);
    expect(Object.keys(matrix).filter((key) => !registered.includes(key))).toEqual([]);
  });

  it('answers every route × principal as the table says', async () => {
    const mismatches: string[] = [];
    for (const [key, row] of Object.entries(matrix)) {
      const method = key.slice(0, key.indexOf(' ')) as 'GET' | 'POST' | 'PATCH' | 'DELETE';
      // A public route is called without any credential, so one call stands for every principal.
      const principals: Principal[] = row.public ? ['anonymous'] : ['owner', 'reader', 'collaborator', 'outsider', ...unauthenticated];
      for (const who of principals) {
        const request = await row.request(who);
        const token = row.public || who === 'anonymous' ? undefined : tokens[who];
        const response = await t.call(token, method, request.url, request.payload);
        const expected: Expected = row.public ? 'allow' : (unauthenticated as readonly string[]).includes(who) ? { status: 401, code: 'unauthenticated' } : row.expect![who as Member];
        const body = response.body.length > 0 && response.headers['content-type']?.toString().includes('json') ? response.json<{ code?: string }>() : {};
        const ok =
          expected === 'allow'
            ? response.statusCode >= 200 && response.statusCode < 300
            : typeof expected === 'number'
              ? response.statusCode === expected
              : response.statusCode === expected.status && body.code === expected.code;
        if (!ok) mismatches.push(`${key} as ${who}: expected ${JSON.stringify(expected)}, got ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('denials carry the right code: forbidden for a visible resource, not_found for a hidden one', async () => {
    const forbidden = await t.call(tokens.reader, 'PATCH', ws(`/sources/${sourceA.id}`), { name: 'x' });
    expect(forbidden.json()).toMatchObject({ success: false, code: 'forbidden' });
    // Source B is not the collaborator's, so neither it nor a destination touching it exists for them.
    expect((await t.call(tokens.collaborator, 'GET', ws(`/sources/${sourceB.id}`))).json()).toMatchObject({ code: 'not_found' });
    const shared = await t.destinations.createDestination({ workspaceId: alpha.id, type: 'fake', name: 'AB', settings: { name: 'ab' }, enabled: true, sourceIds: [sourceA.id, sourceB.id] });
    expect((await t.call(tokens.collaborator, 'PATCH', ws(`/destinations/${shared.id}`), { name: 'mine now' })).statusCode).toBe(404);
    const listed = (await t.call(tokens.collaborator, 'GET', ws('/sources'))).json<{ sources: { id: string }[] }>().sources.map((source) => source.id);
    expect(listed).toContain(sourceA.id);
    expect(listed).not.toContain(sourceB.id);
    expect((await t.call(tokens.collaborator, 'PATCH', ws(`/members/${users.collaborator.id}`), { role: 'owner' })).json()).toMatchObject({ code: 'forbidden' });
  });

  it('a workspace that requires MFA refuses sessions without it (403 mfa_required) but accepts API tokens', async () => {
    const created = await t.call(tokens.outsider, 'POST', `${V1}/workspaces/beta/tokens`, { name: 'automation', role: 'read_only' });
    expect(created.statusCode).toBe(201);
    const apiToken = created.json<{ token: string }>().token;
    // Turning it on takes an MFA-verified session (else the owner locks itself out); here the store does it.
    expect((await t.call(tokens.outsider, 'PATCH', `${V1}/workspaces/beta`, { requireMfa: true })).json()).toMatchObject({ code: 'mfa_required' });
    await new SqlWorkspaceAdminStore(t.plane.database).updateWorkspace(beta.id, { requireMfa: true });
    const refused = await t.call(tokens.outsider, 'GET', `${V1}/workspaces/beta/sources`);
    expect({ status: refused.statusCode, code: refused.json<{ code: string }>().code }).toEqual({ status: 403, code: 'mfa_required' });
    expect((await t.call(apiToken, 'GET', `${V1}/workspaces/beta/sources`)).statusCode).toBe(200);
    // Other workspaces of the same session are unaffected, and a non-member still gets 404, not 403.
    expect((await t.call(tokens.owner, 'GET', `${V1}/workspaces/beta/sources`)).statusCode).toBe(404);
    expect((await t.call(tokens.owner, 'GET', ws('/sources'))).statusCode).toBe(200);
  });
});
