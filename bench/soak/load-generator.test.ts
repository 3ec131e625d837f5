/**
 * The load generator against a stand-in HTTP server (not Sluice: what is under test here is the
 * generator's open-loop timing, its fixed connections and its counting).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runGenerator, type DoneLine, type GeneratorConfig, type IntervalLine } from './load-generator.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function standIn(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(request, response));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

async function run(url: string, overrides: Partial<GeneratorConfig>): Promise<{ intervals: IntervalLine[]; done: DoneLine }> {
  const intervals: IntervalLine[] = [];
  let done: DoneLine | undefined;
  await runGenerator(
    { url, writeKey: 'wk', adminToken: 'tok', adminStatusPaths: ['/status'], runId: 'test', mode: 'open', rate: 50, connections: 4, durationSeconds: 1, intervalSeconds: 0.5, requestTimeoutMs: 5_000, lingerMs: 0, ...overrides },
    (line) => (line.type === 'interval' ? intervals.push(line) : (done = line)),
  );
  return { intervals, done: done! };
}

const ok = (_request: IncomingMessage, response: ServerResponse) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');

describe('soak load generator', () => {
  it('sends the offered rate over a fixed set of connections and counts events', async () => {
    const target = await standIn(ok);
    const { intervals, done } = await run(target.url, {});
    expect(done.sent).toBe(50);
    expect(done.ok).toBe(50);
    expect(done.non2xx + done.connectionErrors + done.timeouts).toBe(0);
    expect(done.eventsAcknowledged).toBe(Object.values(done.perKind).reduce((sum, kind) => sum + kind.eventsAcknowledged, 0));
    expect(done.eventsAcknowledged).toBeGreaterThan(50);
    expect(target.connections()).toBe(4);
    expect(intervals.reduce((sum, line) => sum + line.requests, 0)).toBe(50);
  });

  it('measures latency from the intended send time, so a slow server cannot hide behind busy connections', async () => {
    // Two connections, each request held 200 ms: 10 requests/s possible, 50/s offered.
    const target = await standIn((request, response) => setTimeout(() => ok(request, response), 200));
    const { intervals, done } = await run(target.url, { connections: 2 });
    expect(target.connections()).toBe(2);
    // Sending stops at the end: what was still owed was never sent.
    expect(done.sent).toBeLessThan(20);
    expect(done.ok).toBe(done.sent);
    expect(intervals.some((line) => line.behind > 5)).toBe(true);
    // The last answered request was due ~sent/50 s in but answered ~sent/2 × 200 ms in: far above 200 ms.
    expect(done.latency.maxMs).toBeGreaterThan(500);
  });

  it('counts non-2xx answers and rejected events as failures, not acknowledged events', async () => {
    const target = await standIn((request, response) => {
      if (request.url === '/v1/track') response.writeHead(503, { 'retry-after': '1' }).end('{"success":false,"code":"log_full"}');
      else if (request.url === '/v1/batch') response.writeHead(200).end('{"success":true,"rejected":[{"index":0,"code":"x","message":"y"}]}');
      else ok(request, response);
    });
    const { done } = await run(target.url, {});
    const track = done.perKind.track!;
    expect(track.non2xx).toBe(track.requests);
    expect(track.eventsUnacknowledged).toBe(track.requests);
    const batch = done.perKind.batch!;
    expect(batch.rejectedEvents).toBe(batch.requests);
    expect(batch.eventsAcknowledged).toBe(batch.requests * 99);
    expect(done.failureSamples.length).toBeGreaterThan(0);
  });
});
