/**
 * Runs a child process under strace, for tests of what only system calls show: that a file was synced
 * before it was renamed, that a commit reached the disk. .ci/run installs strace; tests that need it
 * skip only where it is absent or may not trace (`straceWorks`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** True when strace is installed and allowed to trace a child here. */
export function straceWorks(): boolean {
  return spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', process.execPath, '-e', '0'], { stdio: 'ignore' }).status === 0;
}

export interface TracedRun {
  /** The child's standard output. */
  readonly stdout: string;
  /**
   * One line per traced call, every thread's, in order (`-f`, `-y`: descriptors print their paths,
   * as in `fsync(7</tmp/a/metadata.sqlite-wal>) = 0`).
   */
  readonly calls: readonly string[];
}

/** Runs `node --import tsx <script> ...args` under strace, tracing `syscalls`; fails if the child does. */
export function traceNodeScript(script: string, args: readonly string[], syscalls: readonly string[], traceFile: string): TracedRun {
  const run = spawnSync('strace', ['-f', '-qq', '-y', '-e', `trace=${syscalls.join(',')}`, '-o', traceFile, process.execPath, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${script} exited with ${run.status ?? run.signal}: ${run.stderr}`);
  // With -f, strace prefixes each line with the thread id.
  const calls = readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/^\d+\s+/, ''));
  return { stdout: run.stdout, calls };
}

/** `text` as a regular expression that matches it literally (paths in trace lines). */
export const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
