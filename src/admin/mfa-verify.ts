/**
 * Checking a user's TOTP code against their stored enrolment: the RFC 6238 match (±1 step) and the
 * atomic "this step was not used before" update, so a code works once even under concurrent requests.
 */
import { matchTotp } from '../auth/totp.js';
import type { TotpEnrolment } from '../control/identity-store.js';
import type { AdminIdentity } from './auth-context.js';

/** True when `code` is valid now for this enrolment and had not been used; records its step. */
export async function acceptTotpCode(identity: AdminIdentity, enrolment: TotpEnrolment, code: string, options: { enable?: boolean } = {}): Promise<boolean> {
  const secret = identity.totpSecrets.open(enrolment.sealedSecret);
  const step = matchTotp(secret, code, identity.now().getTime() / 1000, enrolment.lastUsedStep);
  if (step === undefined) return false;
  return identity.identity.useTotpStep(enrolment.userId, step, options);
}
