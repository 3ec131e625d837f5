/**
 * Scenario "disk": the log's disk budget (SLUICE_LOG_MAX_BYTES, its 1 MiB minimum, 64 KiB segments)
 * is smaller than what the load sends between two scheduled flushes of the local-files destination,
 * so ingest fills it and answers 503 `log_full` with Retry-After. The client honours Retry-After and
 * re-sends; the next scheduled flush delivers, retention deletes the delivered segments, and ingest
 * succeeds again — in the same process, without a restart or any operator action. Nothing is lost.
 */
import { ChildRunner } from '../harness/child.js';
import { delay, finishAndCheck, newDataDir, resultOf, startLoad, tuneLocalFiles, type ScenarioOptions, type ScenarioResult } from '../harness/scenario.js';

export async function diskScenario({ short, log }: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const child = new ChildRunner(await newDataDir('disk'), { SLUICE_LOG_MAX_BYTES: '1MiB', SLUICE_LOG_SEGMENT_BYTES: '64KiB' });
  const failures: string[] = [];
  const notes: string[] = [];
  try {
    await child.start();
    const flushIntervalSeconds = short ? 3 : 10;
    const { destinationId, sourceId } = await tuneLocalFiles(child, { flushIntervalSeconds });
    const load = startLoad(child, { paddingBytes: 300 });
    const runMs = short ? 10_000 : 120_000;
    const until = Date.now() + runMs;
    let lastLogged = 0;
    while (Date.now() < until) {
      await delay(1_000);
      if (Date.now() - lastLogged >= (short ? 4_000 : 15_000)) {
        lastLogged = Date.now();
        log(`disk: ${load.acknowledgedCount} events acknowledged, ${load.status503} answers 503 so far`);
      }
    }
    const outcome = await finishAndCheck({ child, load, destinationId, sourceId });
    const { load: report } = outcome;
    notes.push(`flush every ${flushIntervalSeconds} s; ${report.status503} answers 503 (${report.retryAfter503} with Retry-After); ${report.acknowledgedAfter503} batches answered 503 were acknowledged on a later attempt`);
    notes.push(`answers: ${JSON.stringify(report.outcomes)}`);
    if (report.status503 === 0) failures.push('the load never filled the log: no 503 seen');
    if (report.retryAfter503 !== report.status503) failures.push(`${report.status503 - report.retryAfter503} 503 answers came without Retry-After`);
    if (report.acknowledgedAfter503 === 0) failures.push('no batch answered 503 was acknowledged later: ingest did not recover once delivery drained the log');
    if (child.starts !== 1) failures.push(`the server was started ${child.starts} times; recovery must need no restart`);
    return resultOf('disk', startedAt, child, outcome, failures, notes);
  } finally {
    await child.stop().catch(() => {});
  }
}
