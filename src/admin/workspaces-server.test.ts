/**
 * The workspace admin API as `sluice serve` wires it (src/server.ts + delivery's server extensions),
 * over real HTTP: log in as the bootstrap owner, create a source and send an event with its key, rotate
 * and delete it, read the audit log and the OpenAPI document.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { startServer } from '../server.js';

describe('workspace admin API in the running server', () => {
  it('creates, uses, rotates and deletes a source; audits it; serves the OpenAPI document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-admin-serve-'));
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_ADMIN_PASSWORD: 'serve-test-password' } });
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined });
    try {
      const base = server.urls.admin;
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@localhost', password: 'serve-test-password' }) });
      const { token } = (await login.json()) as { token: string };
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${base}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>) };
      };
      const track = (writeKey: string) =>
        fetch(`${server.urls.tracking}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey, type: 'track', userId: 'u1', event: 'Served' }) });

      expect((await api('GET', '/workspaces')).body).toMatchObject({ workspaces: [{ slug: 'default', role: 'owner' }] });
      const created = await api('POST', '/workspaces/default/sources', { name: 'served' });
      expect(created.status).toBe(201);
      const source = created.body as { id: string; writeKey: string };
      expect((await track(source.writeKey)).status).toBe(200);

      const rotated = (await api('POST', `/workspaces/default/sources/${source.id}/rotate-write-key`)).body as { writeKey: string };
      expect((await track(source.writeKey)).status).toBe(401);
      expect((await track(rotated.writeKey)).status).toBe(200);
      expect((await api('DELETE', `/workspaces/default/sources/${source.id}`)).status).toBe(204);
      expect((await track(rotated.writeKey)).status).toBe(401);

      const audit = (await api('GET', `/workspaces/default/audit-log?resourceId=${source.id}`)).body as { entries: { action: string }[] };
      expect(audit.entries.map((entry) => entry.action)).toEqual(['source.delete', 'source.rotate_write_key', 'source.create']);

      const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
      for (const path of ['/api/v1/workspaces', '/api/v1/workspaces/{workspace}/sources/{id}/rotate-write-key', '/api/v1/workspaces/{workspace}/members/{userId}', '/api/v1/workspaces/{workspace}/audit-log']) {
        expect(document.paths[path], path).toBeDefined();
      }
    } finally {
      await server.close();
    }
  });
});
