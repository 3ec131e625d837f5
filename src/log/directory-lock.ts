/**
 * The lock that keeps two processes (or two opens in one process) from writing one log directory.
 *
 * The lock itself is an operating-system lock (POSIX fcntl, through SQLite's exclusive locking mode on
 * a small database file), not the existence of a file: the kernel releases it when its process dies,
 * kill -9 included, so there is no stale lock to detect and take over, and no race between processes
 * taking one over at once (with a pid file as the lock, several did win together). Never waits: a live
 * owner is an error for the operator.
 *
 * Beside it, `sluice-log.lock` holds the owner's pid, for messages only: which process holds the
 * directory, and, when the previous owner did not close cleanly, which one died holding it.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { syncDirectory } from './file-names.js';

/** The owner's pid (informational). */
export const LOCK_FILE_NAME = 'sluice-log.lock';
/** The file the operating-system lock is held on. */
export const LOCK_DATABASE_NAME = 'sluice-log.lock.sqlite';

export interface DirectoryLock {
  release(): Promise<void>;
}

/**
 * Takes the lock of `directory` or throws naming the live process that holds it. `onStaleTakeover` is
 * told the pid of a previous owner that is gone without releasing (killed, crashed).
 */
export async function acquireDirectoryLock(directory: string, onStaleTakeover: (stalePid: string) => void): Promise<DirectoryLock> {
  const pidPath = join(directory, LOCK_FILE_NAME);
  const database = new Database(join(directory, LOCK_DATABASE_NAME), { timeout: 0 });
  try {
    database.pragma('locking_mode = EXCLUSIVE');
    // Held until the transaction ends or the connection closes — or the process dies.
    database.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    database.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    const holder = (await readFile(pidPath, 'utf8').catch(() => '')).trim() || 'unknown';
    throw new Error(`The event log directory ${directory} is in use by process ${holder} (lock ${join(directory, LOCK_DATABASE_NAME)}).`, { cause: error });
  }

  const previous = (await readFile(pidPath, 'utf8').catch(() => '')).trim();
  if (previous !== '') onStaleTakeover(previous);
  await writeFile(pidPath, `${process.pid}\n`);
  await syncDirectory(directory);
  return {
    async release() {
      await unlink(pidPath).catch(() => undefined);
      database.exec('ROLLBACK');
      database.close();
    },
  };
}
