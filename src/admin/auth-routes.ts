/**
 * `POST /auth/login` and `POST /auth/logout` (DESIGN B4, public), and the caller's own sessions
 * (`GET /auth/sessions`, `DELETE /auth/sessions/:id`, authenticated). Login answers the same 401 for an
 * unknown email and a wrong password, in the same time (a bcrypt comparison either way); failures are
 * throttled per account and per address (429 `too_many_login_attempts`, checked before any password
 * work); with TOTP enabled the code is required (`mfa_code_required`, `invalid_mfa_code`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashSessionToken, newSessionToken } from '../control/ids.js';
import type { User } from '../control/index.js';
import { burnPasswordCheck, verifyPassword } from '../control/passwords.js';
import { SluiceError } from '../errors/index.js';
import { installIdentityCleanup, type AdminIdentity } from './auth-context.js';
import { requireAuth } from './auth-guard.js';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from './auth-session.js';
import { acceptTotpCode } from './mfa-verify.js';
import { summaryOnly } from './auth-schemas.js';

const publicUser = (user: User) => ({ id: user.id, email: user.email, createdAt: user.createdAt });

const loginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 320, pattern: '\\S' },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    totp: { type: 'string', minLength: 1, maxLength: 16, description: 'The current 6-digit TOTP code, when the account has TOTP enabled.' },
  },
} as const;

interface LoginBody {
  email: string;
  password: string;
  totp?: string;
}

const sessionIdParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

/** Public: login and logout, plus the expired-session cleanup timer. */
export function registerAuthRoutes(app: FastifyInstance, identity: AdminIdentity): void {
  installIdentityCleanup(app, identity);

  app.post('/auth/login', { schema: { summary: 'Log in (email, password, and the TOTP code when enabled)', body: loginBody }, config: { access: { public: true } } }, async (request, reply) => {
    const { email, password, totp } = request.body as LoginBody;
    const now = identity.now();
    const address = identity.clientAddress(request);
    const retryAfterSeconds = identity.limiter.retryAfterSeconds(email, address, now);
    if (retryAfterSeconds > 0) throw new SluiceError('too_many_login_attempts', undefined, { retryAfterSeconds });
    const fail = (code: 'invalid_credentials' | 'invalid_mfa_code') => {
      identity.limiter.recordFailure(email, address, now);
      return new SluiceError(code);
    };

    const credentials = await identity.store.findCredentials(email);
    if (!credentials) {
      await burnPasswordCheck(password);
      throw fail('invalid_credentials');
    }
    if (!(await verifyPassword(password, credentials.passwordHash))) throw fail('invalid_credentials');

    const enrolment = await identity.identity.findTotp(credentials.user.id);
    const totpOn = enrolment?.enabled === true;
    if (totpOn && totp === undefined) throw new SluiceError('mfa_code_required');
    if (totpOn && !(await acceptTotpCode(identity, enrolment, totp ?? ''))) throw fail('invalid_mfa_code');
    identity.limiter.recordSuccess(email);

    const token = newSessionToken();
    const session = await identity.identity.createSession({
      userId: credentials.user.id,
      tokenHash: hashSessionToken(token),
      expiresAt: new Date(now.getTime() + identity.sessionTtlSeconds * 1000),
      mfaVerified: totpOn,
    });
    request.log.info({ userId: credentials.user.id, sessionId: session.id, mfa: totpOn }, 'admin login');
    reply.header('set-cookie', sessionCookie(token, { maxAgeSeconds: identity.sessionTtlSeconds, secure: identity.secureCookies }));
    reply.header('cache-control', 'no-store');
    return { token, user: publicUser(credentials.user), session: { id: session.id, expiresAt: session.expiresAt, mfaVerified: session.mfaVerified } };
  });

  // Logging out needs no valid session: it forgets whatever session token was sent and clears the cookie.
  app.post('/auth/logout', { schema: summaryOnly('Log out: forget this session and clear the cookie'), config: { access: { public: true } } }, async (request, reply) => {
    const lookup = sessionTokenOf(request);
    if (lookup.kind === 'token') await identity.identity.deleteSessionByTokenHash(hashSessionToken(lookup.token));
    reply.header('set-cookie', clearedSessionCookie(identity.secureCookies));
    return { success: true };
  });
}

const currentSessionId = (request: FastifyRequest): string | undefined => {
  const { credential } = requireAuth(request);
  return credential.kind === 'session' ? credential.sessionId : undefined;
};

/** Authenticated: the caller's own live sessions, and revoking one (any other user's id is a 404). */
export function registerSessionRoutes(app: FastifyInstance, identity: AdminIdentity): void {
  app.get('/auth/sessions', { schema: summaryOnly('Your live sessions (current: the one making this call)'), config: { access: { workspace: false } } }, async (request) => {
    const auth = requireAuth(request);
    const sessions = await identity.identity.listSessions(auth.user.id, identity.now());
    const current = currentSessionId(request);
    return { sessions: sessions.map((session) => ({ ...session, current: session.id === current })) };
  });

  app.delete('/auth/sessions/:id', { schema: { summary: 'Revoke one of your sessions', params: sessionIdParams }, config: { access: { workspace: false } } }, async (request) => {
    const auth = requireAuth(request);
    const { id } = request.params as { id: string };
    if (!(await identity.identity.revokeSession(auth.user.id, id))) throw new SluiceError('not_found', `No session "${id}".`);
    request.log.info({ userId: auth.user.id, sessionId: id }, 'admin session revoked');
    return { success: true };
  });
}
