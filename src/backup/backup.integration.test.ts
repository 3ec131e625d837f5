/**
 * Backups end to end: snapshots taken while another process keeps creating sources, each one intact
 * and a consistent prefix of the writes; retention; restore into a fresh data directory; the restored
 * store starts (startServer) and serves the same sources and write keys, destination secrets included
 * when the key comes along, and start-up refuses a key that does not open them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { SqlDestinationStore } from '../control/destination-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect } from '../control/index.js';
import { bindSecretBox, openSecretBox } from '../secrets/index.js';
import { startServer } from '../server.js';
import { DirectoryBackupTarget } from './backup-target.js';
import { runBackup } from './run-backup.js';
import { BackupError, restoreStore } from './snapshot.js';

const writerScript = fileURLToPath(new URL('./test-support/source-writer.ts', import.meta.url));
const SECRET = 'backup-test-secret-access-key-7Q2';

async function seededDataDir() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-backup-src-'));
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  const { box } = await openSecretBox({ setting: undefined, dataDir });
  bindSecretBox(plane.database, box);
  const workspace = await plane.store.createWorkspace({ slug: 'default', name: 'Default' });
  const source = await plane.store.createSource({ workspaceId: workspace.id, name: 'web' });
  const destination = await new SqlDestinationStore(plane.database).createDestination({
    workspaceId: workspace.id,
    type: 'amazon-s3',
    name: 'S3',
    settings: { bucket: 'acme', accessKeyId: 'AKIA', secretAccessKey: SECRET },
    enabled: false,
    sourceIds: [source.id],
  });
  return { dataDir, plane, workspace, source, destination };
}

describe('metadata backups', () => {
  it('backs up under concurrent writes, keeps the newest N, restores, and the restored store serves the same write keys', { timeout: 30_000 }, async () => {
    const { dataDir, plane, workspace, source, destination } = await seededDataDir();
    const writer = spawn(process.execPath, ['--import', 'tsx', writerScript, dataDir, workspace.id], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: writer.stdout! });
    const [first] = (await once(lines, 'line')) as [string];
    expect(first).toBe('ready');

    const backups = join(dataDir, 'backups');
    const target = new DirectoryBackupTarget(backups);
    const results = [];
    for (let index = 0; index < 4; index += 1) {
      results.push(await runBackup({ dataDir, target, keep: 3, now: new Date(Date.UTC(2026, 10, 22, 4, index)) }));
    }
    writer.kill('SIGTERM');
    const [stopped] = (await once(lines, 'line')) as [string];
    expect(stopped).toMatch(/^stopped \d+$/);
    await once(writer, 'exit');

    expect(results.map((result) => result.name)).toEqual([0, 1, 2, 3].map((minute) => `sluice-metadata-20261122T04${String(minute).padStart(2, '0')}00000Z.sqlite.gz`));
    expect(results[3]!.pruned).toEqual([results[0]!.name]);
    expect(await target.list()).toEqual(results.slice(1).map((result) => result.name));
    expect((await readdir(backups)).filter((name) => name.startsWith('.'))).toEqual([]);

    // Restore each kept backup into a fresh directory: intact, and the load sources form a gap-free prefix.
    const everySource = new Map((await plane.store.listSources(workspace.id)).map((entry) => [entry.id, entry]));
    let restoredDir = '';
    const counts: number[] = [];
    for (const result of results.slice(1)) {
      restoredDir = await mkdtemp(join(tmpdir(), 'sluice-backup-dst-'));
      await restoreStore(result.location, restoredDir, 'metadata.sqlite');
      const restored = await openControlPlane(sqliteDialect(metadataFileOf(restoredDir)));
      const sources = await restored.store.listSources(workspace.id);
      await restored.store.close();
      for (const restoredSource of sources) expect(everySource.get(restoredSource.id)?.writeKey).toBe(restoredSource.writeKey);
      const loadNumbers = sources.filter((entry) => entry.name.startsWith('load-')).map((entry) => Number(entry.name.slice(5))).sort((a, b) => a - b);
      expect(loadNumbers).toEqual(loadNumbers.map((_, index) => index));
      counts.push(loadNumbers.length);
    }
    // Later backups saw more writes (the writer ran throughout).
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    await plane.store.close();

    // Without the original key, start-up stops naming the setting …
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: restoredDir, SLUICE_BACKUP_INTERVAL_MINUTES: '0' } });
    const quiet = { logger: pino({ level: 'silent' }), print: () => undefined, extensions: {} };
    await expect(startServer(config, quiet)).rejects.toThrow(/Invalid setting "secretKey": it does not decrypt/);
    // … and with it (the key file copied along), the restored server serves the old write key and secret.
    await copyFile(join(dataDir, 'secret.key'), join(restoredDir, 'secret.key'));
    const server = await startServer(config, quiet);
    try {
      const response = await fetch(`${server.urls.tracking}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId: 'u1', event: 'Restored' }),
      });
      expect(response.status).toBe(200);
      const unknown = await fetch(`${server.urls.tracking}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('not-a-key:').toString('base64')}` },
        body: JSON.stringify({ userId: 'u1', event: 'Nope' }),
      });
      expect(unknown.status).toBe(401);
    } finally {
      await server.close();
    }
    const reopened = await openControlPlane(sqliteDialect(metadataFileOf(restoredDir)));
    const { box } = await openSecretBox({ setting: undefined, dataDir: restoredDir });
    bindSecretBox(reopened.database, box);
    expect((await new SqlDestinationStore(reopened.database).getDestination(destination.id))!.settings.secretAccessKey).toBe(SECRET);
    await reopened.store.close();
  });

  it('refuses a non-empty target without force, and a file that is not an intact backup', async () => {
    const { dataDir, plane } = await seededDataDir();
    const result = await runBackup({ dataDir, target: new DirectoryBackupTarget(join(dataDir, 'backups')), keep: 5 });
    await plane.store.close();
    await expect(restoreStore(result.location, dataDir, 'metadata.sqlite')).rejects.toThrow(/is not empty.*--force/);
    await restoreStore(result.location, dataDir, 'metadata.sqlite', { force: true });

    const fresh = await mkdtemp(join(tmpdir(), 'sluice-backup-bad-'));
    const junk = join(fresh, 'junk.sqlite.gz');
    await writeFile(junk, 'not gzip at all');
    await expect(restoreStore(junk, join(fresh, 'data'), 'metadata.sqlite')).rejects.toThrow(BackupError);
    await expect(readdir(join(fresh, 'data'))).resolves.toEqual([]);
  });
});
