/**
 * Scenario "kill": repeated kill -9 of the server at random moments (0.3–3 s after it is listening)
 * while clients send and deliveries run all the time (local-files destination flushing every second
 * and whenever 16 KiB of NDJSON are pending). After the last restart every acknowledged event must be
 * in the bucket exactly once.
 */
import { ChildRunner } from '../harness/child.js';
import { delay, deliverConstantly, finishAndCheck, newDataDir, randomBetween, resultOf, startLoad, tuneLocalFiles, type ScenarioOptions, type ScenarioResult } from '../harness/scenario.js';

export async function killScenario({ short, log }: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const kills = short ? 3 : 30;
  const child = new ChildRunner(await newDataDir('kill'));
  await child.start();
  const { destinationId, sourceId } = await tuneLocalFiles(child, deliverConstantly);
  const load = startLoad(child);
  for (let kill = 1; kill <= kills; kill++) {
    if (child.url() === undefined) await child.start();
    await delay(randomBetween(300, 3_000));
    await child.kill9();
    log(`kill: kill -9 #${kill}/${kills}, ${load.acknowledgedCount} events acknowledged so far`);
  }
  const outcome = await finishAndCheck({ child, load, destinationId, sourceId });
  return resultOf('kill', startedAt, child, outcome, [], []);
}
