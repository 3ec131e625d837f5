/**
 * Issue 5, admin API: random and mutated bodies, path parameters, query strings and credentials against
 * every route the OpenAPI document lists (new routes are covered without editing this suite), over HTTP
 * against the real server. Properties, per request: the answer comes within the deadline with a
 * documented status and code (never an undocumented 5xx); a refused request leaves the metadata store
 * unchanged (every table compared); a caller without valid credentials never gets a 2xx on a
 * non-public route and changes nothing; a read_only or source_collaborator member never does what its
 * role does not allow (nor, for the collaborator, anything on a source it was not granted);
 * `GET /healthz` still answers 200. Seed and size: fuzz-config.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminWorld, collaboratorPermissions, readOnlyPermissions, snapshotStore, type AdminWorld } from './admin-fixtures.js';
import { adminRequest } from './admin-requests.js';
import { adminProblems, codeOf } from './documented.js';
import { FuzzTotals, assertNoProblems, fuzzParameters, timeoutFor } from './fuzz-config.js';
import { startFuzzServer, type FuzzServer } from './fuzz-server.js';
import { exchange, stillHealthy } from './tracking-client.js';

let server: FuzzServer;
let world: AdminWorld;
const totals = new FuzzTotals();

beforeAll(async () => {
  server = await startFuzzServer();
  world = await adminWorld(server);
});
afterAll(async () => {
  totals.print('admin');
  await server?.close();
});

describe('admin API under random and mutated requests', () => {
  it(
    'documented answers; no change behind a refusal, by the unauthenticated, or by a member beyond its role',
    async () => {
      let before = await snapshotStore(server);
      await fc.assert(
        fc.asyncProperty(adminRequest(world), async ({ label, route, caller, unauthenticated, request }) => {
          totals.runs++;
          const { answer, problems } = await exchange(server.port, request, totals);
          assertNoProblems(label, problems, totals);
          const checks = request.method === 'HEAD' ? [] : adminProblems(answer!);
          const after = await snapshotStore(server);
          const succeeded = answer!.status >= 200 && answer!.status < 300;
          const summary = `${answer!.status} ${codeOf(answer!.body) ?? answer!.body.toString('utf8').slice(0, 120)}`;
          if (!succeeded && after !== before) checks.push(`refused (${summary}) but the metadata store changed`);
          if (unauthenticated && !route.isPublic) {
            if (succeeded) checks.push(`an unauthenticated caller got ${summary}`);
            if (after !== before) checks.push('an unauthenticated request changed the metadata store');
          }
          const beyondReadOnly = route.permission !== undefined && !readOnlyPermissions.has(route.permission);
          if (caller === 'read-only' && beyondReadOnly && (succeeded || after !== before)) checks.push(`read_only did ${route.permission}: ${summary}`);
          const beyondCollaborator = route.permission !== undefined && !collaboratorPermissions.has(route.permission);
          const onOtherSource = request.path.includes(world.otherSourceId);
          if (caller === 'collaborator' && (beyondCollaborator || onOtherSource) && (succeeded || after !== before)) {
            checks.push(`source_collaborator did ${route.permission}${onOtherSource ? ' on a source it was not granted' : ''}: ${summary}`);
          }
          checks.push(...(await stillHealthy(server.port, totals)));
          before = after;
          assertNoProblems(`${label} → ${summary}`, checks, totals);
        }),
        fuzzParameters(600),
      );
    },
    timeoutFor(45_000),
  );
});
