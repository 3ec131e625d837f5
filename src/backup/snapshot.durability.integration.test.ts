/**
 * A backup, and a restored metadata store, are renamed to their names only once their bytes are on
 * disk, and the rename is made durable by syncing the directory: otherwise a power cut shortly after
 * could leave a backup (or the data directory's only metadata store) that exists under its name but
 * is empty or torn. A killed process cannot show this, so the calls are read from strace.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirectories } from '../log/test-support/temp-directories.js';
import { literal, straceWorks, traceNodeScript } from '../test-support/strace.js';

const script = fileURLToPath(new URL('./test-support/backup-and-restore.ts', import.meta.url));

/** Index of the first call matching `pattern` at or after `from`, or -1. */
const indexOf = (calls: readonly string[], pattern: RegExp, from = 0): number => calls.findIndex((call, index) => index >= from && pattern.test(call));

/** Asserts: `target` came from a rename of a file synced before it, and its directory was synced after. */
function expectDurableRename(calls: readonly string[], target: string): void {
  const rename = indexOf(calls, new RegExp(`^rename(at2?)?\\(.*"${literal(target)}".*\\) = 0`));
  expect(rename, `a rename to ${target}`).toBeGreaterThanOrEqual(0);
  const from = /"([^"]+)"/.exec(calls[rename]!)![1]!;
  const fileSync = calls.slice(0, rename).findLastIndex((call) => new RegExp(`^f(data)?sync\\(\\d+<${literal(from)}>\\) = 0`).test(call));
  expect(fileSync, `${from} synced before its rename`).toBeGreaterThanOrEqual(0);
  expect(indexOf(calls, new RegExp(`^f(data)?sync\\(\\d+<${literal(dirname(target))}>\\) = 0`), rename + 1), `${dirname(target)} synced after the rename`).toBeGreaterThan(rename);
}

describe.skipIf(!straceWorks())('backup and restore durability (skipped only when strace is absent or cannot trace)', () => {
  const tempDirectory = useTempDirectories('sluice-backup-durability-');

  it('syncs a backup, a restored store and a file handed to the backup target before renaming them, and their directories after', { timeout: 60_000 }, async () => {
    const directory = await tempDirectory();
    const [dataDir, backups, restoreInto] = ['data', 'backups', 'restored'].map((name) => join(directory, name)) as [string, string, string];
    const { stdout, calls } = traceNodeScript(script, [dataDir, backups, restoreInto], ['fsync', 'fdatasync', 'rename', 'renameat', 'renameat2'], join(directory, 'trace.txt'));
    const { backup, restored, put } = JSON.parse(stdout) as { backup: string; restored: string; put: string };
    expectDurableRename(calls, backup);
    expectDurableRename(calls, restored);
    expectDurableRename(calls, put);
  });
});
