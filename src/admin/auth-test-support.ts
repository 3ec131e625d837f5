/**
 * Test support for the identity tests: the real admin plugin over a real SQLite metadata store in a temp
 * dir, the SQL identity store, the audit recorder, and a movable clock. Users share one bcrypt hash
 * (cost 12 is slow; hashing once keeps the tests fast).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import type { LoginRateLimits } from '../auth/login-rate-limiter.js';
import { SqlIdentityStore } from '../control/identity-store-sql.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from '../control/index.js';
import { openAudit, type AuditRecorder } from './audit-recorder.js';
import type { SecretSealer } from './mfa-secrets.js';
import { testUserMaker, type AddTestUser } from './test-support/test-users.js';
import { adminPlugin, requireAuth, type AdminRoutes } from './index.js';

export const PASSWORD = 'right-password';

export interface IdentityTestApp {
  readonly app: FastifyInstance;
  readonly plane: OpenedControlPlane;
  readonly identity: SqlIdentityStore;
  readonly audit: AuditRecorder;
  readonly dataDir: string;
  /** The clock every identity decision reads; tests move it. */
  clock: Date;
  advance(seconds: number): void;
  addUser: AddTestUser;
  login(email: string, extra?: Record<string, unknown>, remoteAddress?: string): Promise<LightMyRequestResponse>;
  /** Logs in and returns `Authorization` headers for the session. */
  bearer(email: string, extra?: Record<string, unknown>): Promise<{ authorization: string }>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Routes the tests call through the guard: who am I, a personal write, and a workspace read. */
export const probeRoutes: AdminRoutes = (api) => {
  api.get('/whoami', { config: { access: { workspace: false } } }, async (request) => {
    const auth = requireAuth(request);
    return { email: auth.user.email, credential: auth.credential, memberships: auth.memberships.map((m) => [m.workspace.slug, m.role]) };
  });
  api.post('/poke', { config: { access: { workspace: false } } }, async () => ({ poked: true }));
  api.get('/workspaces/:workspace/probe', { config: { access: { workspace: true, permission: 'sources:read' } } }, async () => ({ ok: true }));
  api.post('/workspaces/:workspace/probe', { config: { access: { workspace: true, permission: 'sources:create' } } }, async () => ({ ok: true }));
};

export async function identityTestApp(
  options: { loginRateLimits?: LoginRateLimits; secretBox?: SecretSealer; cleanupIntervalMs?: number; routes?: AdminRoutes[]; sessionTtlSeconds?: number; trustProxy?: boolean } = {},
): Promise<IdentityTestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-identity-'));
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  const identity = new SqlIdentityStore(plane.database);
  const audit = openAudit(plane.database);
  const app = Fastify();
  const state = { clock: new Date('2030-01-01T00:00:00Z') };
  await app.register(adminPlugin, {
    store: plane.store,
    sessionTtlSeconds: options.sessionTtlSeconds ?? 3600,
    secureCookies: false,
    now: () => state.clock,
    audit,
    identity: {
      identity,
      ...(options.secretBox ? { secretBox: options.secretBox } : {}),
      ...(options.loginRateLimits ? { loginRateLimits: options.loginRateLimits } : {}),
      ...(options.cleanupIntervalMs ? { cleanupIntervalMs: options.cleanupIntervalMs } : {}),
      ...(options.trustProxy ? { trustProxy: true } : {}),
    },
    routes: [probeRoutes, ...(options.routes ?? [])],
  });
  await app.ready();

  const login = (email: string, extra: Record<string, unknown> = {}, remoteAddress?: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD, ...extra }, ...(remoteAddress ? { remoteAddress } : {}) });
  const harness: IdentityTestApp = {
    app,
    plane,
    identity,
    audit,
    dataDir,
    get clock() {
      return state.clock;
    },
    set clock(value: Date) {
      state.clock = value;
    },
    advance(seconds) {
      state.clock = new Date(state.clock.getTime() + seconds * 1000);
    },
    addUser: testUserMaker(plane.store, PASSWORD),
    login,
    async bearer(email, extra = {}) {
      const response = await login(email, extra);
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
      return { authorization: `Bearer ${response.json<{ token: string }>().token}` };
    },
    request: (requestOptions) => app.inject(requestOptions),
    async close() {
      await app.close();
      await plane.store.close();
    },
  };
  return harness;
}
