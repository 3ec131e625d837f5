/**
 * Runs the soak's load generator in its own Node process and hands each JSON line it prints to the
 * caller as it arrives; resolves with the final `done` line. Owns nothing else.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reapOnExit } from '../support/child-reaper.js';
import type { DoneLine, GeneratorConfig, IntervalLine } from './load-generator.js';

const entry = fileURLToPath(new URL('./load-generator-process.ts', import.meta.url));

export async function runGeneratorProcess(config: GeneratorConfig, onInterval: (line: IntervalLine) => void = () => {}): Promise<DoneLine> {
  // The parent going away (an error, SIGTERM) must not leave the generator hammering a dead port.
  const child = reapOnExit(spawn(process.execPath, ['--import', 'tsx', entry, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done: DoneLine | undefined;
  try {
    for await (const text of createInterface({ input: child.stdout })) {
      const line = JSON.parse(text) as IntervalLine | DoneLine;
      if (line.type === 'interval') onInterval(line);
      else done = line;
    }
    const code = await exited;
    if (code !== 0 || !done) throw new Error(`load generator exited with ${code}${done ? '' : ' before its summary'}: ${stderr}`);
    return done;
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}
