/**
 * The admin API plugin (DESIGN B4): everything under /api/v1 in its own encapsulated context (STYLE 9),
 * with its own error handling. `auth/login` and `auth/logout` are public; every route passed in
 * `routes` (workspaces, sources, destinations ...) is registered in a child context behind the auth
 * guard, so no admin route can forget to authenticate. Handlers read the caller with `requireAuth()`.
 *
 * No CORS here on purpose: browsers may call the admin API only from its own origin (see auth-session.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetadataStore } from '../control/index.js';
import { SluiceError } from '../errors/index.js';
import { installAuthGuard } from './auth-guard.js';
import { registerAuthRoutes } from './auth-routes.js';

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
}

export const ADMIN_PREFIX = '/api/v1';

export async function adminPlugin(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  await app.register(
    async (api) => {
      installAdminErrorHandling(api);
      api.decorateRequest('adminAuth', null);
      registerAuthRoutes(api, { store: options.store, sessionTtlSeconds: options.sessionTtlSeconds, secureCookies: options.secureCookies, now });
      await api.register(async (authenticated) => {
        installAuthGuard(authenticated, { store: options.store, now });
        for (const routes of options.routes ?? []) await authenticated.register(async (child) => routes(child));
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}

function toSluiceError(error: FastifyError): SluiceError | undefined {
  if (error instanceof SluiceError) return error;
  if (error.statusCode === 413) return new SluiceError('request_too_large');
  if (error.statusCode === 415) return new SluiceError('unsupported_content_type');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return new SluiceError('invalid_request', error.message);
  return undefined;
}

function sendAdminError(reply: FastifyReply, error: SluiceError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  return reply.code(error.statusCode).send(error.toBody());
}

function installAdminErrorHandling(api: FastifyInstance): void {
  api.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toSluiceError(error);
    if (known) return sendAdminError(reply, known);
    request.log.error({ err: error }, 'admin request failed');
    return sendAdminError(reply, new SluiceError('internal_error'));
  });
  api.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendAdminError(reply, new SluiceError('not_found', `No route ${request.method} ${request.url.split('?', 1)[0]}.`)),
  );
}
