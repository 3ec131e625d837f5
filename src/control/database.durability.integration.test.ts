/**
 * The metadata database syncs every commit: a change Sluice acknowledged (a source created, a key
 * rotated, an audit entry, delivery's recorded batch) must survive a power cut, which a killed process
 * does not show (its writes are in the page cache either way). So this counts the syncs themselves:
 * a child process commits N one-row transactions under strace, and the WAL file must be synced at
 * least once per commit. Without `synchronous = FULL` set explicitly, better-sqlite3's SQLite syncs
 * none of them in WAL mode (SQLITE_DEFAULT_WAL_SYNCHRONOUS=1), while `PRAGMA synchronous` reads FULL.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirectories } from '../log/test-support/temp-directories.js';
import { straceWorks, traceNodeScript } from '../test-support/strace.js';

const committer = fileURLToPath(new URL('./test-support/commit-rows.ts', import.meta.url));

/** Syncs (fsync, fdatasync) of the WAL file while a child commits `commits` transactions. */
function walSyncs(directory: string, commits: number): number {
  const database = join(directory, `metadata-${commits}.sqlite`);
  const { calls } = traceNodeScript(committer, [database, String(commits)], ['fsync', 'fdatasync'], join(directory, `trace-${commits}.txt`));
  return calls.filter((call) => /sync\(\d+<[^>]*-wal>\) = 0/.test(call)).length;
}

describe.skipIf(!straceWorks())('metadata database durability (skipped only when strace is absent or cannot trace)', () => {
  const tempDirectory = useTempDirectories('sluice-durability-');

  it('syncs the WAL on every commit', { timeout: 60_000 }, async () => {
    const directory = await tempDirectory();
    const commits = 20;
    // The same process with no commits of its own: migrations and closing sync too.
    const baseline = walSyncs(directory, 0);
    const withCommits = walSyncs(directory, commits);
    expect(withCommits - baseline).toBeGreaterThanOrEqual(commits);
  });
});
