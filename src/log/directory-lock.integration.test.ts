/**
 * The log directory lock under contention: several processes start at the same instant on a directory
 * whose lock was left by a dead process (kill -9). Exactly one may win each round; two winners would
 * write one log at once and corrupt it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from './directory-lock.js';

const contender = fileURLToPath(new URL('./test-support/lock-contender.ts', import.meta.url));

/** A pid no process has: a finished child's. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

function contend(directory: string, startAt: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', contender, directory, String(startAt), '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', () => resolve(output.trim())));
}

describe('directory lock', () => {
  it('lets exactly one of several processes take over a stale lock at the same instant', async () => {
    const stale = await deadPid();
    for (let round = 0; round < 2; round++) {
      const directory = await mkdtemp(join(tmpdir(), 'sluice-lock-race-'));
      await writeFile(join(directory, LOCK_FILE_NAME), `${stale}\n`);
      // Child start-up (tsx) takes ~0.5–1.5 s on a loaded machine; all wait for the same instant after it.
      const startAt = Date.now() + 2_500;
      const outcomes = await Promise.all(Array.from({ length: 4 }, () => contend(directory, startAt)));
      expect(outcomes.filter((outcome) => outcome === 'acquired')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(3);
    }
  }, 60_000);
});
