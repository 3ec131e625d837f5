/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1 from node:crypto: the codes authenticator apps
 * show. Pure functions of (secret, time); which steps were already used is the caller's state.
 * Codes are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Encode } from './base32.js';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now, for clock drift between server and phone. */
export const TOTP_WINDOW = 1;

/** RFC 4226 §5.3: HMAC-SHA1 over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step (T) holding `unixSeconds`. */
export const totpStep = (unixSeconds: number): number => Math.floor(unixSeconds / TOTP_STEP_SECONDS);

export const totp = (secret: Uint8Array, unixSeconds: number, digits = TOTP_DIGITS): string => hotp(secret, totpStep(unixSeconds), digits);

/**
 * The step a code matches within ±TOTP_WINDOW of now, newest first, skipping steps ≤ `lastUsedStep`
 * (a code, once accepted, cannot be replayed); undefined when it matches none.
 */
export function matchTotp(secret: Uint8Array, code: string, unixSeconds: number, lastUsedStep = -1): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep(unixSeconds);
  let matched: number | undefined;
  // Every candidate is computed and compared, whichever matches, so the time taken says nothing.
  for (let step = now + TOTP_WINDOW; step >= now - TOTP_WINDOW; step--) {
    const equal = timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(code));
    if (equal && step > lastUsedStep && matched === undefined) matched = step;
  }
  return matched;
}

/** A fresh 160-bit secret (RFC 4226 recommends the HMAC-SHA1 output size). */
export const newTotpSecret = (): Buffer => randomBytes(20);

/** The otpauth:// URI authenticator apps scan (Key Uri Format): label "Sluice:<email>", issuer Sluice. */
export function otpauthUri(secret: Uint8Array, accountName: string, issuer = 'Sluice'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = new URLSearchParams({ secret: base32Encode(secret), issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_STEP_SECONDS) });
  return `otpauth://totp/${label}?${query.toString()}`;
}
