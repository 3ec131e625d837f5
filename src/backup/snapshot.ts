/**
 * Backup files of the metadata store: a consistent online snapshot taken with `VACUUM INTO` over a
 * separate read-only connection, so it works while the server (or any other process) keeps writing;
 * checked with `PRAGMA integrity_check`; gzip'd. Why not the page-by-page backup API (`db.backup()`):
 * when another connection writes between its steps it starts over, so under steady writes it may never
 * finish; `VACUUM INTO` reads inside one transaction (WAL readers never block writers) and always ends.
 *
 * File format: `sluice-metadata-<UTC time, e.g. 20261122T041503123Z>.sqlite.gz` = gzip of a complete
 * SQLite database file (no WAL needed alongside). Names sort in time order.
 *
 * Owns: taking a snapshot, restoring one into a data directory. Never: holds the whole file in memory
 * (gzip streams), restores over a non-empty data directory unless forced.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { putInPlace } from '../log/file-names.js';

export const BACKUP_PREFIX = 'sluice-metadata-';
export const BACKUP_SUFFIX = '.sqlite.gz';

/** `2026-11-22T04:15:03.123Z` → `sluice-metadata-20261122T041503123Z.sqlite.gz`. */
export function backupNameOf(time: Date): string {
  return `${BACKUP_PREFIX}${time.toISOString().replace(/[-:.]/g, '')}${BACKUP_SUFFIX}`;
}

export const isBackupName = (name: string): boolean => /^sluice-metadata-\d{8}T\d{9}Z\.sqlite\.gz$/.test(name);

export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}

/** Throws BackupError unless `file` is an intact SQLite database holding a migrated Sluice store. */
export function checkStoreFile(file: string): void {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const results = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = results.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    if (problems.length > 0) throw new BackupError(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    for (const table of ['kysely_migration', 'workspaces', 'sources']) {
      if (!tables.has(table)) throw new BackupError(`not a Sluice metadata store (no "${table}" table)`);
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`not a readable SQLite database: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}

/**
 * Snapshots the database file `storeFile` into `<directory>/<name>` (gzip'd, integrity-checked) and
 * returns the file's path and size. The snapshot goes to a temporary file first: a crash leaves no
 * half-written backup under a backup name.
 */
export async function snapshotStore(storeFile: string, directory: string, now: Date = new Date()): Promise<{ file: string; name: string; bytes: number }> {
  await stat(storeFile).catch((error: unknown) => {
    throw new BackupError(`no metadata store at ${storeFile}`, { cause: error });
  });
  await mkdir(directory, { recursive: true });
  const work = await mkdtemp(join(directory, '.backup-'));
  try {
    const raw = join(work, 'metadata.sqlite');
    const source = new BetterSqlite3(storeFile, { readonly: true, fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      source.prepare('VACUUM INTO ?').run(raw);
    } finally {
      source.close();
    }
    checkStoreFile(raw);
    const name = backupNameOf(now);
    const partial = join(work, name);
    await pipeline(createReadStream(raw), createGzip(), createWriteStream(partial, { mode: 0o600 }));
    const file = join(directory, name);
    await putInPlace(partial, file);
    return { file, name, bytes: (await stat(file)).size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Restores the backup `backupFile` (a `.sqlite.gz` made by snapshotStore) as `<dataDir>/metadata.sqlite`.
 * Refuses a data directory that holds anything unless `force` (then only the metadata files are
 * replaced; the event log and the rest are left as they are). The file is checked before it is put in place.
 */
export async function restoreStore(backupFile: string, dataDir: string, storeFileName: string, options: { force?: boolean } = {}): Promise<{ file: string }> {
  await mkdir(dataDir, { recursive: true });
  const present = (await readdir(dataDir)).filter((entry) => !entry.startsWith('.restore-'));
  if (present.length > 0 && !options.force) {
    throw new BackupError(`${dataDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); restore into a fresh directory, or pass --force to replace its metadata store`);
  }
  const work = await mkdtemp(join(dataDir, '.restore-'));
  try {
    const raw = join(work, storeFileName);
    try {
      await pipeline(createReadStream(backupFile), createGunzip(), createWriteStream(raw, { mode: 0o600 }));
    } catch (error) {
      throw new BackupError(`cannot read ${basename(backupFile)} as a gzip'd backup: ${(error as Error).message}`, { cause: error });
    }
    checkStoreFile(raw);
    const target = join(dataDir, storeFileName);
    // Stale WAL/shared-memory files of a replaced store would be replayed over the restored one.
    await rm(`${target}-wal`, { force: true });
    await rm(`${target}-shm`, { force: true });
    await putInPlace(raw, target);
    return { file: target };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
