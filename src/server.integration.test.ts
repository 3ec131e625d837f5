/**
 * startServer end to end, in-process: real listeners, the file event log, HTTPS with a certificate made
 * by `openssl` for this test, and the admin API on its own port.
 */
import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { startServer } from './server.js';
import { hasOpenssl, makeCertificate } from './test-support/certificates.js';

function httpsPost(url: string, ca: Buffer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(new URL(path, url), { method: 'POST', ca, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('startServer', () => {
  it.skipIf(!hasOpenssl())('serves HTTPS with SLUICE_TLS_CERT/KEY, with the admin API on its own port (skipped only when openssl is absent)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-tls-'));
    const { cert, key } = makeCertificate(dir);
    const config = await loadConfig({
      env: { SLUICE_PORT: '0', SLUICE_ADMIN_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_TLS_CERT: cert, SLUICE_TLS_KEY: key, SLUICE_ADMIN_PASSWORD: 'tls-test-pw' },
    });
    let printed = '';
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: (text) => (printed += text) });
    try {
      expect(server.urls.tracking).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(server.urls.admin).toMatch(/^https:\/\//);
      expect(server.urls.admin).not.toBe(server.urls.tracking);
      const writeKey = /write key: ([A-Za-z0-9]{32})/.exec(printed)![1]!;
      const ca = readFileSync(cert);

      const tracked = await httpsPost(server.urls.tracking, ca, '/v1/track', { type: 'track', userId: 'u1', event: 'Secure', writeKey });
      expect(tracked).toMatchObject({ status: 200, body: '{"success":true}' });

      const login = await httpsPost(server.urls.admin, ca, '/api/v1/auth/login', { email: 'admin@localhost', password: 'tls-test-pw' });
      expect(login.status).toBe(200);
      expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
      expect((await httpsPost(server.urls.tracking, ca, '/api/v1/auth/login', { email: 'admin@localhost', password: 'tls-test-pw' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('stops start-up naming the TLS setting whose file cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-tls-missing-'));
    const config = await loadConfig({
      env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_TLS_CERT: join(dir, 'nope.pem'), SLUICE_TLS_KEY: join(dir, 'nope.key') },
    });
    await expect(startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined })).rejects.toThrow(/Invalid setting "tlsCert": cannot read/);
  });
});
