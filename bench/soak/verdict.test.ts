import { describe, expect, it } from 'vitest';
import { computeVerdict, median, slope, type SoakOutcome, type SoakSample } from './verdict.js';

const MB = 1e6;

/** A flat 30-minute run sampled every 30 s, with `change` applied to sample i. */
function run(change: (sample: SoakSample, index: number) => Partial<SoakSample> = () => ({})): SoakSample[] {
  return Array.from({ length: 60 }, (_, index) => {
    const sample: SoakSample = {
      elapsedSeconds: (index + 1) * 30,
      seconds: 30,
      requestsPerSecond: 300 + (index % 3),
      eventsPerSecond: 11_000,
      p50Ms: 5,
      p99Ms: 90 + (index % 5) * 10,
      maxMs: 300,
      non2xx: 0,
      connectionErrors: 0,
      timeouts: 0,
      rejectedEvents: 0,
      behind: 0,
      serverCpuPercent: 80,
      rssBytes: (270 + ((index * 7) % 20)) * MB,
      openFds: 105 + (index % 2),
      logDiskBytes: (100 + ((index * 13) % 90)) * MB,
      localObjects: index,
      localBytes: index * 8 * MB,
      s3Objects: index,
      s3Bytes: index * 8 * MB,
      pendingEvents: 200_000,
    };
    return { ...sample, ...change(sample, index) };
  });
}

const outcome = (overrides: Partial<SoakOutcome> = {}): SoakOutcome => ({
  intervalSeconds: 30,
  offeredRate: 300,
  requestsDue: 540_000,
  requestsAnswered: 540_000,
  failures: { non2xx: 0, connectionErrors: 0, timeouts: 0, rejectedEvents: 0 },
  serverErrorLogLines: 0,
  serverExitCode: 0,
  eventsAcknowledged: 19_000_000,
  eventsUnacknowledged: 0,
  bucketEvents: { local: 19_000_000, s3: 19_000_000 },
  ...overrides,
});

const failing = (samples: SoakSample[], result = outcome()) =>
  computeVerdict(samples, result)
    .checks.filter((check) => !check.pass)
    .map((check) => check.name);

describe('soak verdict', () => {
  it('passes a flat, complete run', () => {
    const verdict = computeVerdict(run(), outcome());
    expect(verdict.checks.filter((check) => !check.pass)).toEqual([]);
    expect(verdict.pass).toBe(true);
  });

  it('fails RSS growing 30 MB per 10 minutes', () => {
    expect(failing(run((sample, index) => ({ rssBytes: sample.rssBytes! + index * 1.5 * MB })))).toEqual(['rss-slope']);
  });

  it('fails RSS that doubles, even without a steady slope in the second half', () => {
    expect(failing(run((sample, index) => ({ rssBytes: sample.rssBytes! * (index < 20 ? 1 : 2) })))).toContain('rss-thirds');
  });

  it('tolerates a steep but small RSS wobble in a short run (below the noise floor)', () => {
    const short = run((sample, index) => ({ elapsedSeconds: (index + 1) * 5, seconds: 5, rssBytes: (270 + index * 0.3) * MB })).slice(0, 36);
    expect(failing(short, outcome({ intervalSeconds: 5, requestsDue: 54_000, requestsAnswered: 54_000 }))).toEqual([]);
  });

  it('fails file descriptors that keep growing', () => {
    expect(failing(run((sample, index) => ({ openFds: 105 + Math.floor(index / 3) })))).toEqual(['fds']);
  });

  it('fails a throughput drop and a server that falls behind the offered rate', () => {
    expect(failing(run((sample, index) => ({ requestsPerSecond: index < 40 ? 300 : 200 })))).toEqual(['throughput']);
    expect(failing(run(), outcome({ requestsAnswered: 500_000 }))).toEqual(['throughput']);
  });

  it('fails p99 creeping up past the floor, not a small p99 tripling', () => {
    expect(failing(run((sample, index) => ({ p99Ms: 90 * (1 + index / 10) })))).toEqual(['p99']);
    expect(failing(run((sample, index) => ({ p99Ms: index < 20 ? 5 : 20 })))).toEqual([]);
  });

  it('fails a log that is never reclaimed', () => {
    expect(failing(run((sample, index) => ({ logDiskBytes: index * 40 * MB })))).toEqual(['log-disk']);
  });

  it('fails any error, error log line, or unclean exit', () => {
    expect(failing(run(), outcome({ failures: { non2xx: 1, connectionErrors: 0, timeouts: 0, rejectedEvents: 0 }, eventsUnacknowledged: 100 }))).toEqual(['errors']);
    expect(failing(run(), outcome({ serverErrorLogLines: 2 }))).toEqual(['errors']);
    expect(failing(run(), outcome({ serverExitCode: 1 }))).toEqual(['errors']);
  });

  it('fails a bucket missing acknowledged events or holding extra ones', () => {
    expect(failing(run(), outcome({ bucketEvents: { local: 18_999_999, s3: 19_000_000 } }))).toEqual(['bucket-local']);
    expect(failing(run(), outcome({ bucketEvents: { local: 19_000_000, s3: 19_000_100 } }))).toEqual(['bucket-s3']);
    // Events of requests that failed may or may not be stored; up to that many extra is not a failure of the bucket.
    const withFailures = outcome({ failures: { non2xx: 0, connectionErrors: 1, timeouts: 0, rejectedEvents: 0 }, eventsUnacknowledged: 100, bucketEvents: { local: 19_000_100, s3: 19_000_000 } });
    expect(failing(run(), withFailures)).toEqual(['errors']);
  });

  it('does not judge the short drain interval at the end', () => {
    const samples = [...run(), { ...run()[0]!, elapsedSeconds: 1800.2, seconds: 0.2, requestsPerSecond: 5, openFds: 40 }];
    expect(failing(samples)).toEqual([]);
  });

  it('computes medians and least-squares slopes', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }])).toBeNaN();
  });
});
