/**
 * A first start killed after the bootstrap transaction committed but before it finished (the default
 * destination not yet created, the banner not yet printed) is resumed by the next start: the default
 * local-files destination exists afterwards, and the banner shows the same generated password, which
 * logs in. Without the journal, that start found a non-empty store and skipped the rest for good.
 */
import { access, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openSecretBox } from '../secrets/index.js';
import { startServer } from '../server.js';
import { bootstrapIfEmpty } from './bootstrap.js';
import { BOOTSTRAP_JOURNAL_FILE, FileBootstrapJournal } from './bootstrap-journal.js';
import { metadataFileOf, openControlPlane, sqliteDialect } from './index.js';

class Killed extends Error {}

describe('an interrupted first start', () => {
  it('is resumed by the next start: default destination created, same generated password shown', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-bootstrap-resume-')), 'data');
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir } });

    // The first start, up to the commit of the core, then "killed" in the first step.
    await mkdir(dataDir, { recursive: true });
    const { box } = await openSecretBox({ setting: undefined, dataDir });
    const { store } = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
    const journal = new FileBootstrapJournal(dataDir, box);
    const interrupted = bootstrapIfEmpty(store, { adminEmail: config.adminEmail, dataDir }, [() => Promise.reject(new Killed())], journal);
    await expect(interrupted).rejects.toBeInstanceOf(Killed);
    const generated = (await journal.pending())!.generatedPassword!;
    expect(generated).toMatch(/^[A-Za-z0-9]{20}$/);
    await store.close();

    let printed = '';
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: (text) => (printed += text) });
    try {
      expect(printed).toContain('resumed after an interrupted one');
      expect(printed).toContain(generated);
      await expect(access(join(dataDir, BOOTSTRAP_JOURNAL_FILE))).rejects.toThrow();

      const login = await fetch(`${server.urls.admin}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: config.adminEmail, password: generated }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const listed = await fetch(`${server.urls.admin}/api/v1/workspaces/default/destinations`, { headers: { authorization: `Bearer ${token}` } });
      const { destinations } = (await listed.json()) as { destinations: { type: string }[] };
      expect(destinations.map((destination) => destination.type)).toEqual(['local-files']);
    } finally {
      await server.close();
    }

    // The start after that is an ordinary one: no banner, still one destination.
    let again = '';
    const second = await startServer(config, { logger: pino({ level: 'silent' }), print: (text) => (again += text) });
    await second.close();
    expect(again).not.toContain('First start');
  });
});
