/**
 * SecretBox: authenticated encryption of small secret strings (destination credentials, TOTP seeds)
 * for storage at rest. AES-256-GCM, a fresh random 96-bit IV per value, and a versioned envelope
 *
 *   enc:v1:<iv>:<tag>:<ciphertext>        (each part base64url)
 *
 * so a later key rotation can add `v2` (or a key id) without guessing what an old value is.
 *
 * Owns: the envelope format and the cipher. Never: where the key comes from (secret-key.ts), which
 * fields are secret (the destination registry), logging a key or a plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENVELOPE_PREFIX = 'enc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A value that looks like an envelope but does not open under this key (wrong key or tampered). */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

export class SecretBox {
  readonly #key: Buffer;

  /** `key`: exactly 32 bytes. The buffer is copied, so the caller may wipe its own. */
  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new Error(`A SecretBox key is ${KEY_BYTES} bytes, not ${key.length}.`);
    this.#key = Buffer.from(key);
  }

  /** True for strings in the envelope format (whatever the key). */
  static isEnvelope(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(ENVELOPE_PREFIX);
  }

  /** Encrypts `plaintext` into a new envelope; two calls on the same text give different envelopes. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${ENVELOPE_PREFIX}${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  /** Opens an envelope; throws SecretDecryptionError when it is malformed, tampered or under another key. */
  decrypt(envelope: string): string {
    if (!SecretBox.isEnvelope(envelope)) throw new SecretDecryptionError('Not an encrypted value (no enc:v1: prefix).');
    const parts = envelope.slice(ENVELOPE_PREFIX.length).split(':');
    if (parts.length !== 3) throw new SecretDecryptionError('Malformed encrypted value.');
    const [iv, tag, ciphertext] = parts.map((part) => Buffer.from(part!, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptionError('Malformed encrypted value.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('An encrypted value does not open under this secret key (a different key, or the value was altered).');
    }
  }

  /** Encrypts the named string fields of `settings` that are not envelopes yet; other fields are copied. */
  sealFields(settings: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
    const sealed: Record<string, unknown> = { ...settings };
    for (const field of fields) {
      const value = sealed[field];
      if (typeof value === 'string' && !SecretBox.isEnvelope(value)) sealed[field] = this.encrypt(value);
    }
    return sealed;
  }

  /** Decrypts every envelope among the values of `settings` (whichever fields they are in). */
  openFields(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const opened: Record<string, unknown> = { ...settings };
    for (const [field, value] of Object.entries(opened)) {
      if (SecretBox.isEnvelope(value)) opened[field] = this.decrypt(value);
    }
    return opened;
  }
}
