/**
 * The admin CLI against a real server (startServer on port 0): login saves a 0600 credentials file;
 * sources, destinations, members, tokens and audit round-trip through the admin API, in tables and
 * --json; exit codes 1 (with the API's code) and 2 (usage).
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { credentialsFileOf } from './credentials-file.js';
import { jsonOf, runSluice } from './test-support/run-sluice.js';

let server: RunningServer;
let env: NodeJS.ProcessEnv;
let dir: string;
const PASSWORD = 'cli-test-password-1';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_ADMIN_PASSWORD: PASSWORD, SLUICE_BACKUP_INTERVAL_MINUTES: '0' } });
  server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined });
  // Nothing from the developer's own environment: a private config home, no SLUICE_* variables.
  env = { XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH };
});
afterAll(async () => {
  await server?.close();
});

const sluice = (...args: string[]) => runSluice(args, env);

const track = (writeKey: string) =>
  fetch(`${server.urls.tracking}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ userId: 'u1', event: 'CLI' }),
  });

describe('sluice admin commands', () => {
  it('login saves the token in a 0600 file; sources, destinations, members, tokens and audit work over the API', { timeout: 30_000 }, async () => {
    const login = await sluice('login', '--url', server.urls.admin, '--email', 'admin@localhost', '--password', PASSWORD);
    expect(login).toMatchObject({ code: 0 });
    const file = credentialsFileOf(env);
    expect(login.out).toContain(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'config', 'sluice'))).mode & 0o077).toBe(0);

    // Sources.
    const created = jsonOf<{ id: string; writeKey: string; name: string }>(await sluice('sources', 'create', 'web', '--json'));
    expect(created.name).toBe('web');
    const table = await sluice('sources', 'list');
    expect(table.out).toMatch(/^ID\s+NAME\s+ENABLED\s+WRITE KEY/);
    expect(table.out).toContain(created.writeKey);
    expect(jsonOf<{ name: string }>(await sluice('sources', 'rename', created.id, 'website', '--json')).name).toBe('website');
    expect(jsonOf<{ enabled: boolean }>(await sluice('sources', 'disable', created.id, '--json')).enabled).toBe(false);
    expect((await track(created.writeKey)).status).toBe(403);
    await sluice('sources', 'enable', created.id);
    expect((await track(created.writeKey)).status).toBe(200);
    const rotated = jsonOf<{ writeKey: string }>(await sluice('sources', 'rotate-key', created.id, '--json'));
    expect(rotated.writeKey).not.toBe(created.writeKey);
    expect((await track(created.writeKey)).status).toBe(401);
    expect((await track(rotated.writeKey)).status).toBe(200);

    // Destinations (a secret goes in, only a mask comes back).
    const destination = jsonOf<{ id: string; settings: Record<string, unknown> }>(
      await sluice('destinations', 'create', '--type', 'amazon-s3', '--name', 'S3', '--source', created.id, '--setting', 'bucket=acme-logs', '--setting', 'accessKeyId=AKIA1', '--setting', 'secretAccessKey=cli-secret-value-9', '--disable', '--json'),
    );
    expect(destination.settings.secretAccessKey).not.toBe('cli-secret-value-9');
    const shown = await sluice('destinations', 'show', destination.id);
    expect(shown.out).toContain('acme-logs');
    expect(shown.out).not.toContain('cli-secret-value-9');
    expect((await sluice('destinations', 'list')).out).toMatch(/S3\s+amazon-s3\s+false/);
    const renamed = jsonOf<{ name: string; enabled: boolean }>(await sluice('destinations', 'update', destination.id, '--name', 'Logs', '--json'));
    expect(renamed).toMatchObject({ name: 'Logs', enabled: false });
    expect(jsonOf(await sluice('destinations', 'status', destination.id, '--json'))).toBeTypeOf('object');
    expect(await sluice('destinations', 'delete', destination.id)).toMatchObject({ code: 0 });

    // Members.
    const member = jsonOf<{ userId: string; role: string }>(await sluice('members', 'add', 'ro@example.com', '--role', 'read_only', '--password', 'read-only-password-1', '--json'));
    expect(member.role).toBe('read_only');
    expect((await sluice('members', 'list')).out).toMatch(/ro@example\.com\s+read_only/);
    expect(jsonOf<{ role: string }>(await sluice('members', 'set-role', member.userId, 'source_collaborator', '--source', created.id, '--json')).role).toBe('source_collaborator');
    expect(await sluice('members', 'remove', member.userId)).toMatchObject({ code: 0 });

    // Tokens: created once, usable with --token, listed without its value, revoked.
    const token = jsonOf<{ id: string; token: string }>(await sluice('tokens', 'create', '--name', 'ci', '--role', 'read_only', '--json'));
    const withToken = await sluice('sources', 'list', '--token', token.token, '--json');
    expect(jsonOf<{ sources: { id: string }[] }>(withToken).sources.map((source) => source.id)).toContain(created.id);
    const listed = await sluice('tokens', 'list');
    expect(listed.out).toContain(token.id);
    expect(listed.out).not.toContain(token.token);
    expect(await sluice('tokens', 'revoke', token.id)).toMatchObject({ code: 0 });
    const revoked = await sluice('sources', 'list', '--token', token.token);
    expect(revoked.code).toBe(1);
    expect(revoked.err).toMatch(/401/);

    expect(await sluice('sources', 'delete', created.id)).toMatchObject({ code: 0 });

    // Audit: the changes above, filterable by resource.
    const audit = jsonOf<{ entries: { action: string; resource: { type: string; id: string } }[] }>(await sluice('audit', '--resource', `source/${created.id}`, '--json'));
    expect(audit.entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['source.create', 'source.update', 'source.rotate_write_key', 'source.delete']));
    expect(audit.entries.every((entry) => entry.resource.type === 'source' && entry.resource.id === created.id)).toBe(true);
    expect((await sluice('audit', '--limit', '3')).out).toMatch(/^AT\s+ACTOR\s+ACTION\s+RESOURCE/);
  });

  it('exits 1 with the API error code, 2 on usage errors', async () => {
    const missing = await sluice('sources', 'rename', 'no-such-source', 'x', '--url', server.urls.admin);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/404 not_found/);
    const invalid = await sluice('sources', 'create', '', '--url', server.urls.admin);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/400 \w+/);
    expect((await sluice('destinations', 'update', 'x', '--url', server.urls.admin)).code).toBe(2);
    expect((await sluice('destinations', 'create', '--type', 'local-files', '--name', 'x', '--settings', '[1', '--url', server.urls.admin)).code).toBe(2);
    expect((await sluice('sources', 'list', '--url', 'http://127.0.0.1:1', '--token', 'any')).err).toMatch(/cannot reach/);
    const noCredentials = await runSluice(['sources', 'list', '--url', server.urls.admin], { XDG_CONFIG_HOME: join(dir, 'empty-config') });
    expect(noCredentials.code).toBe(2);
  });
});
