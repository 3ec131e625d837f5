/**
 * The soak run (issue 5): the real `sluice serve` with its two destinations (target.ts) under a
 * sustained, mixed, open-loop load (load-generator.ts, its own process) at 50% of the maximum measured
 * at the start (a short closed-loop burst over the same mix), or at a fixed `rate`. Every interval it
 * samples throughput, latency, failures, server RSS and open fds (/proc), the log's disk use, both
 * buckets and the delivery backlog, and prints a row. At the end it flushes every destination, counts
 * the events in both buckets against the events acknowledged, stops the server with SIGTERM, and
 * judges flatness and correctness (verdict.ts, which states the thresholds).
 *
 * Owns the orchestration and the report; memory is bounded by the number of intervals.
 */
import { randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DoneLine, GeneratorConfig, IntervalLine, TrafficCounts } from './load-generator.js';
import { eventsPerMixedRequest, MIX_WEIGHTS } from './mix.js';
import { cpuSeconds } from '../support/processes.js';
import { openFileDescriptors, residentBytes, tallyFiles } from './probes.js';
import { runGeneratorProcess } from './spawn-generator.js';
import { startSoakTarget, type SoakTarget } from './target.js';
import { computeVerdict, THRESHOLDS_TEXT, type SoakSample, type Verdict } from './verdict.js';

export interface SoakOptions {
  readonly minutes: number;
  /** Fixed open-loop rate (requests/s of the mix); default: 50% of the measured maximum. */
  readonly rate?: number;
  readonly intervalSeconds?: number;
  /** Keep-alive connections of the open-loop load. */
  readonly connections?: number;
  /** Seconds of each closed-loop step when measuring the maximum. */
  readonly maxProbeSeconds?: number;
  readonly keepData?: boolean;
}

export interface MaxMeasurement {
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p99Ms: number;
}

export interface SoakResult {
  readonly startedAt: string;
  readonly machine: Record<string, unknown>;
  readonly options: SoakOptions & { intervalSeconds: number; connections: number };
  readonly mix: Record<string, number>;
  readonly max: MaxMeasurement[] | undefined;
  readonly rate: number;
  readonly samples: SoakSample[];
  readonly load: DoneLine;
  readonly bucket: { eventsAcknowledged: number; eventsUnacknowledged: number; local: number; s3: number; countSeconds: number };
  readonly verdict: Verdict;
  readonly thresholds: string;
}

const MAX_SWEEP = [16, 64] as const;
const MB = 1e6;
/** Stored bytes per event (enriched NDJSON) and gzip ratio, from docs/benchmarks.md; for the disk estimate only. */
const STORED_BYTES_PER_EVENT = 600;
const GZIP_RATIO = 7;

const columns = ['elapsed', 'req/s', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'fail', 'behind', 'cpu %', 'rss MB', 'fds', 'log MB', 'local obj/MB', 's3 obj/MB', 'pending'];
const widths = [7, 7, 9, 7, 7, 7, 5, 6, 6, 7, 5, 7, 12, 12, 8];
const row = (cells: string[]) => cells.map((cell, index) => cell.padStart(widths[index]!)).join(' ');
const num = (value: number | null, digits = 0) => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

function sampleRow(sample: SoakSample): string {
  const failures = sample.non2xx + sample.connectionErrors + sample.timeouts + sample.rejectedEvents;
  return row([
    `${num(sample.elapsedSeconds)}s`,
    num(sample.requestsPerSecond),
    num(sample.eventsPerSecond),
    num(sample.p50Ms, 1),
    num(sample.p99Ms, 1),
    num(sample.maxMs, 1),
    String(failures),
    String(sample.behind),
    num(sample.serverCpuPercent),
    num(sample.rssBytes === null ? null : sample.rssBytes / MB, 1),
    num(sample.openFds),
    num(sample.logDiskBytes === null ? null : sample.logDiskBytes / MB, 1),
    `${sample.localObjects}/${num(sample.localBytes / MB, 1)}`,
    `${sample.s3Objects}/${num(sample.s3Bytes / MB, 1)}`,
    num(sample.pendingEvents),
  ]);
}

/** Samples the server and the buckets for one interval line; remembers the server's CPU time between calls. */
function sampler(target: SoakTarget): { startClock(): Promise<unknown>; take(line: IntervalLine): Promise<SoakSample> } {
  let previousCpu: { seconds: number; at: number } | undefined;
  const cpuPercent = async () => {
    const cpu = await cpuSeconds(target.pid);
    if (!cpu) return null;
    const now = { seconds: cpu.process, at: performance.now() };
    const percent = previousCpu ? ((now.seconds - previousCpu.seconds) / ((now.at - previousCpu.at) / 1000)) * 100 : null;
    previousCpu = now;
    return percent;
  };
  return { startClock: cpuPercent, take: (line) => takeSample(target, line, cpuPercent) };
}

async function takeSample(target: SoakTarget, line: IntervalLine, cpuPercent: () => Promise<number | null>): Promise<SoakSample> {
  const [serverCpuPercent, rssBytes, openFds, logDisk, local, s3, statuses] = await Promise.all([
    cpuPercent(),
    residentBytes(target.pid),
    openFileDescriptors(target.pid),
    tallyFiles(target.dataDir, { skip: [target.bucketDir] }),
    target.buckets.local.tally(),
    target.buckets.s3.tally(),
    Promise.all(target.destinations.map((destination) => target.status(destination).catch(() => undefined))),
  ]);
  const pendingEvents = statuses.every((status) => status) ? statuses.reduce((sum, status) => sum + status!.pending.events, 0) : null;
  return {
    elapsedSeconds: line.elapsedSeconds,
    seconds: line.seconds,
    requestsPerSecond: line.requests / line.seconds,
    eventsPerSecond: line.eventsAcknowledged / line.seconds,
    p50Ms: line.latency.p50Ms,
    p99Ms: line.latency.p99Ms,
    maxMs: line.latency.maxMs,
    non2xx: line.non2xx,
    connectionErrors: line.connectionErrors,
    timeouts: line.timeouts,
    rejectedEvents: line.rejectedEvents,
    behind: line.behind,
    serverCpuPercent,
    rssBytes: rssBytes ?? null,
    openFds: openFds ?? null,
    logDiskBytes: logDisk.bytes,
    localObjects: local.files,
    localBytes: local.bytes,
    s3Objects: s3.files,
    s3Bytes: s3.bytes,
    pendingEvents,
  };
}

export async function runSoak(options: SoakOptions, print: (text: string) => void = (text) => process.stdout.write(text)): Promise<SoakResult> {
  const intervalSeconds = options.intervalSeconds ?? (options.minutes <= 5 ? 5 : 30);
  const connections = options.connections ?? 64;
  const startedAt = new Date().toISOString();
  const target = await startSoakTarget();
  const totals: TrafficCounts = { requests: 0, ok: 0, eventsAcknowledged: 0, non2xx: 0, connectionErrors: 0, timeouts: 0, rejectedEvents: 0, eventsUnacknowledged: 0 };
  const count = (done: DoneLine) => {
    for (const key of Object.keys(totals) as (keyof TrafficCounts)[]) totals[key] += done[key];
  };
  try {
    print(`sluice serve pid ${target.pid} at ${target.url}, data dir ${target.dataDir}; destinations: ${target.destinations.map((destination) => destination.type).join(', ')}\n`);
    print(`mix per 100 requests: ${Object.entries(MIX_WEIGHTS).map(([kind, weight]) => `${kind} ${weight}`).join(', ')} (${eventsPerMixedRequest().toFixed(1)} events/request)\n`);
    const config = (overrides: Partial<GeneratorConfig> & Pick<GeneratorConfig, 'mode' | 'connections' | 'durationSeconds'>): GeneratorConfig => ({
      url: target.url,
      writeKey: target.writeKey,
      adminToken: target.adminToken,
      adminStatusPaths: target.destinations.map((destination) => `/api/v1/workspaces/default/destinations/${destination.id}/status`),
      runId: randomUUID().slice(0, 8),
      intervalSeconds,
      requestTimeoutMs: 30_000,
      ...overrides,
    });

    let max: MaxMeasurement[] | undefined;
    let rate = options.rate;
    if (rate === undefined) {
      const seconds = options.maxProbeSeconds ?? 8;
      print(`measuring the maximum: closed loop, ${MAX_SWEEP.join('/')} connections, ${seconds} s each (after a ${Math.ceil(seconds / 2)} s warm-up)\n`);
      count(await runGeneratorProcess(config({ mode: 'closed', connections: MAX_SWEEP[0], durationSeconds: Math.ceil(seconds / 2) })));
      max = [];
      for (const sweepConnections of MAX_SWEEP) {
        const done = await runGeneratorProcess(config({ mode: 'closed', connections: sweepConnections, durationSeconds: seconds }));
        count(done);
        max.push({ connections: sweepConnections, requestsPerSecond: done.ok / done.seconds, eventsPerSecond: done.eventsAcknowledged / done.seconds, p99Ms: done.latency.p99Ms });
        print(`  ${sweepConnections} connections: ${(done.ok / done.seconds).toFixed(0)} req/s, ${(done.eventsAcknowledged / done.seconds).toFixed(0)} events/s, p99 ${done.latency.p99Ms.toFixed(1)} ms, failures ${done.requests - done.ok}\n`);
      }
      const best = Math.max(...max.map((measured) => measured.requestsPerSecond));
      rate = Math.max(1, best / 2);
    }
    const expectedBucketBytes = rate * eventsPerMixedRequest() * STORED_BYTES_PER_EVENT * options.minutes * 60 / GZIP_RATIO;
    const free = await statfs(target.dataDir).then((stats) => stats.bavail * stats.bsize).catch(() => NaN);
    print(`soak: ${options.minutes} min open loop at ${rate.toFixed(1)} req/s (~${(rate * eventsPerMixedRequest()).toFixed(0)} events/s) over ${connections} connections; rows every ${intervalSeconds} s\n`);
    print(`disk: expect ~${(2 * expectedBucketBytes / 1e9).toFixed(1)} GB of objects in the two buckets; ${(free / 1e9).toFixed(1)} GB free${2 * expectedBucketBytes > 0.8 * free ? ' — NOT ENOUGH, lower --rate or --minutes' : ''}\n`);
    print(`${row(columns)}\n`);

    const samples: SoakSample[] = [];
    const sample = sampler(target);
    await sample.startClock();
    let sampling = Promise.resolve();
    const load = await runGeneratorProcess(config({ mode: 'open', rate, connections, durationSeconds: Math.round(options.minutes * 60) }), (line) => {
      sampling = sampling.then(async () => {
        // One failed probe (a listing racing a rename, say) costs one row, not the run.
        const taken = await sample.take(line).catch((error: Error) => print(`sample at ${line.elapsedSeconds.toFixed(0)} s failed: ${error.message}\n`));
        if (!taken) return;
        samples.push(taken);
        print(`${sampleRow(taken)}\n`);
      });
    });
    await sampling;
    count(load);

    print('final flush of every destination, then counting events in both buckets…\n');
    const countStarted = Date.now();
    await target.flushAll();
    const [local, s3] = await Promise.all([target.buckets.local.countEvents(), target.buckets.s3.countEvents()]);
    const bucket = { eventsAcknowledged: totals.eventsAcknowledged, eventsUnacknowledged: totals.eventsUnacknowledged, local, s3, countSeconds: (Date.now() - countStarted) / 1000 };
    const serverExitCode = await target.stopServer();
    const errorLog = target.errorLogLines();

    const verdict = computeVerdict(samples, {
      intervalSeconds,
      offeredRate: rate,
      requestsDue: Math.floor(rate * Math.round(options.minutes * 60)),
      requestsAnswered: load.requests,
      failures: { non2xx: totals.non2xx, connectionErrors: totals.connectionErrors, timeouts: totals.timeouts, rejectedEvents: totals.rejectedEvents },
      serverErrorLogLines: errorLog.count,
      serverExitCode,
      eventsAcknowledged: totals.eventsAcknowledged,
      eventsUnacknowledged: totals.eventsUnacknowledged,
      bucketEvents: { local, s3 },
    });

    print(`\nwhole soak: ${load.requests} requests in ${load.seconds.toFixed(0)} s, p50 ${load.latency.p50Ms.toFixed(1)} ms, p99 ${load.latency.p99Ms.toFixed(1)} ms, max ${load.latency.maxMs.toFixed(1)} ms (from intended send time)\n`);
    for (const [kind, figures] of Object.entries(load.perKind)) print(`  ${kind.padEnd(12)} ${String(figures.requests).padStart(8)} requests, p50 ${figures.latency.p50Ms.toFixed(1)} ms, p99 ${figures.latency.p99Ms.toFixed(1)} ms, failures ${figures.requests - figures.ok}\n`);
    if (load.failureSamples.length) print(`failures seen:\n${load.failureSamples.map((text) => `  ${text}`).join('\n')}\n`);
    if (errorLog.samples.length) print(`server error log lines (first ${errorLog.samples.length}):\n${errorLog.samples.map((text) => `  ${text}`).join('\n')}\n`);
    const cpu = [verdict.figures.serverCpuMicrosPerEventFirstThird, verdict.figures.serverCpuMicrosPerEventLastThird].map((value) => num(value ?? null, 1));
    print(`server CPU per event (all threads): ${cpu[0]} µs in the first third, ${cpu[1]} µs in the last (reported, not judged)\n`);
    print(`bucket check (${bucket.countSeconds.toFixed(1)} s): acknowledged ${bucket.eventsAcknowledged}, local-files ${local}, amazon-s3 ${s3}\n`);
    print(`\nthresholds:\n${THRESHOLDS_TEXT.split('\n').map((text) => `  ${text}`).join('\n')}\n`);
    print(`verdict:\n${verdict.checks.map((check) => `  ${check.pass ? 'ok  ' : 'FAIL'} ${check.name.padEnd(12)} ${check.detail}`).join('\n')}\n`);
    print(`${verdict.pass ? 'PASS' : 'FAIL'}: ${verdict.checks.filter((check) => !check.pass).map((check) => check.name).join(', ') || 'flat and complete'}\n`);

    return {
      startedAt,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      options: { ...options, intervalSeconds, connections },
      mix: { ...MIX_WEIGHTS },
      max,
      rate,
      samples,
      load,
      bucket,
      verdict,
      thresholds: THRESHOLDS_TEXT,
    };
  } catch (error) {
    print(`soak aborted: ${(error as Error).message}\nserver output tail:\n${target.outputTail()}\n`);
    throw error;
  } finally {
    await target.close({ keepData: options.keepData });
    if (options.keepData) print(`data kept in ${path.resolve(target.dataDir)}\n`);
  }
}
