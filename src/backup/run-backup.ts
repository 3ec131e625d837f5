/**
 * One backup, start to finish: snapshot the metadata store, hand the file to the target, prune to
 * `keep`. Used by the schedule (server-extension.ts) and by `sluice backup`. Also builds the target
 * the settings describe (`backupBucket` → S3, else `backupDirectory`, else `<dataDir>/backups`).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { metadataFileOf } from '../control/index.js';
import { DirectoryBackupTarget, pruneBackups, S3BackupTarget, type BackupTarget } from './backup-target.js';
import { snapshotStore } from './snapshot.js';

export interface BackupResult {
  readonly name: string;
  /** Where it went: a path or an s3:// URL. */
  readonly location: string;
  readonly bytes: number;
  /** Older backups deleted to keep the newest `keep`. */
  readonly pruned: readonly string[];
}

export function backupTargetOf(config: Config): BackupTarget {
  if (config.backupBucket !== undefined) {
    const credentials =
      config.backupAccessKeyId !== undefined && config.backupSecretAccessKey !== undefined
        ? { accessKeyId: config.backupAccessKeyId, secretAccessKey: config.backupSecretAccessKey }
        : undefined;
    return new S3BackupTarget({
      bucket: config.backupBucket,
      region: config.backupRegion,
      endpoint: config.backupEndpoint,
      forcePathStyle: config.backupForcePathStyle,
      credentials,
    });
  }
  return new DirectoryBackupTarget(resolve(config.backupDirectory ?? join(config.dataDir, 'backups')));
}

export async function runBackup(options: { dataDir: string; target: BackupTarget; keep: number; now?: Date }): Promise<BackupResult> {
  const { target } = options;
  // A directory target snapshots straight into itself (temporary name, then rename); S3 via a temp dir.
  const workDirectory = target instanceof DirectoryBackupTarget ? target.directory : tmpdir();
  const snapshot = await snapshotStore(metadataFileOf(resolve(options.dataDir)), workDirectory, options.now);
  const location = await target.put(snapshot.name, snapshot.file);
  const pruned = await pruneBackups(target, options.keep);
  return { name: snapshot.name, location, bytes: snapshot.bytes, pruned };
}
