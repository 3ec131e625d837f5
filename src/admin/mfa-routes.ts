/**
 * The caller's TOTP second factor (RFC 6238), all under /auth/mfa/totp, authenticated by a session:
 *   GET                → { enabled, pending }
 *   POST   {}          → starts (or restarts) enrolment: { secret (base32), otpauthUri } — shown once
 *   POST   confirm {code} → enables it when the code matches
 *   DELETE {code}      → disables it (a current code is required, so a stolen session cannot)
 * Wrong codes count as failed login attempts (the same limiter), so a session cannot brute-force them.
 * Enabling and disabling are audited in every workspace the user belongs to.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newTotpSecret, otpauthUri } from '../auth/totp.js';
import { base32Encode } from '../auth/base32.js';
import { SluiceError } from '../errors/index.js';
import type { AdminIdentity } from './auth-context.js';
import { requireAuth, type AdminAuth } from './auth-guard.js';
import { acceptTotpCode } from './mfa-verify.js';
import { emptyBody } from './openapi-schemas.js';
import { summaryOnly } from './auth-schemas.js';

const codeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code: { type: 'string', minLength: 1, maxLength: 16, description: 'The current 6-digit code from the authenticator app.' } },
} as const;
const personal = { access: { workspace: false } } as const;

/** Only a logged-in person changes their second factor; an API token is automation, not a person. */
function requireSession(request: FastifyRequest): AdminAuth {
  const auth = requireAuth(request);
  if (auth.credential.kind !== 'session') throw new SluiceError('forbidden', 'Log in with a password to change your second factor; API tokens cannot.');
  return auth;
}

export function registerMfaRoutes(app: FastifyInstance, identity: AdminIdentity): void {
  /** Checks a code under the login limiter; a wrong one counts as a failed attempt. */
  async function checkCode(request: FastifyRequest, auth: AdminAuth, code: string, options: { enable?: boolean } = {}): Promise<void> {
    const now = identity.now();
    const retryAfterSeconds = identity.limiter.retryAfterSeconds(auth.user.email, identity.clientAddress(request), now);
    if (retryAfterSeconds > 0) throw new SluiceError('too_many_login_attempts', undefined, { retryAfterSeconds });
    const enrolment = await identity.identity.findTotp(auth.user.id);
    if (!enrolment || enrolment.enabled === Boolean(options.enable)) throw new SluiceError('mfa_not_enrolled');
    if (!(await acceptTotpCode(identity, enrolment, code, options))) {
      identity.limiter.recordFailure(auth.user.email, identity.clientAddress(request), now);
      throw new SluiceError('invalid_mfa_code');
    }
  }

  async function audit(request: FastifyRequest, auth: AdminAuth, action: string, enabled: boolean): Promise<void> {
    for (const membership of auth.memberships) {
      await identity.audit.record({
        workspaceId: membership.workspace.id,
        actor: auth,
        action,
        resource: { type: 'member', id: auth.user.id },
        before: { totpEnabled: !enabled },
        after: { totpEnabled: enabled },
        ip: identity.clientAddress(request),
      });
    }
  }

  app.get('/auth/mfa/totp', { schema: summaryOnly('Your TOTP status'), config: personal }, async (request) => {
    const enrolment = await identity.identity.findTotp(requireAuth(request).user.id);
    return { enabled: enrolment?.enabled === true, pending: enrolment !== undefined && !enrolment.enabled };
  });

  app.post('/auth/mfa/totp', { schema: { summary: 'Start TOTP enrolment: a new secret and otpauth URI, shown once', body: emptyBody }, config: personal }, async (request, reply) => {
    const auth = requireSession(request);
    const secret = newTotpSecret();
    if (!(await identity.identity.startTotp(auth.user.id, identity.totpSecrets.seal(secret)))) throw new SluiceError('mfa_already_enabled');
    reply.header('cache-control', 'no-store');
    return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, auth.user.email), enabled: false };
  });

  app.post('/auth/mfa/totp/confirm', { schema: { summary: 'Enable TOTP with a current code', body: codeBody }, config: personal }, async (request) => {
    const auth = requireSession(request);
    const enrolment = await identity.identity.findTotp(auth.user.id);
    if (enrolment?.enabled) throw new SluiceError('mfa_already_enabled');
    // The code check enables TOTP; it and the audit entries commit together.
    await identity.audit.atomically(async () => {
      await checkCode(request, auth, (request.body as { code: string }).code, { enable: true });
      await audit(request, auth, 'member.mfa.enable', true);
    });
    request.log.info({ userId: auth.user.id }, 'TOTP enabled');
    return { enabled: true };
  });

  app.delete('/auth/mfa/totp', { schema: { summary: 'Disable TOTP (needs a current code)', body: codeBody }, config: personal }, async (request) => {
    const auth = requireSession(request);
    await identity.audit.atomically(async () => {
      await checkCode(request, auth, (request.body as { code: string }).code);
      await identity.identity.deleteTotp(auth.user.id);
      await audit(request, auth, 'member.mfa.disable', false);
    });
    request.log.info({ userId: auth.user.id }, 'TOTP disabled');
    return { enabled: false };
  });
}
