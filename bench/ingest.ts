/**
 * Ingest benchmark (issue 2): the real `sluice serve` against a bare node:http baseline, both loaded by
 * autocannon in a separate process with identical settings.
 *
 * For each scenario (`/v1/batch` of 100 ~400 B events; single-event `/v1/track`): the maximum rate
 * (closed loop, fixed connections), then latency at half of that rate (open loop, autocannon's
 * overallRate), then the server's peak RSS. Durability is on: Sluice answers only after fsync.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import type { BenchFigure, Benchmark } from './types.js';
import { batchBody, trackBody } from './support/events.js';
import { freePort, peakRssBytes, runNodeProcess, startNodeProcess, type StartedProcess } from './support/processes.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');

interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly body: string;
  readonly eventsPerRequest: number;
  readonly connections: number;
}

interface Measured {
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly process: StartedProcess;
}

async function load(target: Target, scenario: Scenario, seconds: number, overallRate?: number): Promise<Measured> {
  const options: autocannon.Options = {
    url: target.url + scenario.path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: scenario.body,
    connections: scenario.connections,
    duration: seconds,
    ...(overallRate === undefined ? {} : { overallRate }),
  };
  const output = await runNodeProcess(['--import', 'tsx', path.join(here, 'support/load-generator.ts'), JSON.stringify(options)]);
  const result = JSON.parse(output) as autocannon.Result;
  const ok = result['2xx'];
  const requestsPerSecond = ok / result.duration;
  return {
    requestsPerSecond,
    eventsPerSecond: requestsPerSecond * scenario.eventsPerRequest,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

async function startBaseline(): Promise<Target> {
  const started = await startNodeProcess(['--import', 'tsx', path.join(here, 'support/baseline-server.ts')], { ready: /listening (\d+)/ });
  return { name: 'node:http', url: `http://127.0.0.1:${started.match[1]}`, headers: {}, process: started };
}

async function startSluice(dataDir: string): Promise<Target> {
  const port = await freePort();
  const started = await startNodeProcess(['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'serve'], {
    env: { SLUICE_PORT: String(port), SLUICE_DATA_DIR: dataDir, SLUICE_LOG_LEVEL: 'warn', SLUICE_ADMIN_PASSWORD: 'bench-password-1234' },
    ready: /write key[^A-Za-z0-9]*([A-Za-z0-9]{16,})/i,
  });
  const writeKey = started.match[1]!;
  // Bootstrap prints the write key before listening; wait until the port answers.
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    name: 'sluice',
    url: `http://127.0.0.1:${port}`,
    headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    process: started,
  };
}

async function measureTarget(target: Target, scenarios: Scenario[], seconds: number) {
  const results = new Map<string, { max: Measured; half: Measured }>();
  for (const scenario of scenarios) {
    await load(target, scenario, Math.max(1, Math.round(seconds / 3))); // warm-up: JIT, page cache, segment files
    const max = await load(target, scenario, seconds);
    const half = await load(target, scenario, seconds, Math.max(1, Math.floor(max.requestsPerSecond / 2)));
    results.set(scenario.name, { max, half });
  }
  const peakRss = target.process.child.pid === undefined ? undefined : await peakRssBytes(target.process.child.pid);
  return { results, peakRss };
}

export function ingestBenchmark(options: { quick: boolean }): Benchmark {
  return {
    name: 'ingest',
    async run(): Promise<BenchFigure[]> {
      const seconds = options.quick ? 3 : 10;
      const scenarios: Scenario[] = [
        { name: '/v1/batch (100 events)', path: '/v1/batch', body: batchBody(100), eventsPerRequest: 100, connections: 16 },
        { name: '/v1/track (1 event)', path: '/v1/track', body: trackBody(), eventsPerRequest: 1, connections: 32 },
      ];
      const dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-bench-ingest-'));
      const baseline = await startBaseline();
      let baselineRun;
      try {
        baselineRun = await measureTarget(baseline, scenarios, seconds);
      } finally {
        await baseline.process.stop();
      }
      const sluice = await startSluice(dataDir);
      let sluiceRun;
      try {
        sluiceRun = await measureTarget(sluice, scenarios, seconds);
      } finally {
        await sluice.process.stop();
        await rm(dataDir, { recursive: true, force: true });
      }

      const figures: BenchFigure[] = [];
      for (const scenario of scenarios) {
        const ours = sluiceRun.results.get(scenario.name)!;
        const base = baselineRun.results.get(scenario.name)!;
        const isBatch = scenario.eventsPerRequest > 1;
        figures.push(
          {
            name: `ingest ${scenario.name} events/s`,
            unit: 'events/s',
            value: ours.max.eventsPerSecond,
            baseline: { name: 'node:http + JSON.parse', value: base.max.eventsPerSecond },
            ratio: ours.max.eventsPerSecond / base.max.eventsPerSecond,
            ...(isBatch ? { requirement: { minRatio: 0.4 } } : {}),
            notes: `requests/s ${ours.max.requestsPerSecond.toFixed(0)} vs ${base.max.requestsPerSecond.toFixed(0)}; failures ${ours.max.failures}; fsync on`,
          },
          {
            name: `ingest ${scenario.name} p50 at max`,
            unit: 'ms',
            value: ours.max.p50,
            baseline: { name: 'node:http + JSON.parse', value: base.max.p50 },
            ratio: ours.max.p50 / Math.max(base.max.p50, 1e-9),
          },
          {
            name: `ingest ${scenario.name} p99 at 50% of max`,
            unit: 'ms',
            value: ours.half.p99,
            baseline: { name: 'node:http + JSON.parse (at its own 50%)', value: base.half.p99 },
            ratio: ours.half.p99 / Math.max(base.half.p99, 1e-9),
            requirement: { max: 50 },
            notes: `p50 ${ours.half.p50} ms at ${(ours.max.requestsPerSecond / 2).toFixed(0)} req/s; failures ${ours.half.failures}`,
          },
        );
      }
      figures.push({
        name: 'ingest peak RSS (sluice serve)',
        unit: 'MB',
        value: (sluiceRun.peakRss ?? NaN) / 1e6,
        baseline: { name: 'node:http + JSON.parse', value: (baselineRun.peakRss ?? NaN) / 1e6 },
        ratio: (sluiceRun.peakRss ?? NaN) / (baselineRun.peakRss ?? NaN),
        requirement: { max: 300 },
      });
      return figures;
    },
  };
}
