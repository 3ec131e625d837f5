/**
 * The admin API plugin (DESIGN B4): everything under /api/v1 in its own encapsulated context (STYLE 9),
 * with the shared error handler (src/errors/http-error-handler.ts) and strict schema validation.
 * `auth/login`, `auth/logout` and the OpenAPI document are public; every route passed in `routes` is
 * registered in a child context behind the auth guard AND the authorization layer
 * (src/admin/authorization/): each such route declares `config.access`, or registering it fails.
 *
 * No CORS here on purpose: browsers may call the admin API only from its own origin (see auth-session.ts).
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadataStore } from '../control/index.js';
import type { ErrorCode } from '../errors/codes.js';
import { installErrorHandling } from '../errors/http-error-handler.js';
import type { AuditRecorder } from './audit-recorder.js';
import { adminIdentity, identityRoutes, type IdentityOptions } from './auth-context.js';
import { installAuthGuard } from './auth-guard.js';
import { registerAuthRoutes } from './auth-routes.js';
import { AuthorizationRegistry, installAuthorization, requireAccessDeclarations } from './authorization/index.js';
import { registerOpenApiRoute } from './openapi.js';
import { installStrictValidation } from './validation.js';

export { requireAuth, membershipIn, type AdminAuth } from './auth-guard.js';
export { SESSION_COOKIE, CSRF_HEADER } from './auth-session.js';

/** A group of authenticated admin routes, e.g. `destinationRoutes(deps)`. Paths are relative to /api/v1. */
export type AdminRoutes = (app: FastifyInstance) => Promise<void> | void;

export interface AdminOptions {
  readonly store: MetadataStore;
  readonly sessionTtlSeconds: number;
  readonly secureCookies: boolean;
  readonly routes?: readonly AdminRoutes[];
  /** Clock (tests move it to expire sessions). */
  readonly now?: () => Date;
  /** Identity stores and settings (sessions, TOTP, API tokens, login rate limits); see auth-context.ts. */
  readonly identity?: IdentityOptions;
  /** The audit recorder (`openAudit(database)`), also handed to the identity routes. */
  readonly audit?: AuditRecorder;
  /** Largest admin request body; larger answers 400 `request_too_large`. */
  readonly bodyLimitBytes?: number;
}

export const ADMIN_PREFIX = '/api/v1';
const DEFAULT_BODY_LIMIT = 256 * 1024;

/** Schema failures answer the route's own code when it declares one (destinations: `invalid_destination`). */
function requestErrorCodeFor(error: FastifyError, request: FastifyRequest): ErrorCode | undefined {
  const declared = request.routeOptions.config?.invalidRequestCode;
  if (error.validation === undefined || declared === undefined) return undefined;
  if (typeof declared === 'string') return declared;
  const path = error.validation[0]?.instancePath ?? '';
  const prefix = Object.keys(declared)
    .filter((candidate) => path === candidate || path.startsWith(`${candidate}/`) || candidate === '')
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : declared[prefix];
}

export async function adminPlugin(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  // Before the admin routes exist, so the document's collector sees every one of them.
  registerOpenApiRoute(app);
  await app.register(
    async (api) => {
      installErrorHandling(api, { requestErrorCode: 'invalid_request', logMessage: 'admin request failed', requestErrorCodeFor });
      installStrictValidation(api);
      const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
      api.addHook('onRoute', (route) => {
        route.bodyLimit ??= bodyLimit;
      });
      api.decorate('adminAuthorization', new AuthorizationRegistry());
      api.decorateRequest('adminAuth', null);
      const identity = adminIdentity(
        { store: options.store, now, sessionTtlSeconds: options.sessionTtlSeconds, secureCookies: options.secureCookies },
        { ...(options.audit ? { audit: options.audit } : {}), ...options.identity },
      );
      registerAuthRoutes(api, identity);
      await api.register(async (authenticated) => {
        requireAccessDeclarations(authenticated);
        installAuthGuard(authenticated, identity);
        installAuthorization(authenticated);
        await authenticated.register(async (child) => identityRoutes(identity)(child));
        for (const routes of options.routes ?? []) await authenticated.register(async (child) => routes(child));
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}
