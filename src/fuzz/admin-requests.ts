/**
 * Admin API requests as bytes on the wire for the fuzzer: a route from the OpenAPI list, its path
 * parameters (real fixtures or mutated: over-long, unicode, traversal, bad percent-encoding, another
 * workspace), query strings, a body shaped by the route's schema (schema-arbitrary.ts), Content-Type
 * variants, and who is calling (owner by bearer or cookie, with or without the CSRF header, an API
 * token, a read_only member, nobody, junk credentials).
 *
 * Guard rails, so the fuzzer never destroys its own world or writes outside the temp dir: DELETEs and
 * member PATCHes by callers who may change things only ever name mutated ids, and their destination
 * bodies never carry valid `settings` (a `local-files` directory is a filesystem path).
 */
import fc from 'fast-check';
import type { AdminRoute, AdminWorld } from './admin-fixtures.js';
import { anyString } from './event-arbitraries.js';
import type { RawRequest } from './raw-http.js';
import { withLabel } from './request-arbitraries.js';
import { bodyFor } from './schema-arbitrary.js';

export const ADMIN_BODY_LIMIT = 256 * 1024;

export type Caller = 'owner' | 'owner-cookie' | 'owner-cookie-no-csrf' | 'api-token' | 'read-only' | 'collaborator' | 'nobody' | 'junk';
/** Callers who may change sources and destinations (the guard rails below apply to them). */
export const mayChange: ReadonlySet<Caller> = new Set<Caller>(['owner', 'owner-cookie', 'owner-cookie-no-csrf', 'api-token', 'collaborator']);

export interface AdminRequest {
  readonly label: string;
  readonly route: AdminRoute;
  readonly caller: Caller;
  /** True when the caller presents no valid credentials for this method. */
  readonly unauthenticated: boolean;
  readonly request: RawRequest;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const callerArb: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Caller>('owner') },
  { weight: 1, arbitrary: fc.constant<Caller>('owner-cookie') },
  { weight: 1, arbitrary: fc.constant<Caller>('owner-cookie-no-csrf') },
  { weight: 1, arbitrary: fc.constant<Caller>('api-token') },
  { weight: 2, arbitrary: fc.constant<Caller>('read-only') },
  { weight: 2, arbitrary: fc.constant<Caller>('collaborator') },
  { weight: 1, arbitrary: fc.constant<Caller>('nobody') },
  { weight: 2, arbitrary: fc.constant<Caller>('junk') },
);

function junkCredentials(world: AdminWorld): fc.Arbitrary<[string, string][]> {
  return fc.oneof(
    fc.constantFrom<[string, string][]>(
      [['Authorization', 'Bearer']],
      [['Authorization', 'Bearer ']],
      [['Authorization', `Bearer ${world.ownerToken}x`]],
      [['Authorization', `Bearer ${world.ownerToken.slice(1)}`]],
      [['Authorization', `Bearer ${world.ownerToken} ${world.ownerToken}`]],
      [['Authorization', `Basic ${Buffer.from(`${world.ownerToken}:`).toString('base64')}`]],
      [['Authorization', `Token ${world.ownerToken}`]],
      [['Authorization', 'Bearer \u00e9\u00ff\u00fe']],
      [['Cookie', 'sluice_session=junk'], ['X-Sluice-Csrf', '1']],
      [['Cookie', 'sluice_session=%E0%A4%A'], ['X-Sluice-Csrf', '1']],
      [['Cookie', 'sluice_session=%'], ['X-Sluice-Csrf', '1']],
      [['Cookie', `sluice_session=${world.ownerToken}x`], ['X-Sluice-Csrf', '1']],
      [['Cookie', '=;;;sluice_session'], ['X-Sluice-Csrf', '']],
      [['Authorization', ''], ['Cookie', `sluice_session=${world.ownerToken}`], ['X-Sluice-Csrf', '1']],
    ),
    anyString.map((text): [string, string][] => [['Authorization', `Bearer ${Buffer.from(text, 'utf8').toString('latin1').replace(/[\r\n]/g, '')}`]]),
  );
}

function credentials(caller: Caller, world: AdminWorld): fc.Arbitrary<[string, string][]> {
  switch (caller) {
    case 'owner':
      return fc.constant([['Authorization', `Bearer ${world.ownerToken}`]]);
    case 'owner-cookie':
      return fc.constant([['Cookie', `other=1; sluice_session=${encodeURIComponent(world.ownerToken)}`], ['X-Sluice-Csrf', '1']]);
    case 'owner-cookie-no-csrf':
      return fc.constant([['Cookie', `sluice_session=${encodeURIComponent(world.ownerToken)}`]]);
    case 'api-token':
      return fc.constant([['Authorization', `Bearer ${world.apiToken}`]]);
    case 'read-only':
      return fc.constant([['Authorization', `Bearer ${world.readOnlyToken}`]]);
    case 'collaborator':
      return fc.constant([['Authorization', `Bearer ${world.collaboratorToken}`]]);
    case 'nobody':
      return fc.constant([]);
    case 'junk':
      return junkCredentials(world);
  }
}

/** encodeURIComponent that takes lone surrogates too (as UTF-8's replacement character). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const mutatedParam: fc.Arbitrary<string> = fc.oneof(
  anyString.filter((text) => text.length > 0).map((text) => percentEncode(text)),
  fc.integer({ min: 60, max: 140 }).map((length) => 'x'.repeat(length)),
  fc.constantFrom('nope', 'DEFAULT', '..', '.', '%2E%2E', '%2F', '%00', '%zz', '%E0%A4%A', 'a%20b', encodeURIComponent("'; DROP TABLE sources;--"), '0', '-1', 'null', '__proto__', 'constructor', '%F0%9F%92%A5'),
);

function realParams(route: AdminRoute, name: string, world: AdminWorld): string[] {
  if (name === 'workspace') return ['default'];
  if (name === 'userId') return [world.readOnlyId, world.ownerId];
  if (name === 'tokenId') return [world.apiTokenId];
  if (name === 'id' && route.path.includes('/sources/')) return [world.sourceId, world.otherSourceId];
  if (name === 'id' && route.path.includes('/destinations/')) return [world.destinationId];
  return [];
}

const destructive = (route: AdminRoute): boolean => route.method === 'DELETE' || (route.method === 'PATCH' && route.path.includes('/members/'));

function pathFor(route: AdminRoute, caller: Caller, world: AdminWorld): fc.Arbitrary<string> {
  const params = route.pathParams.map((name) => {
    const real = realParams(route, name, world);
    // Callers who may change things never get a real id on a destructive route (the fixtures must survive).
    const mayUseReal = real.length > 0 && (name === 'workspace' || !(destructive(route) && mayChange.has(caller)));
    return mayUseReal ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...real) }, { weight: 1, arbitrary: mutatedParam }) : mutatedParam;
  });
  return fc.tuple(...params).map((values) => route.pathParams.reduce((path, name, index) => path.replace(`{${name}}`, values[index]!), route.path));
}

function queryFor(route: AdminRoute): fc.Arbitrary<string> {
  const known = route.queryParams.map(({ name, schema }) =>
    fc.option(
      fc.oneof(
        schema.type === 'integer' ? fc.constantFrom('0', '1', '50', '100', '101', '1000', '-1', '1.5', 'abc', '') : fc.constant('x'),
        anyString.map((text) => percentEncode(text)),
        fc.constantFrom('source', 'destination', 'member', '2030-01-01T00:00:00Z', 'x'.repeat(70)),
      ).map((value) => `${name}=${value}`),
      { nil: undefined },
    ),
  );
  const unknown = fc.option(fc.constantFrom('colour=red', 'limit=1&limit=2', '__proto__[x]=1', 'a=%zz', '&&&', '='), { freq: 5, nil: undefined });
  return fc.tuple(fc.tuple(...known), unknown).map(([values, extra]) => {
    const parts = [...values, extra].filter((part): part is string => part !== undefined);
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | undefined>('application/json') },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(undefined, 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '', 'multipart/form-data') },
);

/** Destination settings are a filesystem path for local-files: callers who may change them only send invalid ones. */
function defang(route: AdminRoute, caller: Caller, bytes: Buffer | undefined): Buffer | undefined {
  if (!bytes || !mayChange.has(caller) || !route.path.includes('/destinations')) return bytes;
  try {
    const body = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'settings')) return bytes;
    return Buffer.from(JSON.stringify({ ...body, settings: 'not-an-object' }));
  } catch {
    return bytes;
  }
}

export function adminRequest(world: AdminWorld): fc.Arbitrary<AdminRequest> {
  // Logging in costs a bcrypt hash (~0.2 s): the login route gets a small share.
  const route = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...world.routes.filter((candidate) => !candidate.path.endsWith('/auth/login'))) },
    { weight: 1, arbitrary: fc.constantFrom(...world.routes.filter((candidate) => candidate.path.endsWith('/auth/login'))) },
  );
  return fc
    .tuple(route, callerArb)
    .chain(([chosen, caller]) => {
      // Logging out by a fixture's own session would end it for the rest of the run.
      const who = chosen.path.endsWith('/auth/logout') && caller !== 'nobody' ? fc.constant<Caller>('junk') : fc.constant(caller);
      return who.chain((finalCaller) =>
        fc.record({
          route: fc.constant(chosen),
          caller: fc.constant(finalCaller),
          auth: credentials(finalCaller, world),
          path: pathFor(chosen, finalCaller, world),
          query: queryFor(chosen),
          body: bodyFor(chosen.bodySchema, ADMIN_BODY_LIMIT),
          type: contentType,
          extra: fc.option(fc.constantFrom<[string, string]>(['X-Forwarded-For', '203.0.113.7'], ['Origin', 'https://evil.example'], ['Accept', 'text/html'], ['X-Sluice-Csrf', '']), { nil: undefined }),
        }),
      );
    })
    .map(({ route: chosen, caller, auth, path, query, body, type, extra }) => {
      const bytes = defang(chosen, caller, body.bytes);
      const headers: [string, string][] = [...auth];
      if (bytes !== undefined && type !== undefined) headers.push(['Content-Type', type]);
      if (extra) headers.push(extra);
      // Any X-Sluice-Csrf header, even empty, is the CSRF proof (a cross-site form can send none at all).
      const csrfSent = headers.some(([name]) => name.toLowerCase() === 'x-sluice-csrf');
      const unauthenticated = caller === 'nobody' || caller === 'junk' || (caller === 'owner-cookie-no-csrf' && !SAFE.has(chosen.method) && !csrfSent);
      const request: RawRequest = { method: chosen.method, path: `${path}${query}`, headers, ...(bytes === undefined ? { contentLength: null } : { body: bytes }) };
      const label = `${chosen.method} ${chosen.path} as ${caller} → ${path}${query} [${body.kind}, ${bytes?.length ?? 0} bytes, type ${JSON.stringify(type)}]`;
      return withLabel({ label, route: chosen, caller, unauthenticated, request });
    });
}

