/**
 * The S3 backup target against a real S3 API (s3rver, direct: backups need list and delete, which the
 * destinations' PutObject-only proxy refuses): backups land under the prefix as gzip'd SQLite, only
 * backup names are listed and pruned, and a downloaded backup restores.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControlPlane, metadataFileOf, sqliteDialect } from '../control/index.js';
import { startS3TestServer, type S3TestServer } from '../storage/test-support/index.js';
import { S3BackupTarget } from './backup-target.js';
import { runBackup } from './run-backup.js';
import { restoreStore } from './snapshot.js';

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.close();
});

describe('S3BackupTarget', () => {
  it('puts backups under the prefix, prunes only backup names to keep, and a downloaded one restores', { timeout: 20_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-s3-backup-'));
    const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
    const workspace = await plane.store.createWorkspace({ slug: 'default', name: 'Default' });
    const source = await plane.store.createSource({ workspaceId: workspace.id, name: 'web' });
    await plane.store.close();

    const target = new S3BackupTarget({ bucket: `${s3.bucket}/sluice/prod`, region: 'us-east-1', endpoint: s3.directEndpoint, forcePathStyle: true, credentials: { ...s3.credentials } });
    try {
      // Something else under the same prefix is never touched.
      const other = join(dataDir, 'note.txt');
      await writeFile(other, 'not a backup');
      await target.put('note.txt', other).catch(() => undefined);

      const results = [];
      for (let minute = 0; minute < 3; minute += 1) results.push(await runBackup({ dataDir, target, keep: 2, now: new Date(Date.UTC(2026, 10, 22, 5, minute)) }));
      expect(results[0]!.location).toBe(`s3://${s3.bucket}/sluice/prod/${results[0]!.name}`);
      expect(results[2]!.pruned).toEqual([results[0]!.name]);
      expect(await target.list()).toEqual([results[1]!.name, results[2]!.name]);
      expect(target.description).toBe(`s3://${s3.bucket}/sluice/prod/`);

      const object = await s3.getObject(`sluice/prod/${results[2]!.name}`);
      const downloaded = join(dataDir, 'downloaded.sqlite.gz');
      await writeFile(downloaded, object.body);
      const restoredDir = await mkdtemp(join(tmpdir(), 'sluice-s3-restore-'));
      await restoreStore(downloaded, restoredDir, 'metadata.sqlite');
      const restored = await openControlPlane(sqliteDialect(metadataFileOf(restoredDir)));
      expect((await restored.store.findSource(source.id))?.writeKey).toBe(source.writeKey);
      await restored.store.close();
      await expect(s3.getObject('sluice/prod/note.txt')).resolves.toBeDefined();
    } finally {
      await target.close();
    }
  });
});
