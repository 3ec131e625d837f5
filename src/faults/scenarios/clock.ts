/**
 * Scenario "clock": the server's clock (through the test-only SLUICE_FAULT_CLOCK_OFFSET_FILE hook,
 * src/faults/clock-hook.ts) jumps forward across UTC midnight and back again, repeatedly, while clients
 * send and deliveries run every second — so batches, and even single requests racing a jump, hold
 * events of two days. Every event must land in the folder of its own `receivedAt` UTC day, exactly once.
 */
import { join } from 'node:path';
import { CLOCK_OFFSET_FILE_ENV_VAR } from '../clock-hook.js';
import { ChildRunner } from '../harness/child.js';
import { writeClockOffset } from '../harness/clock-file.js';
import { delay, deliverConstantly, finishAndCheck, newDataDir, resultOf, startLoad, tuneLocalFiles, type ScenarioOptions, type ScenarioResult } from '../harness/scenario.js';

const DAY_MS = 86_400_000;
/** Longer than the hook's 50 ms poll, so a jump has surely been seen before we count on it. */
const SETTLE_MS = 200;

export async function clockScenario({ short, log }: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const dataDir = await newDataDir('clock');
  const offsetFile = join(dataDir, '..', 'clock-offset');
  await writeClockOffset(offsetFile, 0);
  const child = new ChildRunner(dataDir, { [CLOCK_OFFSET_FILE_ENV_VAR]: offsetFile });
  const failures: string[] = [];
  const notes: string[] = [];
  try {
    await child.start();
    const { destinationId, sourceId } = await tuneLocalFiles(child, deliverConstantly);
    const load = startLoad(child);
    const jumpTo = async (serverTime: number, holdMs: number, what: string) => {
      await writeClockOffset(offsetFile, serverTime - Date.now());
      await delay(SETTLE_MS + holdMs);
      log(`clock: ${what} (server clock ${new Date(serverTime).toISOString()}), ${load.acknowledgedCount} acknowledged`);
    };
    const cycles = short ? 1 : 8;
    let midnight = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
    for (let cycle = 0; cycle < cycles; cycle++) {
      await jumpTo(midnight - 1_000, 2_000, 'forward to 1 s before midnight, then across it');
      await jumpTo(midnight - 1_500, 1_000, 'back across midnight');
      await jumpTo(midnight + 3_000, 1_000, 'forward across midnight');
      await jumpTo(midnight - 500, 1_500, 'back across midnight, and across it again');
      midnight += DAY_MS;
      if (!short) await delay(3_000);
    }
    await writeClockOffset(offsetFile, 0);
    await delay(SETTLE_MS);
    const outcome = await finishAndCheck({ child, load, destinationId, sourceId });
    const expectedDays = cycles + 1;
    notes.push(`${cycles * 4} clock jumps over ${cycles} UTC midnight(s); ${outcome.check.days} day folders`);
    if (outcome.check.days < expectedDays) failures.push(`events landed in ${outcome.check.days} day folders, expected at least ${expectedDays}: the clock did not cross midnight`);
    return resultOf('clock', startedAt, child, outcome, failures, notes);
  } finally {
    await child.stop().catch(() => {});
  }
}
