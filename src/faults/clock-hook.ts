/**
 * Test-only clock hook for the fault-injection harness (src/faults): shifts the clock the Tracking API
 * stamps `receivedAt` with, so a test can make a running server cross UTC midnight (and jump back)
 * without touching the machine's clock. Inert unless `SLUICE_FAULT_CLOCK_OFFSET_FILE` is set; never
 * set it in production (it is not a setting; src/config/settings.ts lists it among the tests-only
 * variables so the loader does not refuse it).
 *
 * `SLUICE_FAULT_CLOCK_OFFSET_FILE=<path>`: the file holds one integer, an offset in milliseconds; the
 * clock is `Date.now() + offset`. The file is read once at start-up and again whenever its stat changes
 * (`fs.watchFile`, polled every 50 ms, not keeping the process alive), never per request. A missing or
 * unreadable file, or text that is not an integer, means offset 0 (a harness writing the file is never
 * seen half-written as a wild offset: the write is a rename, see src/faults/harness/clock-file.ts).
 *
 * The ingest worker pool gets `receivedAtMs` from the main thread, so this one clock covers both paths.
 */
import { readFileSync, watchFile } from 'node:fs';

export const CLOCK_OFFSET_FILE_ENV_VAR = 'SLUICE_FAULT_CLOCK_OFFSET_FILE';

/** How often the offset file's stat is polled. */
const POLL_INTERVAL_MS = 50;

/** The shifted clock when the variable is set; undefined (use the real clock) otherwise. */
export function faultClockFromEnv(env: NodeJS.ProcessEnv = process.env): (() => number) | undefined {
  const path = env[CLOCK_OFFSET_FILE_ENV_VAR];
  if (!path) return undefined;
  let offsetMs = readOffset(path);
  watchFile(path, { interval: POLL_INTERVAL_MS, persistent: false }, () => {
    offsetMs = readOffset(path);
  });
  return () => Date.now() + offsetMs;
}

/** The file's integer, or 0 when it is missing or holds anything else. */
export function readOffset(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return 0;
  }
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : 0;
}
