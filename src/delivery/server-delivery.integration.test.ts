/**
 * Delivery inside the real server (startServer with deliveryExtensions): first start bootstraps the
 * local-files destination under <dataDir>/bucket; events sent to the Tracking API land there once, via
 * the admin flush route; a restart redelivers nothing.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { defaultDeflateEngine } from '../destinations/gzip/chunked-gzip.js';
import { startServer } from '../server.js';
import { deliveryExtensions } from './server-extensions.js';
import { countMessageIds, readBucket } from './test-support/bucket-contents.js';

// Response bodies are checked field by field with expect(); a precise type per route would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { ...init, headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.headers ?? {}) } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('delivery in the server', () => {
  it('bootstraps local-files, delivers acknowledged events once on flush, and nothing again after restart', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-server-delivery-')), 'data');
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_EMAIL: 'ops@example.com', SLUICE_ADMIN_PASSWORD: 'pw-for-tests' } });
    const start = async () => {
      let printed = '';
      const logged: Array<{ msg: string; deflate?: string }> = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
      const server = await startServer(config, { logger, print: (text) => (printed += text), extensions: deliveryExtensions() });
      return { server, printed, logged };
    };
    const first = await start();
    // The start-up log says which engine compresses objects (it depends on how npm ci built the addon).
    expect(first.logged.find((line) => line.msg.startsWith('delivery: objects compressed by'))?.deflate).toBe(defaultDeflateEngine);
    const writeKey = /write key: (\S+)/.exec(first.printed)?.[1];
    expect(writeKey).toBeDefined();
    const base = first.server.urls.tracking;
    const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
    const messageIds = Array.from({ length: 30 }, (_, index) => `m-${index}`);
    const sent = await json(`${base}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch: messageIds.map((messageId) => ({ type: 'track', event: 'E', userId: 'u', messageId })) }) });
    expect(sent.status).toBe(200);

    const login = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'ops@example.com', password: 'pw-for-tests' }) });
    const bearer = { authorization: `Bearer ${login.body.token}` };
    const list = await json(`${base}/api/v1/workspaces/default/destinations`, { headers: bearer });
    expect(list.body.destinations).toHaveLength(1);
    const destination = list.body.destinations[0];
    expect(destination).toMatchObject({ type: 'local-files', enabled: true, settings: { directory: join(dataDir, 'bucket'), flushIntervalSeconds: 60 } });
    const status = await json(`${base}/api/v1/workspaces/default/destinations/${destination.id}/status`, { headers: bearer });
    expect(status.body.pending.events).toBe(30);
    expect(Date.parse(status.body.nextFlushAt) - Date.now()).toBeLessThanOrEqual(60_000);

    const flushed = await json(`${base}/api/v1/workspaces/default/destinations/${destination.id}/flush`, { method: 'POST', headers: bearer });
    expect(flushed).toMatchObject({ status: 200 });
    expect(flushed.body.objects.reduce((sum: number, object: { events: number }) => sum + object.events, 0)).toBe(30);
    const objects = await readBucket(join(dataDir, 'bucket'));
    expect(objects.map((object) => object.key)).toEqual(flushed.body.objects.map((object: { key: string }) => object.key).sort());
    expect([...countMessageIds(objects).entries()].sort()).toEqual(messageIds.map((id) => [id, 1] as [string, number]).sort());
    await first.server.close();

    const second = await start();
    try {
      expect(second.printed).not.toContain('write key');
      const relogin = await json(`${second.server.urls.admin}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'ops@example.com', password: 'pw-for-tests' }) });
      const again = await json(`${second.server.urls.admin}/api/v1/workspaces/default/destinations/${destination.id}/flush`, {
        method: 'POST',
        headers: { authorization: `Bearer ${relogin.body.token}` },
      });
      expect(again.body).toEqual({ objects: [] });
      expect(await readBucket(join(dataDir, 'bucket'))).toEqual(objects);
    } finally {
      await second.server.close();
    }
  });
});
