/**
 * For child-reaper.test.ts: starts one idle child through `reapOnExit`, prints its pid, then ends the
 * way argv[2] says: `throw` (an uncaught error) or `wait` (until a signal arrives).
 */
import { spawn } from 'node:child_process';
import { reapOnExit } from '../child-reaper.js';

const child = reapOnExit(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
process.stdout.write(`child ${child.pid}\n`);
if (process.argv[2] === 'throw') {
  setTimeout(() => {
    throw new Error('the benchmark failed half way');
  }, 50);
} else {
  setInterval(() => {}, 1000);
}
