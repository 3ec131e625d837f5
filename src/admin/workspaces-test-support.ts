/**
 * Test support for the workspace admin API tests: the real admin plugin (identity, authorization,
 * every route group) over a real SQLite metadata store in a temp dir, a real DeliveryManager with the
 * fake destination type, and a movable clock. Users share one bcrypt hash (cost 12 is slow).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { SqlAuditStore } from '../control/audit-store.js';
import { SqlBatchStore } from '../control/batch-store.js';
import { SqlDestinationStore } from '../control/destination-store.js';
import { SqlIdentityStore } from '../control/identity-store-sql.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from '../control/index.js';
import { SqlMembershipStore } from '../control/membership-store.js';
import { DeliveryManager } from '../delivery/delivery-manager.js';
import { fakeTypes } from '../delivery/test-support/fake-types.js';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { AuditRecorder } from './audit-recorder.js';
import { testUserMaker, type AddTestUser } from './test-support/test-users.js';
import { adminPlugin } from './index.js';
import { adminApiRoutes, secretSettingsOfTypes } from './workspaces-api.js';

export const PASSWORD = 'a-long-enough-password';
export const SESSION_TTL_SECONDS = 3600;

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly hasBody: boolean;
}

export interface AdminApiTestApp {
  readonly app: FastifyInstance;
  readonly plane: OpenedControlPlane;
  readonly destinations: SqlDestinationStore;
  readonly members: SqlMembershipStore;
  readonly auditStore: SqlAuditStore;
  readonly manager: DeliveryManager;
  readonly log: MemoryEventLog;
  /** Every route the app registered (HEAD excluded), as Fastify saw it. */
  readonly routes: readonly RegisteredRoute[];
  advance(seconds: number): void;
  addUser: AddTestUser;
  /** Logs in; returns the bearer token. */
  login(email: string): Promise<string>;
  call(token: string | undefined, method: InjectOptions['method'], url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function adminApiTestApp(): Promise<AdminApiTestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-admin-api-'));
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  const types = fakeTypes();
  const destinations = new SqlDestinationStore(plane.database);
  const auditStore = new SqlAuditStore(plane.database);
  const audit = new AuditRecorder(auditStore, secretSettingsOfTypes(types));
  const log = new MemoryEventLog();
  const manager = new DeliveryManager({
    log,
    destinations,
    batches: new SqlBatchStore(plane.database),
    types,
    nodeId: 'abcdefabcdefabcd',
    spoolDirectory: join(dataDir, 'spool'),
  });
  await manager.start();
  const state = { clock: new Date('2030-01-01T00:00:00Z') };
  const routes: RegisteredRoute[] = [];
  const app = Fastify();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, hasBody: route.schema?.body !== undefined });
  });
  await app.register(adminPlugin, {
    store: plane.store,
    sessionTtlSeconds: SESSION_TTL_SECONDS,
    secureCookies: false,
    now: () => state.clock,
    audit,
    identity: { identity: new SqlIdentityStore(plane.database) },
    routes: [adminApiRoutes({ store: plane.store, database: plane.database, destinations, types, manager, audit })],
  });
  await app.ready();

  const call = (token: string | undefined, method: InjectOptions['method'], url: string, payload?: unknown) =>
    app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    app,
    plane,
    destinations,
    members: new SqlMembershipStore(plane.database),
    auditStore,
    manager,
    log,
    routes,
    advance(seconds) {
      state.clock = new Date(state.clock.getTime() + seconds * 1000);
    },
    addUser: testUserMaker(plane.store, PASSWORD),
    async login(email) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
      return response.json<{ token: string }>().token;
    },
    call,
    async close() {
      await app.close();
      await manager.stop();
      await plane.store.close();
    },
  };
}
