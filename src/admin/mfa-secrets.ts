/**
 * How TOTP secrets are kept at rest: sealed by the secrets engineer's `SecretBox` (AES-256-GCM under
 * SLUICE_SECRET_KEY, src/secrets/secret-box.ts) when the server has one, else stored as `plain:<base32>`
 * (flagged: a database copy then yields usable second factors). Opening accepts both, so a store that
 * gains a key later still opens its older plain secrets.
 */
import { base32Decode, base32Encode } from '../auth/base32.js';

/** The part of `SecretBox` this needs (structural, so tests and callers may pass any implementation). */
export interface SecretSealer {
  encrypt(plaintext: string): string;
  decrypt(envelope: string): string;
}

const PLAIN_PREFIX = 'plain:';

export interface TotpSecretCodec {
  seal(secret: Uint8Array): string;
  open(sealed: string): Buffer;
}

export function totpSecretCodec(box: SecretSealer | undefined): TotpSecretCodec {
  return {
    seal: (secret) => (box ? box.encrypt(base32Encode(secret)) : PLAIN_PREFIX + base32Encode(secret)),
    open: (sealed) => {
      const encoded = sealed.startsWith(PLAIN_PREFIX) ? sealed.slice(PLAIN_PREFIX.length) : box ? box.decrypt(sealed) : undefined;
      const secret = encoded === undefined ? undefined : base32Decode(encoded);
      if (!secret) throw new Error('A stored TOTP secret cannot be opened (encrypted under a key this server does not have?).');
      return secret;
    },
  };
}
