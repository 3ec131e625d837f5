import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_OFFSET_FILE_ENV_VAR, faultClockFromEnv, readOffset } from './clock-hook.js';
import { writeClockOffset } from './harness/clock-file.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-clock-hook-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the test-only clock hook', () => {
  it('is inert (undefined: the real clock) unless the variable is set', () => {
    expect(faultClockFromEnv({})).toBeUndefined();
  });

  it('adds the file\'s offset, and follows the file when it changes', async () => {
    const file = join(directory, 'offset');
    await writeClockOffset(file, 86_400_000);
    const clock = faultClockFromEnv({ [CLOCK_OFFSET_FILE_ENV_VAR]: file })!;
    expect(clock() - Date.now()).toBeGreaterThan(86_400_000 - 1_000);
    await writeClockOffset(file, -3_600_000);
    const deadline = Date.now() + 5_000;
    while (clock() - Date.now() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Math.abs(clock() - Date.now() + 3_600_000)).toBeLessThan(1_000);
  });

  it('reads a missing file or anything but an integer as offset 0', async () => {
    expect(readOffset(join(directory, 'missing'))).toBe(0);
    const file = join(directory, 'offset');
    for (const text of ['', 'soon', '1.5', '99999999999999999999']) {
      await writeFile(file, text);
      expect(readOffset(file)).toBe(0);
    }
    await writeClockOffset(file, -42);
    expect(readOffset(file)).toBe(-42);
  });
});
