/**
 * The admin fuzzer's world on the fuzz server: the bootstrap owner (bearer token and session cookie), a
 * read_only member, a workspace API token, the bootstrap source and destination; the route list from
 * `GET /api/openapi.json` (so new routes are fuzzed without touching this suite); and a snapshot of the
 * metadata store (every table but sessions and migrations, `last_used` columns aside: using a token may
 * legitimately touch them) to prove a request changed nothing.
 */
import { sql } from 'kysely';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type FuzzServer } from './fuzz-server.js';

export interface AdminRoute {
  readonly method: string;
  /** OpenAPI path, e.g. /api/v1/workspaces/{workspace}/sources/{id} */
  readonly path: string;
  readonly permission: string | undefined;
  readonly isPublic: boolean;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly { name: string; schema: Record<string, unknown> }[];
  readonly bodySchema: Record<string, unknown> | undefined;
}

export interface AdminWorld {
  readonly routes: readonly AdminRoute[];
  readonly ownerToken: string;
  readonly ownerId: string;
  readonly readOnlyToken: string;
  readonly readOnlyId: string;
  readonly collaboratorToken: string;
  /** A source the collaborator was not granted. */
  readonly otherSourceId: string;
  readonly apiToken: string;
  readonly apiTokenId: string;
  readonly sourceId: string;
  readonly destinationId: string;
}

/** What read_only holds (docs/admin-api.md, roles → permissions). */
export const readOnlyPermissions: ReadonlySet<string> = new Set(['workspace:read', 'sources:read', 'destinations:read', 'members:read', 'audit:read', 'tokens:own']);
/** What source_collaborator holds at all (on its own sources and their destinations only). */
export const collaboratorPermissions: ReadonlySet<string> = new Set(['workspace:read', 'sources:read', 'sources:write', 'destinations:read', 'destinations:write', 'tokens:own']);

async function call(server: FuzzServer, method: string, path: string, token: string | undefined, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`fixture ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export async function adminWorld(server: FuzzServer): Promise<AdminWorld> {
  const login = async (email: string, password: string) => (await call(server, 'POST', '/api/v1/auth/login', undefined, { email, password })) as { token: string; user: { id: string } };
  const owner = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const readOnlyPassword = 'fuzz-read-only-password';
  await call(server, 'POST', '/api/v1/workspaces/default/members', owner.token, { email: 'reader@fuzz.test', password: readOnlyPassword, role: 'read_only' });
  const reader = await login('reader@fuzz.test', readOnlyPassword);
  const other = (await call(server, 'POST', '/api/v1/workspaces/default/sources', owner.token, { name: 'not granted' })) as { id: string };
  await call(server, 'POST', '/api/v1/workspaces/default/members', owner.token, { email: 'collaborator@fuzz.test', password: readOnlyPassword, role: 'source_collaborator', sourceIds: [server.source.id] });
  const collaborator = await login('collaborator@fuzz.test', readOnlyPassword);
  const created = (await call(server, 'POST', '/api/v1/workspaces/default/tokens', owner.token, { name: 'fuzz automation' })) as { token: string; id?: string; apiToken?: { id: string } };
  const destinations = (await call(server, 'GET', '/api/v1/workspaces/default/destinations', owner.token)) as { destinations: { id: string }[] };
  const document = (await (await fetch(`${server.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, OpenApiOperation>> };
  return {
    routes: routesOf(document.paths),
    ownerToken: owner.token,
    ownerId: owner.user.id,
    readOnlyToken: reader.token,
    readOnlyId: reader.user.id,
    collaboratorToken: collaborator.token,
    otherSourceId: other.id,
    apiToken: created.token,
    apiTokenId: created.id ?? created.apiToken?.id ?? 'unknown',
    sourceId: server.source.id,
    destinationId: destinations.destinations[0]!.id,
  };
}

interface OpenApiOperation {
  readonly 'x-permission'?: string;
  readonly security: readonly unknown[];
  readonly parameters: readonly { name: string; in: string; schema: Record<string, unknown> }[];
  readonly requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
}

function routesOf(paths: Record<string, Record<string, OpenApiOperation>>): AdminRoute[] {
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      permission: operation['x-permission'],
      isPublic: operation.security.length === 0,
      pathParams: operation.parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
      queryParams: operation.parameters.filter((parameter) => parameter.in === 'query').map(({ name, schema }) => ({ name, schema })),
      bodySchema: operation.requestBody?.content['application/json'].schema,
    })),
  );
}

/** Every row of every table a request may not change behind a refusal, as comparable JSON. */
export async function snapshotStore(server: FuzzServer): Promise<string> {
  const db = server.database.db;
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
  const state: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    if (/^(sessions|kysely_|sqlite_)/.test(name)) continue;
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)} order by 1`.execute(db)).rows;
    state[name] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !/last_used/.test(column))));
  }
  return JSON.stringify(state, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value));
}
