/**
 * A child process for the directory-lock race test: waits until a start time (so contenders collide),
 * tries to take the lock of the directory, prints `acquired` or `refused`, holds a won lock for
 * `holdMs`, then releases it and exits.
 */
import { acquireDirectoryLock } from '../directory-lock.js';

const [directory, startAtText, holdMsText] = process.argv.slice(2) as [string, string, string];
const wait = Number(startAtText) - Date.now();
if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
try {
  const lock = await acquireDirectoryLock(directory, () => undefined);
  process.stdout.write('acquired\n');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMsText)));
  await lock.release();
} catch {
  process.stdout.write('refused\n');
}
