/**
 * The generated key file must survive a power cut once anything was encrypted with it: its bytes are
 * synced, and so is the directory that names it (the metadata store syncs every commit, so secrets
 * encrypted under the key are durable; a key file lost after them would make them unreadable). Read
 * from strace: a killed process cannot show it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirectories } from '../log/test-support/temp-directories.js';
import { literal, straceWorks, traceNodeScript } from '../test-support/strace.js';

const script = fileURLToPath(new URL('./test-support/create-key.ts', import.meta.url));

describe.skipIf(!straceWorks())('secret key file durability (skipped only when strace is absent or cannot trace)', () => {
  const tempDirectory = useTempDirectories('sluice-key-durability-');

  it('syncs a generated key file and then its directory', { timeout: 60_000 }, async () => {
    const directory = await tempDirectory();
    const dataDir = join(directory, 'data');
    const { stdout: keyFile, calls } = traceNodeScript(script, [dataDir], ['openat', 'fsync', 'fdatasync'], join(directory, 'trace.txt'));
    const created = calls.findIndex((call) => call.startsWith('openat(') && call.includes(`"${keyFile}"`) && call.includes('O_CREAT'));
    expect(created, 'the key file created').toBeGreaterThanOrEqual(0);
    const fileSynced = calls.findIndex((call, index) => index > created && new RegExp(`^f(data)?sync\\(\\d+<${literal(keyFile)}>\\) = 0`).test(call));
    expect(fileSynced, 'the key file synced').toBeGreaterThan(created);
    const directorySynced = calls.findIndex((call, index) => index > fileSynced && new RegExp(`^f(data)?sync\\(\\d+<${literal(dataDir)}>\\) = 0`).test(call));
    expect(directorySynced, 'its directory synced after').toBeGreaterThan(fileSynced);
  });
});
