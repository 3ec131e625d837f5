/**
 * HTTPS end to end (issue 4 item 8): a self-signed certificate made by `openssl` for this test, the
 * real `@segment/analytics-node` library sending over it — trusting only the test's certificate through
 * its pluggable HTTP client (no NODE_TLS_REJECT_UNAUTHORIZED, nothing global) — and the events then in
 * the event log; HSTS on every response, session cookie Secure.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics, type HTTPClient, type HTTPClientRequest } from '@segment/analytics-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { FileEventLog } from './log/file-event-log.js';
import { HSTS_VALUE, startServer } from './server.js';
import { hasOpenssl, makeCertificate } from './test-support/certificates.js';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function httpsCall(url: string, ca: Buffer, method: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** analytics-node's HTTPClient over node:https, trusting exactly `ca`. */
class PinnedCaHttpClient implements HTTPClient {
  constructor(private readonly ca: Buffer) {}

  async makeRequest(options: HTTPClientRequest) {
    const answer = await httpsCall(options.url, this.ca, options.method, typeof options.body === 'string' ? options.body : JSON.stringify(options.body), options.headers);
    return { status: answer.status, statusText: String(answer.status), text: async () => answer.body };
  }
}

describe('HTTPS', () => {
  it.skipIf(!hasOpenssl())('a real client library sends events over HTTPS; every response carries HSTS; the session cookie is Secure', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-https-'));
    const { cert, key } = makeCertificate(dir);
    const ca = readFileSync(cert);
    const dataDir = join(dir, 'data');
    const config = await loadConfig({
      env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_TLS_CERT: cert, SLUICE_TLS_KEY: key, SLUICE_ADMIN_PASSWORD: 'https-test-pw', SLUICE_BACKUP_INTERVAL_MINUTES: '0' },
    });
    let banner = '';
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: (text) => (banner += text) });
    const [, sourceId, writeKey] = /\(id (\S+)\) write key: (\S+)/.exec(banner)!;
    try {
      expect(server.urls.tracking).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

      const analytics = new Analytics({ writeKey: writeKey!, host: server.urls.tracking, maxEventsInBatch: 2, flushInterval: 50, httpClient: new PinnedCaHttpClient(ca) });
      const failures: unknown[] = [];
      analytics.on('error', (error) => failures.push(error));
      for (let index = 0; index < 3; index += 1) analytics.track({ userId: `user-${index}`, event: 'Over TLS', properties: { index } });
      analytics.identify({ userId: 'user-0', traits: { plan: 'secure' } });
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(failures).toEqual([]);

      // HSTS on tracking, health, admin, errors and 404s alike.
      const answers = await Promise.all([
        httpsCall(`${server.urls.tracking}/healthz`, ca, 'GET'),
        httpsCall(`${server.urls.tracking}/v1/track`, ca, 'POST', '{', { 'content-type': 'application/json' }),
        httpsCall(`${server.urls.tracking}/nowhere`, ca, 'GET'),
        httpsCall(`${server.urls.admin}/api/v1/workspaces`, ca, 'GET'),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 400, 404, 401]);
      for (const answer of answers) expect(answer.headers['strict-transport-security']).toBe(HSTS_VALUE);
      const login = await httpsCall(`${server.urls.admin}/api/v1/auth/login`, ca, 'POST', JSON.stringify({ email: 'admin@localhost', password: 'https-test-pw' }), { 'content-type': 'application/json' });
      expect(login.status).toBe(200);
      expect(login.headers['strict-transport-security']).toBe(HSTS_VALUE);
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie).toMatch(/;\s*Secure/i);
    } finally {
      await server.close();
    }

    // The library's events are in the source's stream of the log.
    const log = await FileEventLog.open({ directory: join(dataDir, 'log'), maxBytes: config.logMaxBytes });
    try {
      const events = (await log.read(sourceId!, log.startOffset(sourceId!))).map((record) => JSON.parse(record.data.toString()) as Record<string, unknown>);
      expect(events.filter((event) => event.event === 'Over TLS').map((event) => event.userId).sort()).toEqual(['user-0', 'user-1', 'user-2']);
      expect(events.some((event) => event.type === 'identify')).toBe(true);
      expect(events.every((event) => (event.context as { library?: { name?: string } }).library?.name === '@segment/analytics-node')).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('plain HTTP sends no HSTS header', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-http-'));
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_BACKUP_INTERVAL_MINUTES: '0' } });
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined });
    try {
      expect((await fetch(`${server.urls.tracking}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await server.close();
    }
  });
});
