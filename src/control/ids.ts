/**
 * Random identifiers and secrets, all from the OS CSPRNG. Source ids look like Segment's (short,
 * alphanumeric: they appear in S3 keys), write keys are 32 alphanumerics, session tokens are 256 bits.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Bytes ≥ 248 (= 4 × 62) are dropped so that every character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/** Ids of workspaces, users, sources, sessions: 12 alphanumerics (71 bits). */
export const newId = (): string => randomAlphanumeric(12);

export const newWriteKey = (): string => randomAlphanumeric(32);

/** An opaque bearer token for an admin session (base64url of 32 random bytes). */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

/** What is stored for a session token: its SHA-256, so a leaked database yields no usable token. */
export const hashSessionToken = (token: string): string => createHash('sha256').update(token).digest('hex');
