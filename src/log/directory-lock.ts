/**
 * The lock that keeps two processes (or two opens in one process) from writing one log directory: a
 * file created exclusively and holding the owner's pid. A lock whose pid is no longer running is stale
 * (its owner was killed) and is taken over. Never waits: a live owner is an error for the operator.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './file-names.js';

export const LOCK_FILE_NAME = 'sluice-log.lock';

export interface DirectoryLock {
  release(): Promise<void>;
}

/** Takes the lock of `directory` or throws naming the live process that holds it. */
export async function acquireDirectoryLock(directory: string, onStaleTakeover: (stalePid: string) => void): Promise<DirectoryLock> {
  const path = join(directory, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDirectory(directory);
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (isRunning(holder)) {
      throw new Error(`The event log directory ${directory} is in use by process ${holder} (lock file ${path}).`);
    }
    onStaleTakeover(holder);
    // Whoever then wins the exclusive create owns the directory; a loser sees a live pid next round.
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`Could not take the lock of the event log directory ${directory}.`);
}

/** True when `pidText` names a live process (ours included: a second open in one process is refused too). */
function isRunning(pidText: string): boolean {
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
