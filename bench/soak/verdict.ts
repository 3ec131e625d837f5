/**
 * The soak's verdict, computed from its samples alone (pure; no I/O). Thresholds — the same text is
 * printed with every verdict:
 *
 * - RSS: fails if the least-squares slope over the second half of the run exceeds 20 MB per 10 min
 *   AND the rise that slope implies across the second half exceeds 24 MB (GC noise: a short run cannot
 *   tell a small leak from a heap settling), or if the last-third median exceeds 1.25× the first-third
 *   median.
 * - Open file descriptors: fail if the last-third median exceeds the first-third median by more than
 *   8, or if the fitted rise across the second half exceeds 8. (The load uses a fixed set of
 *   keep-alive connections, so the server's socket count does not wander.)
 * - Throughput: fails if the last-third median of requests/s is below 0.9× the first-third median, or
 *   (open loop) if fewer than 95% of the requests due over the run were answered.
 * - p99 latency: fails if the last-third median p99 exceeds 3× the first-third median and 50 ms.
 * - Log disk (data dir without the bucket): fails if the last-third median exceeds the first-third
 *   median by more than 512 MB — delivery falling behind, or segments never reclaimed.
 * - Errors: any non-2xx, connection error, timeout or rejected event, any error-level server log line,
 *   or a non-zero exit on SIGTERM fails the run.
 * - Bucket: after the final flush, each bucket (local-files, amazon-s3) must hold exactly as many
 *   events as were acknowledged (when requests failed, between acknowledged and acknowledged + the
 *   events of the failed requests).
 *
 * Samples shorter than half an interval (the drain at the end) are kept in the output but not judged.
 */

export interface SoakSample {
  readonly elapsedSeconds: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly connectionErrors: number;
  readonly timeouts: number;
  readonly rejectedEvents: number;
  /** Requests due but not yet sent at the end of the interval (open loop). */
  readonly behind: number;
  /** CPU time of the server process (all threads) over the interval, % of one core. */
  readonly serverCpuPercent: number | null;
  readonly rssBytes: number | null;
  readonly openFds: number | null;
  /** Bytes under the data dir except the local-files bucket: the event log, metadata, spool. */
  readonly logDiskBytes: number | null;
  readonly localObjects: number;
  readonly localBytes: number;
  readonly s3Objects: number;
  readonly s3Bytes: number;
  /** Events waiting for delivery, summed over destinations (from the status API). */
  readonly pendingEvents: number | null;
}

export interface SoakOutcome {
  readonly intervalSeconds: number;
  /** Open-loop requests/s offered; undefined for closed-loop runs. */
  readonly offeredRate: number | undefined;
  readonly requestsDue: number;
  readonly requestsAnswered: number;
  readonly failures: { readonly non2xx: number; readonly connectionErrors: number; readonly timeouts: number; readonly rejectedEvents: number };
  readonly serverErrorLogLines: number;
  readonly serverExitCode: number | null;
  readonly eventsAcknowledged: number;
  readonly eventsUnacknowledged: number;
  readonly bucketEvents: { readonly local: number; readonly s3: number };
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  /** What was measured and the limit it was held to, readable on its own. */
  readonly detail: string;
}

export interface Verdict {
  readonly pass: boolean;
  readonly checks: Check[];
  readonly figures: Record<string, number | null>;
}

export const THRESHOLDS = {
  rssSlopeMBPer10Min: 20,
  rssNoiseFloorMB: 24,
  rssThirdsRatio: 1.25,
  fdGrowth: 8,
  throughputThirdsRatio: 0.9,
  answeredFraction: 0.95,
  p99ThirdsRatio: 3,
  p99FloorMs: 50,
  logDiskGrowthMB: 512,
} as const;

export const THRESHOLDS_TEXT = [
  `RSS: 2nd-half slope ≤ ${THRESHOLDS.rssSlopeMBPer10Min} MB/10 min (or its rise over the 2nd half ≤ ${THRESHOLDS.rssNoiseFloorMB} MB), last/first-third median ≤ ${THRESHOLDS.rssThirdsRatio}×`,
  `open fds: last − first-third median ≤ ${THRESHOLDS.fdGrowth}, fitted rise over the 2nd half ≤ ${THRESHOLDS.fdGrowth}`,
  `throughput: last/first-third median req/s ≥ ${THRESHOLDS.throughputThirdsRatio}×; answered ≥ ${THRESHOLDS.answeredFraction * 100}% of requests due`,
  `p99: last/first-third median ≤ ${THRESHOLDS.p99ThirdsRatio}× unless ≤ ${THRESHOLDS.p99FloorMs} ms`,
  `log disk: last − first-third median ≤ ${THRESHOLDS.logDiskGrowthMB} MB`,
  'errors: no non-2xx, connection error, timeout, rejected event, error-level server log line; exit 0 on SIGTERM',
  'bucket: local-files and amazon-s3 each hold exactly the acknowledged events after the final flush',
].join('\n');

const MB = 1e6;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than 3 points or no spread in x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  if (points.length < 3) return NaN;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length;
  let numerator = 0;
  let denominator = 0;
  for (const point of points) {
    numerator += (point.x - meanX) * (point.y - meanY);
    denominator += (point.x - meanX) ** 2;
  }
  return denominator === 0 ? NaN : numerator / denominator;
}

type Metric = (sample: SoakSample) => number | null;

function series(samples: readonly SoakSample[], metric: Metric): { x: number; y: number }[] {
  return samples.flatMap((sample) => {
    const y = metric(sample);
    return y === null || Number.isNaN(y) ? [] : [{ x: sample.elapsedSeconds, y }];
  });
}

/** Medians of the first and last third of the samples (NaN with fewer than 3 samples). */
function thirds(samples: readonly SoakSample[], metric: Metric): { first: number; last: number } {
  const values = series(samples, metric).map((point) => point.y);
  if (values.length < 3) return { first: NaN, last: NaN };
  const third = Math.floor(values.length / 3);
  return { first: median(values.slice(0, third)), last: median(values.slice(values.length - third)) };
}

/** Slope per second over the second half of the run, and the rise it implies across that half. */
function secondHalfTrend(samples: readonly SoakSample[], metric: Metric): { perSecond: number; rise: number } {
  const points = series(samples, metric);
  const half = points.slice(Math.floor(points.length / 2));
  const perSecond = slope(half);
  const span = half.length > 1 ? half[half.length - 1]!.x - half[0]!.x : 0;
  return { perSecond, rise: perSecond * span };
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
/** A comparison that cannot be made (too few samples) does not fail the run; its detail says n/a. */
const notWorse = (value: number, limit: number) => !Number.isFinite(value) || value <= limit;

export function computeVerdict(allSamples: readonly SoakSample[], outcome: SoakOutcome): Verdict {
  const samples = allSamples.filter((sample) => sample.seconds >= outcome.intervalSeconds / 2);
  const checks: Check[] = [];

  const rss = thirds(samples, (sample) => (sample.rssBytes === null ? null : sample.rssBytes / MB));
  const rssTrend = secondHalfTrend(samples, (sample) => (sample.rssBytes === null ? null : sample.rssBytes / MB));
  const rssSlopePer10Min = rssTrend.perSecond * 600;
  const rssRatio = rss.last / rss.first;
  checks.push({
    name: 'rss-slope',
    pass: notWorse(rssSlopePer10Min, THRESHOLDS.rssSlopeMBPer10Min) || notWorse(rssTrend.rise, THRESHOLDS.rssNoiseFloorMB),
    detail: `2nd-half slope ${fixed(rssSlopePer10Min)} MB/10 min (limit ${THRESHOLDS.rssSlopeMBPer10Min}), rise ${fixed(rssTrend.rise)} MB (noise floor ${THRESHOLDS.rssNoiseFloorMB})`,
  });
  checks.push({ name: 'rss-thirds', pass: notWorse(rssRatio, THRESHOLDS.rssThirdsRatio), detail: `median ${fixed(rss.first)} → ${fixed(rss.last)} MB, ${fixed(rssRatio, 2)}× (limit ${THRESHOLDS.rssThirdsRatio}×)` });

  const fds = thirds(samples, (sample) => sample.openFds);
  const fdTrend = secondHalfTrend(samples, (sample) => sample.openFds);
  checks.push({
    name: 'fds',
    pass: notWorse(fds.last - fds.first, THRESHOLDS.fdGrowth) && notWorse(fdTrend.rise, THRESHOLDS.fdGrowth),
    detail: `median ${fixed(fds.first, 0)} → ${fixed(fds.last, 0)}, 2nd-half fitted rise ${fixed(fdTrend.rise)} (limit +${THRESHOLDS.fdGrowth})`,
  });

  const throughput = thirds(samples, (sample) => sample.requestsPerSecond);
  const throughputRatio = throughput.last / throughput.first;
  const answered = outcome.requestsDue > 0 ? outcome.requestsAnswered / outcome.requestsDue : NaN;
  checks.push({
    name: 'throughput',
    pass: (!Number.isFinite(throughputRatio) || throughputRatio >= THRESHOLDS.throughputThirdsRatio) && (outcome.offeredRate === undefined || !(answered < THRESHOLDS.answeredFraction)),
    detail:
      `median ${fixed(throughput.first)} → ${fixed(throughput.last)} req/s, ${fixed(throughputRatio, 2)}× (min ${THRESHOLDS.throughputThirdsRatio}×)` +
      (outcome.offeredRate === undefined ? '' : `; answered ${outcome.requestsAnswered}/${outcome.requestsDue} due at ${fixed(outcome.offeredRate)} req/s (min ${THRESHOLDS.answeredFraction * 100}%)`),
  });

  const p99 = thirds(samples, (sample) => sample.p99Ms);
  const p99Ratio = p99.last / p99.first;
  checks.push({
    name: 'p99',
    pass: notWorse(p99Ratio, THRESHOLDS.p99ThirdsRatio) || notWorse(p99.last, THRESHOLDS.p99FloorMs),
    detail: `median ${fixed(p99.first)} → ${fixed(p99.last)} ms, ${fixed(p99Ratio, 2)}× (limit ${THRESHOLDS.p99ThirdsRatio}× above ${THRESHOLDS.p99FloorMs} ms)`,
  });

  // Reported, not judged: on a shared machine CPU per event is steadier than wall-clock figures, and
  // a rise at constant load points at work that grows with run length.
  const cpuPerEvent = thirds(samples, (sample) => (sample.serverCpuPercent === null || sample.eventsPerSecond === 0 ? null : (sample.serverCpuPercent * 10_000) / sample.eventsPerSecond));

  const logDisk = thirds(samples, (sample) => (sample.logDiskBytes === null ? null : sample.logDiskBytes / MB));
  checks.push({
    name: 'log-disk',
    pass: notWorse(logDisk.last - logDisk.first, THRESHOLDS.logDiskGrowthMB),
    detail: `median ${fixed(logDisk.first)} → ${fixed(logDisk.last)} MB (limit +${THRESHOLDS.logDiskGrowthMB} MB)`,
  });

  const { non2xx, connectionErrors, timeouts, rejectedEvents } = outcome.failures;
  const failed = non2xx + connectionErrors + timeouts + rejectedEvents;
  checks.push({
    name: 'errors',
    pass: failed === 0 && outcome.serverErrorLogLines === 0 && outcome.serverExitCode === 0,
    detail: `non-2xx ${non2xx}, connection errors ${connectionErrors}, timeouts ${timeouts}, rejected events ${rejectedEvents}, server error log lines ${outcome.serverErrorLogLines}, exit on SIGTERM ${outcome.serverExitCode}`,
  });

  const low = outcome.eventsAcknowledged;
  const high = outcome.eventsAcknowledged + outcome.eventsUnacknowledged;
  for (const [name, events] of Object.entries(outcome.bucketEvents)) {
    checks.push({
      name: `bucket-${name}`,
      pass: events >= low && events <= high,
      detail: `${events} events in the bucket, ${low} acknowledged${high > low ? ` (+ up to ${high - low} from failed requests)` : ''}${events < low ? ` — ${low - events} MISSING` : events > high ? ` — ${events - high} EXTRA` : ''}`,
    });
  }

  return {
    pass: checks.every((check) => check.pass),
    checks,
    figures: {
      rssFirstThirdMB: rss.first,
      rssLastThirdMB: rss.last,
      rssSecondHalfSlopeMBPer10Min: rssSlopePer10Min,
      fdsFirstThird: fds.first,
      fdsLastThird: fds.last,
      fdsSecondHalfRise: fdTrend.rise,
      requestsPerSecondFirstThird: throughput.first,
      requestsPerSecondLastThird: throughput.last,
      p99FirstThirdMs: p99.first,
      p99LastThirdMs: p99.last,
      serverCpuMicrosPerEventFirstThird: cpuPerEvent.first,
      serverCpuMicrosPerEventLastThird: cpuPerEvent.last,
      logDiskFirstThirdMB: logDisk.first,
      logDiskLastThirdMB: logDisk.last,
      answeredFraction: Number.isFinite(answered) ? answered : null,
    },
  };
}
