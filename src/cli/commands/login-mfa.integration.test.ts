/**
 * `sluice login --code` against a real server whose account has TOTP enrolled: the code reaches the
 * login route under the field it expects (`totp`), a missing code is refused with the API's code.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { base32Decode } from '../../auth/base32.js';
import { totp } from '../../auth/totp.js';
import { loadConfig } from '../../config/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { runSluice } from './test-support/run-sluice.js';

let server: RunningServer;
let env: NodeJS.ProcessEnv;
const PASSWORD = 'cli-mfa-password-1';

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-mfa-'));
  const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_ADMIN_PASSWORD: PASSWORD, SLUICE_BACKUP_INTERVAL_MINUTES: '0' } });
  server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined });
  env = { XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH };
});
afterAll(async () => {
  await server?.close();
});

async function api(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.urls.admin}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(response.status, path).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

it('logs in with --code once TOTP is enrolled, and says which code is missing without it', { timeout: 30_000 }, async () => {
  const { token } = (await api('/auth/login', { email: 'admin@localhost', password: PASSWORD })) as { token: string };
  const { secret } = (await api('/auth/mfa/totp', {}, token)) as { secret: string };
  const key = base32Decode(secret)!;
  const now = Math.floor(Date.now() / 1000);
  await api('/auth/mfa/totp/confirm', { code: totp(key, now) }, token);

  const withoutCode = await runSluice(['login', '--url', server.urls.admin, '--email', 'admin@localhost', '--password', PASSWORD], env);
  expect(withoutCode.code).toBe(1);
  expect(withoutCode.err).toContain('mfa_code_required');

  // The confirming step is spent (replays are refused); the next step is inside the ±1 window.
  const withCode = await runSluice(['login', '--url', server.urls.admin, '--email', 'admin@localhost', '--password', PASSWORD, '--code', totp(key, now + 30)], env);
  expect(withCode.err).toBe('');
  expect(withCode.code).toBe(0);
});
