import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goneWithin, isAlive } from '../../src/test-support/process-alive.js';

const fixture = fileURLToPath(new URL('./test-support/reaper-fixture.ts', import.meta.url));

/** Starts the fixture, resolves with it and its child's pid once printed. */
async function startFixture(mode: 'throw' | 'wait') {
  const parent = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  parent.stdout.setEncoding('utf8');
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (chunk: string) => {
      output += chunk;
      const pid = /child (\d+)/.exec(output)?.[1];
      if (pid) resolve(Number(pid));
    });
    parent.once('exit', (code) => reject(new Error(`fixture exited (${code}) before printing its child: ${output}`)));
  });
  return { parent, childPid };
}

describe('reapOnExit', () => {
  it('stops the children when the benchmark dies of an uncaught error', async () => {
    const { parent, childPid } = await startFixture('throw');
    const [code] = (await once(parent, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    const gone = await goneWithin(childPid, 5000);
    if (!gone) process.kill(childPid, 'SIGKILL');
    expect(gone).toBe(true);
  }, 20_000);

  it('stops the children on SIGTERM, and the benchmark still ends by that signal', async () => {
    const { parent, childPid } = await startFixture('wait');
    expect(isAlive(childPid)).toBe(true);
    parent.kill('SIGTERM');
    const [code, signal] = (await once(parent, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    const gone = await goneWithin(childPid, 5000);
    if (!gone) process.kill(childPid, 'SIGKILL');
    expect(gone).toBe(true);
  }, 20_000);
});
