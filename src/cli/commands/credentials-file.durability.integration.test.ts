/**
 * A saved login must survive a power cut whole: `sluice login` writes `credentials.json.partial`,
 * syncs it, renames it over `credentials.json` and syncs the directory, so a crash leaves the old login
 * or the new one, never an empty file under the name (a rename can reach the disk before the data it
 * names). Read from strace: a killed process cannot show it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirectories } from '../../log/test-support/temp-directories.js';
import { literal, straceWorks, traceNodeScript } from '../../test-support/strace.js';

const script = fileURLToPath(new URL('./test-support/save-login.ts', import.meta.url));

describe.skipIf(!straceWorks())('saved login durability (skipped only when strace is absent or cannot trace)', () => {
  const tempDirectory = useTempDirectories('sluice-login-durability-');

  it('syncs the new file, renames it into place, then syncs the directory', { timeout: 60_000 }, async () => {
    const directory = await tempDirectory();
    const { stdout: file, calls } = traceNodeScript(script, [join(directory, 'config')], ['openat', 'fsync', 'fdatasync', 'rename', 'renameat', 'renameat2'], join(directory, 'trace.txt'));
    const partial = `${file}.partial`;
    const partialSynced = calls.findIndex((call) => new RegExp(`^f(data)?sync\\(\\d+<${literal(partial)}>\\) = 0`).test(call));
    expect(partialSynced, 'the new file synced').toBeGreaterThanOrEqual(0);
    const renamed = calls.findIndex((call, index) => index > partialSynced && /^rename/.test(call) && call.includes(`"${partial}"`) && call.includes(`"${file}"`));
    expect(renamed, 'renamed into place after').toBeGreaterThan(partialSynced);
    const directorySynced = calls.findIndex((call, index) => index > renamed && new RegExp(`^f(data)?sync\\(\\d+<${literal(dirname(file))}>\\) = 0`).test(call));
    expect(directorySynced, 'its directory synced after').toBeGreaterThan(renamed);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ token: 'sluice_test_token' });
  });
});
