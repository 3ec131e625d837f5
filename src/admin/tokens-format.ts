/**
 * What an API token looks like: `slt_` + 32 random bytes in base62 (43 characters). The prefix lets
 * the auth guard tell it from a session token without a lookup, and lets secret scanners spot a leaked
 * one. Only its SHA-256 is stored (hashSessionToken in src/control/ids.ts).
 */
import { randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'slt_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^43 > 2^256, so every 32-byte value fits; shorter encodings are left-padded. */
const ENCODED_LENGTH = 43;

export function newApiToken(): string {
  let value = BigInt(`0x${randomBytes(32).toString('hex')}`);
  let encoded = '';
  while (value > 0n) {
    encoded = BASE62[Number(value % 62n)]! + encoded;
    value /= 62n;
  }
  return API_TOKEN_PREFIX + encoded.padStart(ENCODED_LENGTH, '0');
}

export const isApiTokenFormat = (credential: string): boolean => credential.startsWith(API_TOKEN_PREFIX);
