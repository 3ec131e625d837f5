/**
 * End-to-end latency benchmark: an event acknowledged by the Tracking API (200) → the object holding it
 * visible in the bucket, with the first-start `local-files` destination flushing every second
 * (flushIntervalSeconds 1). Requirement: p99 < 3 s.
 *
 * Runs the real server in-process (startServer with delivery wired in) on a temp data dir; a steady
 * trickle of single-event /v1/track calls, each with a known messageId and its acknowledgement time;
 * the bucket directory is polled (objects appear atomically by rename) and each new object is
 * decompressed once to find which events it holds. Latency includes up to one poll interval (20 ms).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { deliveryExtensions } from '../src/delivery/server-extensions.js';
import { startServer } from '../src/server.js';
import type { BenchFigure, Benchmark } from './types.js';

const pollMs = 20;

async function listObjects(directory: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.gz')) found.push(full);
    }
  };
  await walk(directory);
  return found;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

export function e2eLatencyBenchmarkWith(options: { quick?: boolean } = {}): Benchmark {
  const seconds = options.quick ? 5 : 20;
  const eventsPerSecond = 50;
  return {
    name: 'e2e-latency',
    async run(): Promise<BenchFigure[]> {
      const root = await mkdtemp(path.join(tmpdir(), 'sluice-bench-e2e-'));
      const dataDir = path.join(root, 'data');
      const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_PASSWORD: 'bench-only-password' } });
      let printed = '';
      const server = await startServer(config, {
        logger: pino({ level: 'silent' }),
        print: (text) => (printed += text),
        extensions: deliveryExtensions({ defaultFlushIntervalSeconds: 1 }),
      });
      const writeKey = /write key: (\S+)/.exec(printed)?.[1];
      if (!writeKey) throw new Error('the server printed no write key');
      const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      const acknowledgedAt = new Map<string, number>();
      const latencies: number[] = [];
      const seen = new Set<string>();
      let failures = 0;
      let sending = true;
      let lastAck = Date.now();

      const poller = (async () => {
        while (sending || latencies.length < acknowledgedAt.size) {
          const now = Date.now();
          for (const file of await listObjects(path.join(dataDir, 'bucket'))) {
            if (seen.has(file)) continue;
            seen.add(file);
            for (const line of gunzipSync(await readFile(file)).toString('utf8').split('\n')) {
              if (line === '') continue;
              const acked = acknowledgedAt.get((JSON.parse(line) as { messageId: string }).messageId);
              if (acked !== undefined) latencies.push(now - acked);
            }
          }
          if (!sending && Date.now() - lastAck > 10_000) break; // never hang the bench run
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      })();

      const started = Date.now();
      for (let index = 0; Date.now() - started < seconds * 1000; index++) {
        const due = started + (index * 1000) / eventsPerSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const messageId = randomUUID();
        const response = await fetch(`${server.urls.tracking}/v1/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ userId: 'bench', event: 'Latency Probe', messageId }),
        });
        await response.text();
        if (response.status === 200) {
          lastAck = Date.now();
          acknowledgedAt.set(messageId, lastAck);
        } else failures++;
      }
      sending = false;
      await poller;
      await server.close();
      await rm(root, { recursive: true, force: true });

      latencies.sort((a, b) => a - b);
      const missing = acknowledgedAt.size - latencies.length;
      const notes = `flushIntervalSeconds 1, ${acknowledgedAt.size} events at ${eventsPerSecond}/s for ${seconds} s, poll ${pollMs} ms; ${missing} not seen, ${failures} refused`;
      return [
        { name: 'e2e acknowledged → object visible p50', unit: 'ms', value: percentile(latencies, 0.5), notes },
        { name: 'e2e acknowledged → object visible p99', unit: 'ms', value: missing > 0 ? Infinity : percentile(latencies, 0.99), requirement: { max: 3000 }, notes },
      ];
    },
  };
}

export const e2eLatencyBenchmark: Benchmark = e2eLatencyBenchmarkWith();
