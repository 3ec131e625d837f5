/**
 * `POST /auth/login` and `POST /auth/logout` (DESIGN B4), mounted under /api/v1 by the admin plugin.
 * Login answers the same 401 for an unknown email and a wrong password, in the same time (a bcrypt
 * comparison either way), so it does not reveal which accounts exist.
 */
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../errors/index.js';
import type { MetadataStore, User } from '../control/index.js';
import { hashSessionToken, newSessionToken } from '../control/ids.js';
import { burnPasswordCheck, verifyPassword } from '../control/passwords.js';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from './auth-session.js';

export interface AuthRouteOptions {
  readonly store: MetadataStore;
  readonly sessionTtlSeconds: number;
  /** Mark the cookie `Secure` (the listener is HTTPS). */
  readonly secureCookies: boolean;
  readonly now: () => Date;
}

const publicUser = (user: User) => ({ id: user.id, email: user.email, createdAt: user.createdAt });

function credentialsOf(body: unknown): { email: string; password: string } {
  const { email, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof email !== 'string' || email.trim() === '') throw new SluiceError('invalid_request', '"email" must be a non-empty string.');
  if (typeof password !== 'string' || password === '') throw new SluiceError('invalid_request', '"password" must be a non-empty string.');
  return { email, password };
}

export function registerAuthRoutes(app: FastifyInstance, options: AuthRouteOptions): void {
  app.post('/auth/login', async (request, reply) => {
    const { email, password } = credentialsOf(request.body);
    const credentials = await options.store.findCredentials(email);
    if (!credentials) {
      await burnPasswordCheck(password);
      throw new SluiceError('invalid_credentials');
    }
    if (!(await verifyPassword(password, credentials.passwordHash))) throw new SluiceError('invalid_credentials');

    const now = options.now();
    await options.store.deleteExpiredSessions(now);
    const token = newSessionToken();
    await options.store.createSession({
      userId: credentials.user.id,
      tokenHash: hashSessionToken(token),
      expiresAt: new Date(now.getTime() + options.sessionTtlSeconds * 1000),
    });
    request.log.info({ userId: credentials.user.id }, 'admin login');
    reply.header('set-cookie', sessionCookie(token, { maxAgeSeconds: options.sessionTtlSeconds, secure: options.secureCookies }));
    return { token, user: publicUser(credentials.user) };
  });

  // Logging out needs no valid session: it forgets whatever token was sent and clears the cookie.
  app.post('/auth/logout', async (request, reply) => {
    const lookup = sessionTokenOf(request);
    if (lookup.kind === 'token') await options.store.deleteSession(hashSessionToken(lookup.token));
    reply.header('set-cookie', clearedSessionCookie(options.secureCookies));
    return { success: true };
  });
}
