/**
 * `npm start` as an orchestrator runs it (a container whose command is `npm start`, a systemd unit):
 * SIGTERM goes to npm, which passes it to the script's process. The script must end by exec'ing node,
 * or that process is the shell: the shell dies of the signal and `sluice serve` is orphaned, still
 * running, never told to shut down (found by hand: SIGTERM to npm left the server up).
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

const root = fileURLToPath(new URL('../../', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** npm itself: the CLI that runs this test when there is one, else `npm` from PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
}

describe.runIf(process.platform !== 'win32')('npm start', () => {
  it('passes SIGTERM on to sluice serve, which shuts down cleanly instead of being orphaned', async () => {
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
    });
    let stdout = '';
    let stderr = '';
    npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = once(npm, 'exit');
    let serverPid: number | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        npm.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          // Listening, and the server's own pid (every log line carries it).
          const pid = /"pid":(\d+)/.exec(stdout)?.[1];
          if (pid && /Sluice listening on/.test(stdout)) {
            serverPid = Number(pid);
            resolve();
          }
        });
        void ended.then(() => reject(new Error(`npm start ended before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
      });
      expect(serverPid).not.toBe(npm.pid);

      npm.kill('SIGTERM');
      await ended;
      // npm returns once its child has: by then the server must have shut down on its own terms.
      expect(stdout).toMatch(/"signal":"SIGTERM".*shutting down/);
      expect(stdout).toMatch(/sluice stopped/);
      const deadline = Date.now() + 5000;
      while (alive(serverPid!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(alive(serverPid!)).toBe(false);
    } finally {
      if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  }, 60_000);
});
