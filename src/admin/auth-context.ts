/**
 * Everything the identity routes and the auth guard share, built once per admin plugin: the stores,
 * the clock, the login rate limiter, the TOTP secret codec, the lastUsedAt throttle, the audit hook;
 * plus the timer that deletes expired sessions and API tokens. `identityRoutes()` registers the
 * authenticated identity routes (sessions, TOTP, API tokens) in the guarded admin context.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defaultLoginRateLimits, LoginRateLimiter, type LoginRateLimits } from '../auth/login-rate-limiter.js';
import { clientIp } from '../tracking/http/client-ip.js';
import { MemoryIdentityStore } from '../control/identity-store-memory.js';
import type { IdentityStore } from '../control/identity-store.js';
import type { MetadataStore } from '../control/index.js';
import type { AdminAuth } from './auth-guard.js';
import { registerSessionRoutes } from './auth-routes.js';
import { registerMfaRoutes } from './mfa-routes.js';
import { totpSecretCodec, type SecretSealer, type TotpSecretCodec } from './mfa-secrets.js';
import { registerTokenRoutes } from './tokens-routes.js';
import { TokenTouchThrottle } from './tokens-touch.js';

/** What the identity layer records in the audit log (the seam: the authorization engineer's `audit.record`). */
export interface IdentityAuditEntry {
  readonly workspaceId: string;
  readonly actor: AdminAuth;
  readonly action: string;
  readonly resource: { readonly type: string; readonly id: string };
  readonly before?: unknown;
  readonly after?: unknown;
  readonly ip: string;
}

export interface IdentityAudit {
  record(entry: IdentityAuditEntry): Promise<unknown> | unknown;
  /** Runs a change and the entries it records as one transaction (`AuditRecorder.atomically`). */
  atomically<T>(work: () => Promise<T>): Promise<T>;
}

/** Without an audit log (tests over the in-memory identity store): nothing recorded, nothing to join. */
const noAudit: IdentityAudit = { record: () => undefined, atomically: (work) => work() };

export interface IdentityOptions {
  /** The SQL identity store (`new SqlIdentityStore(database)`); without one, sessions live in memory. */
  readonly identity?: IdentityStore;
  /** Seals TOTP secrets at rest (a `SecretBox`); without one they are stored as plain base32. */
  readonly secretBox?: SecretSealer;
  readonly loginRateLimits?: LoginRateLimits;
  readonly audit?: IdentityAudit;
  /** How often expired sessions and API tokens are deleted (default 10 minutes). */
  readonly cleanupIntervalMs?: number;
  /**
   * A proxy sits in front (SLUICE_TRUST_PROXY): the client address that login throttling counts is the
   * first X-Forwarded-For entry, not the proxy's (which every client would otherwise share).
   */
  readonly trustProxy?: boolean;
}

export interface AdminIdentity {
  readonly store: MetadataStore;
  readonly identity: IdentityStore;
  readonly now: () => Date;
  readonly sessionTtlSeconds: number;
  readonly secureCookies: boolean;
  readonly limiter: LoginRateLimiter;
  readonly totpSecrets: TotpSecretCodec;
  readonly tokenTouches: TokenTouchThrottle;
  readonly audit: IdentityAudit;
  readonly cleanupIntervalMs: number;
  /** The caller's address, for throttling and audit entries. */
  clientAddress(request: FastifyRequest): string;
}

export function adminIdentity(
  base: { store: MetadataStore; now: () => Date; sessionTtlSeconds: number; secureCookies: boolean },
  options: IdentityOptions = {},
): AdminIdentity {
  const identity = options.identity ?? new MemoryIdentityStore(base.store);
  return {
    ...base,
    identity,
    limiter: new LoginRateLimiter(options.loginRateLimits ?? defaultLoginRateLimits),
    totpSecrets: totpSecretCodec(options.secretBox),
    tokenTouches: new TokenTouchThrottle(identity),
    // startServer passes the audit recorder; only tests run without one.
    audit: options.audit ?? noAudit,
    cleanupIntervalMs: options.cleanupIntervalMs ?? 10 * 60_000,
    clientAddress: (request) => clientIp(request.raw, options.trustProxy === true) ?? request.ip,
  };
}

/** Deletes expired sessions and API tokens now and then while the app runs (not per request). */
export function installIdentityCleanup(app: FastifyInstance, identity: AdminIdentity): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      identity.identity.deleteExpired(identity.now()).catch((error: unknown) => app.log.warn({ err: error }, 'deleting expired sessions failed'));
    }, identity.cleanupIntervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

/** The authenticated identity routes; register in the guarded, authorized admin context. */
export const identityRoutes =
  (identity: AdminIdentity) =>
  async (app: FastifyInstance): Promise<void> => {
    registerSessionRoutes(app, identity);
    registerMfaRoutes(app, identity);
    registerTokenRoutes(app, identity);
  };
