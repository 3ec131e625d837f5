/**
 * `npm start` as an orchestrator runs it (a container whose command is `npm start`, a systemd unit):
 * SIGTERM goes to npm, which passes it to the script's process. The script must end by exec'ing node,
 * or that process is the shell: the shell dies of the signal and `sluice serve` is orphaned, still
 * running, never told to shut down (found by hand: SIGTERM to npm left the server up). And as a person
 * runs it in a terminal: Ctrl-C then reaches the server twice (from the terminal and from npm), which
 * must still be one clean stop.
 *
 * The script's `npm run build` is skipped here through an `npm` earlier on PATH that answers it (npm
 * test has built dist/ already, and rebuilding it under the other tests' running servers would race).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goneWithin, isAlive } from '../test-support/process-alive.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** npm itself: the CLI that runs this test when there is one, else `npm` from PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
}

/** `npm start` running, listening; `serverPid` is sluice serve's own pid (every log line carries it). */
async function startWithNpm(options: { ownProcessGroup: boolean }) {
  const shims = await mkdtemp(join(tmpdir(), 'sluice-npm-shim-'));
  await writeFile(join(shims, 'npm'), '#!/bin/sh\n[ "$1" = run ] && [ "$2" = build ] && exit 0\necho "unexpected npm $*" >&2\nexit 1\n');
  await chmod(join(shims, 'npm'), 0o755);
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-npm-start-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
  const [command, args] = npmCommand(['start']);
  const npm = spawn(command, args, {
    cwd: root,
    env: { ...env, PATH: `${shims}:${process.env.PATH ?? ''}`, SLUICE_DATA_DIR: dataDir, SLUICE_PORT: '0', SLUICE_ADMIN_PASSWORD: 'npm-start-pw', SLUICE_LOG_LEVEL: 'info', SLUICE_SHUTDOWN_TIMEOUT_SECONDS: '8' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal's foreground job has: a Ctrl-C goes to every process in it.
    detached: options.ownProcessGroup,
  });
  let stdout = '';
  let stderr = '';
  npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = once(npm, 'exit');
  const serverPid = await new Promise<number>((resolve, reject) => {
    npm.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const pid = /"pid":(\d+)/.exec(stdout)?.[1];
      if (pid && /Sluice listening on/.test(stdout)) resolve(Number(pid));
    });
    void ended.then(() => reject(new Error(`npm start ended before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  return {
    npm,
    serverPid,
    ended,
    stdout: () => stdout,
    /** Leaves nothing running, whatever the test did. */
    cleanUp(): void {
      if (isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    },
  };
}

describe.runIf(process.platform !== 'win32')('npm start', () => {
  it('passes SIGTERM on to sluice serve, which shuts down cleanly instead of being orphaned', async () => {
    const started = await startWithNpm({ ownProcessGroup: false });
    try {
      expect(started.serverPid).not.toBe(started.npm.pid);
      started.npm.kill('SIGTERM');
      await started.ended;
      // npm returns once its child has: by then the server must have shut down on its own terms.
      expect(started.stdout()).toMatch(/"signal":"SIGTERM".*shutting down/);
      expect(started.stdout()).toMatch(/sluice stopped/);
      expect(await goneWithin(started.serverPid, 5000)).toBe(true);
    } finally {
      started.cleanUp();
    }
  }, 60_000);

  it('stops cleanly on a Ctrl-C, which reaches the server from the terminal and again from npm', async () => {
    const started = await startWithNpm({ ownProcessGroup: true });
    try {
      // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
      process.kill(-started.npm.pid!, 'SIGINT');
      await started.ended;
      expect(await goneWithin(started.serverPid, 5000)).toBe(true);
      expect(started.stdout()).toMatch(/"signal":"SIGINT".*shutting down/);
      expect(started.stdout()).toMatch(/sluice stopped/);
      expect(started.stdout()).not.toMatch(/second signal during shutdown/);
    } finally {
      started.cleanUp();
    }
  }, 60_000);
});
