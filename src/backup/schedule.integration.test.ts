/**
 * The backup schedule inside a running server: backups appear on their own, pruned to backupKeep, each
 * recorded in the audit log (actor system); and `sluice backup` / `sluice restore` by hand while the
 * server runs.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runSluice } from '../cli/commands/test-support/run-sluice.js';
import { loadConfig } from '../config/index.js';
import { metadataFileOf } from '../control/index.js';
import { deliveryExtensions } from '../delivery/server-extensions.js';
import { mergeExtensions, startServer } from '../server.js';
import type { BackupResult } from './run-backup.js';
import { backupExtensions } from './server-extension.js';

describe('scheduled backups', () => {
  it('run on their own while the server serves, keep the newest backupKeep, are audited; the CLI backs up and restores alongside', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-schedule-'));
    const dataDir = join(dir, 'data');
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_BACKUP_KEEP: '2', SLUICE_ADMIN_PASSWORD: 'schedule-test-pw' } });
    const runs: BackupResult[] = [];
    let reachedFour: () => void = () => {};
    const fourRuns = new Promise<void>((resolve) => (reachedFour = resolve));
    const extensions = mergeExtensions(
      deliveryExtensions(),
      backupExtensions({
        intervalMs: 30,
        onRun: ({ result, error }) => {
          if (error) throw error;
          runs.push(result!);
          if (runs.length === 4) reachedFour();
        },
      }),
    );
    const server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => undefined, extensions });
    try {
      await fourRuns;
      const kept = (await readdir(join(dataDir, 'backups'))).filter((name) => name.endsWith('.sqlite.gz'));
      expect(kept.length).toBeLessThanOrEqual(3); // 2 kept, plus possibly one being renamed in by a fifth run
      expect(kept).toEqual(expect.arrayContaining([runs[3]!.name]));
      expect(kept).not.toContain(runs[0]!.name);

      // By hand, while the server keeps running and backing up.
      const env = { XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH };
      const manual = await runSluice(['backup', '--data-dir', dataDir, '--output', join(dir, 'manual'), '--json'], env);
      expect(manual.code).toBe(0);
      const made = JSON.parse(manual.out) as BackupResult;
      const restoredDir = join(dir, 'restored');
      const restored = await runSluice(['restore', made.location, '--data-dir', restoredDir], env);
      expect(restored).toMatchObject({ code: 0 });
      expect(restored.out).toMatch(/copy the old data directory's secret\.key/);
      expect((await runSluice(['restore', made.location, '--data-dir', restoredDir], env)).code).toBe(1);
      expect((await runSluice(['restore', '--data-dir', restoredDir], env)).code).toBe(2);
    } finally {
      await server.close();
    }

    const db = new BetterSqlite3(metadataFileOf(dataDir), { readonly: true });
    const audit = db.prepare("SELECT actor_kind, action, resource_id FROM audit_log WHERE resource_type = 'backup'").all() as { actor_kind: string; action: string; resource_id: string }[];
    db.close();
    expect(audit.filter((entry) => entry.actor_kind === 'system' && entry.action === 'backup.created').length).toBeGreaterThanOrEqual(4);
    expect(audit.some((entry) => entry.actor_kind === 'cli' && entry.action === 'backup.created')).toBe(true);
  });
});
