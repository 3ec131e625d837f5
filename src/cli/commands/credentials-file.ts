/**
 * The login saved by `sluice login`: `{url, token, email}` in `$XDG_CONFIG_HOME/sluice/credentials.json`
 * (else `~/.config/sluice/credentials.json`), mode 0600 in a 0700 directory — a token is a password.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { putInPlace } from '../../log/file-names.js';

export interface SavedLogin {
  readonly url: string;
  readonly token: string;
  readonly email?: string | undefined;
}

export function credentialsFileOf(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'sluice', 'credentials.json');
}

export async function readSavedLogin(env: NodeJS.ProcessEnv): Promise<SavedLogin | undefined> {
  try {
    const saved = JSON.parse(await readFile(credentialsFileOf(env), 'utf8')) as Partial<SavedLogin>;
    return typeof saved.url === 'string' && typeof saved.token === 'string' ? { url: saved.url, token: saved.token, email: saved.email } : undefined;
  } catch {
    return undefined;
  }
}

export async function saveLogin(env: NodeJS.ProcessEnv, login: SavedLogin): Promise<string> {
  const file = credentialsFileOf(env);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial`;
  // Created 0600 from the start (and chmod'ed, in case a umask or an old file widened it).
  await writeFile(partial, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(partial, 0o600);
  // Synced before and after the rename: a crash never leaves an empty credentials file in its place.
  await putInPlace(partial, file);
  return file;
}

export async function forgetLogin(env: NodeJS.ProcessEnv): Promise<void> {
  await rm(credentialsFileOf(env), { force: true });
}
