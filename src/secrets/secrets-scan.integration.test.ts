/**
 * "Destination secrets are ciphertext in the store and never appear in any API response, log line or
 * audit entry — test by scanning them" (issue 4). A real server (startServer, log at trace level into a
 * buffer) gets an amazon-s3 destination with a recognisable secretAccessKey through the admin API;
 * every destination route and the audit log are exercised (delivery really runs and fails against a
 * closed port, so error paths log too); then the SQLite file and its WAL, every response body, every
 * log line and every audit entry are scanned for the secret, plain and base64. Also: passwords are
 * bcrypt hashes (cost ≥ 12) in the store; API tokens and session tokens appear only hashed.
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { metadataFileOf } from '../control/index.js';
import { startServer } from '../server.js';

const SECRET = 'SluiceScanSecret-7fQ2-wJalrXUtnFEMI-K7MDENG';
const SECOND_SECRET = 'SluiceScanSecret-rotated-Zx81-bPxRfiCYEXAMPLE';
const PASSWORD = 'scan-test-admin-password';
const MEMBER_PASSWORD = 'scan-test-member-password';

/** Every way a secret could leak as text: as is, and base64/base64url (e.g. inside a token or a JWT). */
const forms = (secret: string) => [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')];

describe('secrets never leak', () => {
  it('destination secrets: ciphertext in SQLite (and WAL), absent from responses, logs and audit; passwords bcrypt; tokens hashed', { timeout: 40_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-scan-'));
    const dataDir = join(dir, 'data');
    const logLines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
          done();
        },
      }),
    );
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_PASSWORD: PASSWORD, SLUICE_BACKUP_INTERVAL_MINUTES: '0' } });
    let banner = '';
    const server = await startServer(config, { logger, print: (text) => (banner += text) });
    const writeKey = /write key: (\S+)/.exec(banner)![1]!;
    const sourceId = /\(id (\S+)\)/.exec(banner)![1]!;
    const bodies: string[] = [];
    const tokens: string[] = [];
    const api = server.urls.admin;

    const call = async (method: string, path: string, body?: unknown, token?: string, timeoutMs = 10_000) => {
      const response = await fetch(`${api}/api/v1${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      bodies.push(text, JSON.stringify([...response.headers]));
      return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };

    let auditEntries: unknown[] = [];
    try {
      const login = await call('POST', '/auth/login', { email: 'admin@localhost', password: PASSWORD });
      expect(login.status).toBe(200);
      const session = login.json!.token as string;
      tokens.push(session);
      const ws = '/workspaces/default';

      // Events waiting for the destination, so delivery runs (and fails against a closed port, logging why).
      const tracked = await fetch(`${server.urls.tracking}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId: 'u1', event: 'Scan' }),
      });
      expect(tracked.status).toBe(200);

      const settings = { bucket: 'scan-bucket', accessKeyId: 'AKIASCANEXAMPLE', secretAccessKey: SECRET, endpoint: 'http://127.0.0.1:1', forcePathStyle: true, flushIntervalSeconds: 1 };
      const created = await call('POST', `${ws}/destinations`, { type: 'amazon-s3', name: 'S3 scan', sourceIds: [sourceId], settings, enabled: true }, session);
      expect(created.status).toBe(201);
      const id = created.json!.id as string;
      expect((await call('GET', `${ws}/destinations`, undefined, session)).status).toBe(200);
      expect((await call('GET', `${ws}/destinations/${id}`, undefined, session)).status).toBe(200);
      // A change that sends the mask back keeps the secret; then a real rotation of the secret.
      const masked = (created.json!.settings as Record<string, unknown>).secretAccessKey;
      expect((await call('PATCH', `${ws}/destinations/${id}`, { name: 'S3 renamed', settings: { ...settings, secretAccessKey: masked } }, session)).status).toBe(200);
      expect((await call('PATCH', `${ws}/destinations/${id}`, { settings: { ...settings, secretAccessKey: SECOND_SECRET } }, session)).status).toBe(200);
      // Bad input echoes nothing secret either.
      expect((await call('POST', `${ws}/destinations`, { type: 'amazon-s3', name: 'bad', sourceIds: [], settings: { secretAccessKey: SECRET } }, session)).status).toBe(400);
      expect((await call('PATCH', `${ws}/destinations/${id}`, { settings: { ...settings, secretAccessKey: SECRET, unknownSetting: SECRET } }, session)).status).toBe(400);
      // Let delivery try (and fail) at least once, then read its status.
      await new Promise<void>((resolve) => {
        const started = Date.now();
        const poll = async () => {
          const status = await call('GET', `${ws}/destinations/${id}/status`, undefined, session);
          if (JSON.stringify(status.json).includes('rror') || Date.now() - started > 8_000) resolve();
          else setTimeout(poll, 200);
        };
        void poll();
      });
      // Flush cannot succeed against a closed port; whatever it answers within 2 s is scanned too.
      await call('POST', `${ws}/destinations/${id}/flush`, {}, session, 2_000).catch(() => undefined);

      // An API token and a member, for the hashing checks.
      const token = await call('POST', `${ws}/tokens`, { name: 'scan' }, session);
      expect(token.status).toBe(201);
      tokens.push(token.json!.token as string);
      expect((await call('POST', `${ws}/members`, { email: 'member@example.com', password: MEMBER_PASSWORD, role: 'read_only' }, session)).status).toBe(201);

      const audit = await call('GET', `${ws}/audit-log?limit=500`, undefined, session);
      expect(audit.status).toBe(200);
      auditEntries = audit.json!.entries as unknown[];
      expect(auditEntries.length).toBeGreaterThan(3);
      expect(JSON.stringify(auditEntries)).toContain('destination');
      // While it exists, the row holds the envelope (another connection, as a backup tool would read it).
      const reader = new BetterSqlite3(metadataFileOf(dataDir), { readonly: true });
      const row = reader.prepare('SELECT settings FROM destinations WHERE id = ?').get(id) as { settings: string };
      reader.close();
      expect(JSON.parse(row.settings).secretAccessKey).toMatch(/^enc:v1:/);
      expect(JSON.parse(row.settings).accessKeyId).toBe('AKIASCANEXAMPLE');
      expect((await call('DELETE', `${ws}/destinations/${id}`, undefined, session)).status).toBe(204);
      auditEntries = [...auditEntries, ...((await call('GET', `${ws}/audit-log?limit=500`, undefined, session)).json!.entries as unknown[])];
    } finally {
      // The store's bytes while the server runs: the main file and the WAL (not yet checkpointed).
      const liveStore = Buffer.concat([await readFile(metadataFileOf(dataDir)), await readFile(`${metadataFileOf(dataDir)}-wal`).catch(() => Buffer.alloc(0))]);
      await server.close();
      const closedStore = await readFile(metadataFileOf(dataDir));
      const scanned: [string, Buffer | string][] = [
        ['SQLite file + WAL (running)', liveStore],
        ['SQLite file (closed)', closedStore],
        ['API responses', bodies.join('\n')],
        ['log lines', logLines.join('\n')],
        ['audit entries', JSON.stringify(auditEntries)],
      ];
      for (const [where, haystack] of scanned) {
        for (const needle of [...forms(SECRET), ...forms(SECOND_SECRET)]) {
          expect(haystack.includes(needle), `${where} contains a destination secret`).toBe(false);
        }
        for (const needle of [PASSWORD, MEMBER_PASSWORD]) expect(haystack.includes(needle), `${where} contains a password`).toBe(false);
      }
      for (const token of tokens) {
        for (const [where, haystack] of [scanned[0]!, scanned[1]!, scanned[3]!, scanned[4]!]) expect(haystack.includes(token), `${where} contains a token`).toBe(false);
      }
    }
    // The scans looked at the right things: masked settings came back, delivery logged about this destination.
    expect(bodies.join('\n')).toContain('********');
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.some((line) => line.includes('scan-bucket') || line.includes('127.0.0.1:1'))).toBe(true);

    // What the store holds instead: envelopes (while the destination existed), bcrypt, SHA-256 hashes.
    const db = new BetterSqlite3(metadataFileOf(dataDir), { readonly: true });
    try {
      const hashes = db.prepare('SELECT password_hash FROM users').all() as { password_hash: string }[];
      expect(hashes).toHaveLength(2);
      for (const { password_hash: hash } of hashes) expect(hash).toMatch(/^\$2[aby]\$(1[2-9]|[2-3]\d)\$/);
      const tokenHashes = (db.prepare('SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM sessions').all() as { token_hash: string }[]).map((row) => row.token_hash);
      expect(tokenHashes.length).toBeGreaterThanOrEqual(2);
      for (const hash of tokenHashes) expect(tokens).not.toContain(hash);
    } finally {
      db.close();
    }
  });
});
