/**
 * The short fault suite, inside `npm test` (issue 5): each scenario of `npm run faults -- --short`
 * against the real `sluice serve` child with a retrying client, checked strictly — no acknowledged
 * event lost, none twice, none invented, each in its receivedAt day's folder, and each scenario's own
 * expectations (503 + Retry-After, status errors, recovered tails, day folders). On failure the message
 * carries the printed details (ids, kinds) and the kept data directory.
 * The long version: `npm run faults` (see src/faults/run.ts).
 */
import { describe, expect, it } from 'vitest';
import { cleanUp, passed, type ScenarioName } from './harness/scenario.js';
import { formatDetails, formatTable } from './report.js';
import { scenarios } from './scenarios/index.js';

// Each child start costs 1–2 s on a loaded 2-core machine; a scenario runs 10–30 s.
const SCENARIO_TIMEOUT_MS = 120_000;

describe('fault injection (short suite)', () => {
  for (const name of ['kill', 's3', 'disk', 'corrupt', 'clock'] as ScenarioName[]) {
    it(`${name}: every acknowledged event exactly once, in its day folder`, async () => {
      const result = await scenarios[name]({ short: true, log: () => {} });
      const explanation = `\n${formatTable([result])}\n${formatDetails([result])}`;
      expect(result.acknowledged, explanation).toBeGreaterThan(0);
      expect(result.check.lost, explanation).toBe(0);
      expect(result.check.duplicated, explanation).toBe(0);
      expect(result.check.unexpected, explanation).toBe(0);
      expect(result.check.wrongDay, explanation).toBe(0);
      expect(result.failures, explanation).toEqual([]);
      expect(passed(result)).toBe(true);
      await cleanUp(result);
    }, SCENARIO_TIMEOUT_MS);
  }
});
