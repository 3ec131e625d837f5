import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptionError } from './secret-box.js';
import { loadSecretKey, parseSecretKey, secretKeyFileOf } from './secret-key.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips, with a fresh IV per value, in the versioned envelope', () => {
    const first = box.encrypt('wJalrXUtnFEMI/K7MDENG');
    const second = box.encrypt('wJalrXUtnFEMI/K7MDENG');
    expect(first).toMatch(/^enc:v1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('wJalr');
    expect(box.decrypt(first)).toBe('wJalrXUtnFEMI/K7MDENG');
    expect(box.decrypt(box.encrypt(''))).toBe('');
    expect(box.decrypt(box.encrypt('ünïcødé ✓'))).toBe('ünïcødé ✓');
  });

  it('refuses a tampered value, a value under another key and malformed envelopes', () => {
    const envelope = box.encrypt('secret');
    const parts = envelope.split(':');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    parts[4] = flipped.toString('base64url');
    expect(() => box.decrypt(parts.join(':'))).toThrow(SecretDecryptionError);
    expect(() => new SecretBox(randomBytes(32)).decrypt(envelope)).toThrow(/does not open under this secret key/);
    expect(() => box.decrypt('plain')).toThrow(SecretDecryptionError);
    expect(() => box.decrypt('enc:v1:abc')).toThrow(SecretDecryptionError);
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('seals only the named fields, once, and opens every envelope', () => {
    const sealed = box.sealFields({ bucket: 'b', secretAccessKey: 'S3CR3T', accessKeyId: 'AK' }, ['secretAccessKey', 'missing']);
    expect(sealed.bucket).toBe('b');
    expect(sealed.accessKeyId).toBe('AK');
    expect(SecretBox.isEnvelope(sealed.secretAccessKey)).toBe(true);
    expect(box.sealFields(sealed, ['secretAccessKey'])).toEqual(sealed);
    expect(box.openFields(sealed)).toEqual({ bucket: 'b', secretAccessKey: 'S3CR3T', accessKeyId: 'AK' });
  });
});

describe('secret key', () => {
  it('parses 64 hex digits and base64/base64url of 32 bytes, nothing else', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(` ${key.toString('base64url')}\n`)).toEqual(key);
    expect(parseSecretKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseSecretKey('not a key')).toBeUndefined();
  });

  it('stops on a bad SLUICE_SECRET_KEY naming the setting, without echoing it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-key-'));
    const attempt = loadSecretKey({ setting: 'hunter2-hunter2', dataDir });
    await expect(attempt).rejects.toThrow(/Invalid setting "secretKey"/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it('generates <dataDir>/secret.key with mode 0600 on first start and reuses it after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-key-'));
    const first = await loadSecretKey({ setting: undefined, dataDir });
    expect(first.generated).toBe(true);
    const file = secretKeyFileOf(dataDir);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadSecretKey({ setting: undefined, dataDir });
    expect(second.generated).toBe(false);
    expect(second.key).toEqual(first.key);
    expect(parseSecretKey(await readFile(file, 'utf8'))).toEqual(first.key);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file others can read, and one that holds no key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-key-'));
    await loadSecretKey({ setting: undefined, dataDir });
    await chmod(secretKeyFileOf(dataDir), 0o644);
    await expect(loadSecretKey({ setting: undefined, dataDir })).rejects.toThrow(/readable by others.*chmod 600/);
    await writeFile(secretKeyFileOf(dataDir), 'short\n', { mode: 0o600 });
    await chmod(secretKeyFileOf(dataDir), 0o600);
    await expect(loadSecretKey({ setting: undefined, dataDir })).rejects.toThrow(/does not hold a 32-byte key/);
  });
});
