/** Child-process plumbing for benchmarks: start, wait for a line, read peak RSS and CPU time, stop. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { reapOnExit } from './child-reaper.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let built = false;

/**
 * The arguments that run `sluice serve` as `npm start` does: the compiled output (built once per
 * benchmark process), not the TypeScript sources through tsx, whose loader runs its own V8 isolate in a
 * thread and adds ~100 MB of RSS and some CPU that a deployment never has.
 */
export function sluiceServeArgs(): string[] {
  if (!built) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  return [`${root}dist/cli/sluice.cjs`, 'serve'];
}

export interface StartedProcess {
  readonly child: ChildProcess;
  /** Everything the child has printed on stdout so far. */
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `node [args]` and resolves once stdout matches `ready`. The child ends with this process at the latest (child-reaper.ts). */
export async function startNodeProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<StartedProcess & { match: RegExpMatchArray }> {
  const child = reapOnExit(spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${options.ready}; stdout: ${stdout}\nstderr: ${stderr}`)), options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = stdout.match(options.ready);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
  return {
    child,
    match,
    output: () => stdout,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `node [args]` to completion and returns its stdout. */
export async function runNodeProcess(args: string[]): Promise<string> {
  const child = reapOnExit(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return stdout;
}

/** Peak resident set size of a live process in bytes (Linux VmHWM), or undefined elsewhere. */
export async function peakRssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = status.match(/^VmHWM:\s+(\d+)\s+kB/m)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc times (USER_HZ; 100 on every Linux we run on, asked once). */
let ticksPerSecond: number | undefined;
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU seconds (user + system) used so far by a live process, all its threads, and by its main thread
 * alone (Linux /proc), or undefined elsewhere. Contention on a shared machine stretches wall time much
 * more than CPU time, so CPU per unit of work is the steadier figure.
 */
export async function cpuSeconds(pid: number): Promise<{ process: number; mainThread: number } | undefined> {
  const read = async (file: string): Promise<number> => {
    const stat = await readFile(file, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
  };
  try {
    return { process: await read(`/proc/${pid}/stat`), mainThread: await read(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/**
 * Jiffies of all CPUs together since boot (Linux /proc/stat's first line): `busy` is everything but
 * idle and iowait. Two readings give how busy the whole machine was in between, whoever used it (the
 * server, the load generator, anything else on a shared host). Undefined where /proc/stat is absent.
 */
export async function machineJiffies(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const counts = line.trim().split(/\s+/).slice(1).map(Number);
    const total = counts.reduce((sum, count) => sum + count, 0);
    // user nice system idle iowait irq softirq steal …: idle and iowait are the fourth and fifth.
    return { busy: total - (counts[3] ?? 0) - (counts[4] ?? 0), total };
  } catch {
    return undefined;
  }
}
