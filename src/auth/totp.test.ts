import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import { hotp, matchTotp, otpauthUri, totp } from './totp.js';

const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');

describe('HOTP (RFC 4226 Appendix D)', () => {
  it('gives the published codes for counters 0..9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(RFC_SEED, counter))).toEqual(expected);
  });
});

describe('TOTP (RFC 6238 Appendix B, SHA-1)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('at %i s the 8-digit code is %s', (seconds, code) => {
    expect(totp(RFC_SEED, seconds, 8)).toBe(code);
    expect(totp(RFC_SEED, seconds)).toBe(code.slice(2)); // 6 digits = the same value modulo 10^6
  });

  it('accepts one step either side, newest first, and refuses steps already used', () => {
    const now = 1111111111; // step 37037037
    const previous = totp(RFC_SEED, now - 30);
    expect(matchTotp(RFC_SEED, totp(RFC_SEED, now), now)).toBe(37037037);
    expect(matchTotp(RFC_SEED, previous, now)).toBe(37037036);
    expect(matchTotp(RFC_SEED, totp(RFC_SEED, now + 30), now)).toBe(37037038);
    expect(matchTotp(RFC_SEED, totp(RFC_SEED, now - 60), now)).toBeUndefined();
    expect(matchTotp(RFC_SEED, totp(RFC_SEED, now), now, 37037037)).toBeUndefined(); // replay
    expect(matchTotp(RFC_SEED, previous, now, 37037037)).toBeUndefined(); // older than the last used
    expect(matchTotp(RFC_SEED, '12345', now)).toBeUndefined();
    expect(matchTotp(RFC_SEED, 'abcdef', now)).toBeUndefined();
  });

  it('builds an otpauth URI authenticator apps read', () => {
    const uri = new URL(otpauthUri(RFC_SEED, 'a@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Sluice:a@example.com');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('issuer')).toBe('Sluice');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});

describe('base32 (RFC 4648 §10)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%s ⇄ %s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded)?.toString()).toBe(plain);
    expect(base32Decode(`${encoded.toLowerCase()}====`)?.toString()).toBe(plain);
  });

  it('refuses characters outside the alphabet', () => {
    expect(base32Decode('MZ1W')).toBeUndefined();
  });
});
