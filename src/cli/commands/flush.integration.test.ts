/** `sluice flush` against a real in-process server with delivery wired in. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { deliveryExtensions } from '../../delivery/server-extensions.js';
import { startServer, type RunningServer } from '../../server.js';
import { FlushCommandError, runFlush, type FlushOptions } from './flush.js';

let server: RunningServer;
let writeKey = '';
const env = { SLUICE_ADMIN_EMAIL: 'cli@example.com', SLUICE_ADMIN_PASSWORD: 'cli-password' };

beforeAll(async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-flush-cli-')), 'data');
  const config = await loadConfig({ env: { ...env, SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir } });
  let printed = '';
  server = await startServer(config, { logger: pino({ level: 'silent' }), print: (text) => (printed += text), extensions: deliveryExtensions() });
  writeKey = /write key: (\S+)/.exec(printed)![1]!;
});

afterAll(() => server?.close());

async function send(count: number) {
  const response = await fetch(`${server.urls.tracking}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch: Array.from({ length: count }, (_, index) => ({ type: 'track', event: 'CLI', userId: `u${index}` })) }),
  });
  expect(response.status).toBe(200);
}

async function flush(options: Partial<FlushOptions>, extraEnv: NodeJS.ProcessEnv = {}) {
  let out = '';
  await runFlush({ workspace: 'default', json: false, url: server.urls.admin, ...options }, { ...env, ...extraEnv }, (text) => (out += text));
  return out;
}

describe('sluice flush', () => {
  it('logs in with SLUICE_ADMIN_EMAIL/PASSWORD, flushes every enabled destination and prints the objects', async () => {
    await send(12);
    const out = await flush({});
    expect(out).toMatch(/^Local files \(\w+\): 1 object\(s\), 12 event\(s\)\n {2}segment-logs\/\S+\.gz {2}12 events {2}\d+ bytes\n$/);
    expect(await flush({})).toMatch(/0 object\(s\), 0 event\(s\)\n$/);
  });

  it('--json with --destination prints the route body; --token skips the login', async () => {
    const listing = JSON.parse(await flush({ json: true })) as { destinations: { id: string }[] };
    const id = listing.destinations[0]!.id;
    await send(3);
    const login = (await (await fetch(`${server.urls.admin}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: env.SLUICE_ADMIN_EMAIL, password: env.SLUICE_ADMIN_PASSWORD }) })).json()) as { token: string };
    const body = JSON.parse(await flush({ json: true, destination: id }, { SLUICE_ADMIN_PASSWORD: undefined, SLUICE_TOKEN: login.token }));
    expect(body).toEqual({ objects: [{ key: expect.stringMatching(/\.gz$/), events: 3, bytes: expect.any(Number) }] });
  });

  it('fails with exit code 1 naming the server error, 2 without credentials', async () => {
    await expect(flush({ destination: 'nope' })).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('404 not_found') });
    const missing = await flush({}, { SLUICE_ADMIN_PASSWORD: undefined }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(FlushCommandError);
    expect(missing).toMatchObject({ exitCode: 2 });
    await expect(flush({ url: 'http://127.0.0.1:1' })).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('cannot reach') });
  });
});
