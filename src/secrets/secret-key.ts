/**
 * Where the SecretBox key comes from: the `secretKey` setting (SLUICE_SECRET_KEY: 32 bytes as base64,
 * base64url or 64 hex digits), else the key file `<dataDir>/secret.key`, generated on first start with
 * mode 0600. A key file readable by group or others stops start-up: a secret that anyone on the machine
 * can read protects nothing, and silently carrying on would hide that.
 *
 * Owns: key parsing, the key file. Never: prints or logs a key.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDirectory } from '../log/file-names.js';

export const SECRET_KEY_FILE = 'secret.key';

export const secretKeyFileOf = (dataDir: string): string => join(dataDir, SECRET_KEY_FILE);

/** Parses a 32-byte key written as 64 hex digits or base64/base64url; undefined when it is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  return undefined;
}

export interface SecretKeySource {
  readonly key: Buffer;
  /** `setting` when SLUICE_SECRET_KEY gave it, else the key file's path (for the start-up log line). */
  readonly from: 'setting' | string;
  /** True when this start created the key file. */
  readonly generated: boolean;
}

/** Loads the key from the setting, else from (or into) the data directory's key file. */
export async function loadSecretKey(options: { setting: string | undefined; dataDir: string }): Promise<SecretKeySource> {
  if (options.setting !== undefined) {
    const key = parseSecretKey(options.setting);
    if (!key) throw new Error('Invalid setting "secretKey": must be 32 bytes written as 64 hex digits or as base64 (e.g. `openssl rand -base64 32`).');
    return { key, from: 'setting', generated: false };
  }
  const file = secretKeyFileOf(options.dataDir);
  const generated = await createKeyFileIfMissing(file);
  const info = await stat(file);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new Error(
      `Invalid setting "secretKey": the key file ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\`.`,
    );
  }
  const key = parseSecretKey(await readFile(file, 'utf8'));
  if (!key) throw new Error(`Invalid setting "secretKey": the key file ${file} does not hold a 32-byte key (64 hex digits or base64).`);
  return { key, from: file, generated };
}

/** Creates the key file with a fresh random key, exclusively (`wx`) so two starts never race to two keys. */
async function createKeyFileIfMissing(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${randomBytes(32).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The new name too: secrets committed under this key must never outlive the file after a power cut.
  await syncDirectory(dirname(file));
  return true;
}
