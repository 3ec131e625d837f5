/**
 * The soak machinery end to end, short: the real `sluice serve` with its local-files and amazon-s3
 * (s3rver) destinations, the load generator in its own process at a low fixed open-loop rate for 12 s,
 * samples every 2 s, the final flush and the bucket count. Twelve seconds cannot judge flatness (the
 * heap is still settling), so this asserts the machinery and the correctness checks, not the leak
 * thresholds; `npm run soak -- --minutes 30` is the real run.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './run-soak.js';

describe('soak run (short)', () => {
  it('samples the server under mixed load and finds every acknowledged event in both buckets', async () => {
    let printed = '';
    const result = await runSoak({ minutes: 0.2, rate: 25, intervalSeconds: 2, connections: 4 }, (text) => (printed += text));

    expect(result.samples.length).toBeGreaterThanOrEqual(5);
    const judged = result.samples.filter((sample) => sample.seconds >= 1);
    for (const sample of judged) {
      expect(sample.requestsPerSecond).toBeGreaterThan(0);
      expect(sample.eventsPerSecond).toBeGreaterThan(0);
      expect(sample.p99Ms).toBeGreaterThan(0);
      if (process.platform === 'linux') {
        expect(sample.rssBytes).toBeGreaterThan(20e6);
        expect(sample.openFds).toBeGreaterThan(4);
      }
      expect(sample.logDiskBytes).toBeGreaterThan(0);
      expect(sample.pendingEvents).not.toBeNull();
    }
    // Every kind of the mix was sent and answered.
    for (const [kind, figures] of Object.entries(result.load.perKind)) expect(figures.ok, kind).toBeGreaterThan(0);

    const checks = Object.fromEntries(result.verdict.checks.map((check) => [check.name, check]));
    expect(Object.keys(checks).sort()).toEqual(['bucket-local', 'bucket-s3', 'errors', 'fds', 'log-disk', 'p99', 'rss-slope', 'rss-thirds', 'throughput']);
    expect(checks.errors!.pass, checks.errors!.detail).toBe(true);
    // Open loop: every request due in the 12 s was sent and answered (a busy CI box may bunch them up).
    expect(result.load.requests).toBe(25 * 12);
    expect(result.load.ok).toBe(25 * 12);
    expect(result.bucket.eventsAcknowledged).toBeGreaterThan(5000);
    expect(result.bucket.local).toBe(result.bucket.eventsAcknowledged);
    expect(result.bucket.s3).toBe(result.bucket.eventsAcknowledged);
    expect(printed).toMatch(/verdict:\n/);
    expect(printed).toMatch(/^(PASS|FAIL): /m);
  }, 60_000);
});
