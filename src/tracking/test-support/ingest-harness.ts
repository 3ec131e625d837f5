/**
 * Quick local throughput harness for the Tracking API (not the official `npm run bench`): batch ingest
 * of /v1/batch (100 ~400 B events) against a bare node:http server that reads the body, JSON.parses it
 * and answers 200. Each server runs in its own process; autocannon loads it from this one.
 *
 *   node --import tsx src/tracking/test-support/ingest-harness.ts [seconds] [memory|file|discard] [--fastify]
 *   node --import tsx src/tracking/test-support/ingest-harness.ts serve sluice-file   # e.g. under --cpu-prof
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { FileEventLog } from '../../log/file-event-log.js';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { trackingRoutes } from '../index.js';

const writeKey = 'harness-key';

function batchBody(events: number): string {
  const now = Date.now();
  return JSON.stringify({
    batch: Array.from({ length: events }, (_, index) => ({
      type: 'track',
      event: ['Order Completed', 'Product Viewed', 'Signed Up'][index % 3],
      userId: `user-${(index * 7919) % 100_000}`,
      anonymousId: `anon-${index}-${now}`,
      messageId: `node-next-${now}-${index}`,
      timestamp: new Date(now - index).toISOString(),
      properties: { orderId: `ord_${index}`, revenue: 42.5 + (index % 10), currency: 'USD', plan: 'pro', items: 3 },
      context: { library: { name: '@segment/analytics-node', version: '3.1.0' }, locale: 'en-US' },
    })),
    sentAt: new Date(now).toISOString(),
  });
}

async function serve(kind: string): Promise<void> {
  const announce = (port: number) => process.stdout.write(`listening ${port}\n`);
  // CPU seconds the server spent under load: events per CPU-second is what a contended 2-core
  // machine can still compare fairly (wall-clock rates swing with everyone else's load).
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${(user + system) / 1e6}\n`);
  });
  if (kind === 'bare') {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
      });
    });
    server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
    return;
  }
  if (kind === 'fastify-bare') {
    // Fastify's own floor: default JSON parser, a handler that answers at once.
    const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
    app.post('/v1/batch', async () => ({ success: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    announce((app.server.address() as { port: number }).port);
    return;
  }
  const directory = await mkdtemp(join(tmpdir(), 'sluice-harness-'));
  const log = kind === 'sluice-file' ? await FileEventLog.open({ directory, maxBytes: 8 * 1024 ** 3 }) : new MemoryEventLog();
  if (kind === 'sluice-discard') {
    // Measures the Tracking API alone: the log acknowledges without keeping anything.
    log.append = async (_stream, records) => ({ firstOffset: 0, nextOffset: records.length });
  }
  const app = Fastify();
  await app.register(trackingRoutes, { log, sources: { lookup: (key) => (key === writeKey ? { sourceId: 'src', workspaceId: 'ws', enabled: true } : undefined) } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  announce((app.server.address() as { port: number }).port);
  process.on('SIGTERM', () => {
    void app.close().then(() => log.close()).then(() => rm(directory, { recursive: true, force: true })).then(() => process.exit(0));
  });
}

function cpuSeconds(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      const match = /cpu ([\d.]+)/.exec(chunk.toString());
      if (match) {
        child.stdout!.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.kill('SIGUSR2');
  });
}

function start(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${kind} exited ${code}`)));
  });
}

interface Measured {
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
}

async function measure(kind: string, body: string, seconds: number): Promise<Measured> {
  const { child, port } = await start(kind);
  const options = {
    url: `http://127.0.0.1:${port}/v1/batch`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body,
    connections: Number(process.env.HARNESS_CONNECTIONS ?? 16),
  };
  await autocannon({ ...options, duration: 1 }); // warm-up
  const cpuBefore = await cpuSeconds(child);
  const result = await autocannon({ ...options, duration: seconds });
  const cpu = (await cpuSeconds(child)) - cpuBefore;
  child.kill('SIGTERM');
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const events = result['2xx'] * 100;
  return { eventsPerSecond: events / result.duration, eventsPerCpuSecond: events / cpu };
}

function report(name: string, measured: Measured, bare: Measured): string {
  return (
    `${name}: ${measured.eventsPerSecond.toFixed(0)} events/s (ratio ${(measured.eventsPerSecond / bare.eventsPerSecond).toFixed(2)}), ` +
    `${measured.eventsPerCpuSecond.toFixed(0)} events/CPU-s (ratio ${(measured.eventsPerCpuSecond / bare.eventsPerCpuSecond).toFixed(2)})\n`
  );
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'bare');
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const log = process.argv[3] ?? 'file';
  const body = batchBody(100);
  const bare = await measure('bare', body, seconds);
  const sluice = await measure(`sluice-${log}`, body, seconds);
  const fastify = process.argv.includes('--fastify') ? await measure('fastify-bare', body, seconds) : undefined;
  process.stdout.write(report('bare node:http', bare, bare));
  process.stdout.write(report(`sluice (${log} log)`, sluice, bare));
  if (fastify !== undefined) process.stdout.write(report('fastify, no-op handler', fastify, bare));
}
