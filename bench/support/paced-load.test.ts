/**
 * The paced generator against a stand-in HTTP server: what is under test is its even open-loop pacing,
 * its fixed connections, its fresh bodies and its counting (not any server).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { trackBody } from './events.js';
import { OpenLoopSchedule, runPacedLoad, type PacedLoadConfig } from './paced-load.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve())));

interface Arrival {
  readonly at: number;
  readonly messageId: string;
}

async function standIn(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  let connections = 0;
  const arrivals: Arrival[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      arrivals.push({ at: performance.now(), messageId: (JSON.parse(body) as { messageId: string }).messageId });
      answer(request, response);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/track`, arrivals, connections: () => connections };
}

const ok = (_request: IncomingMessage, response: ServerResponse) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
const run = (url: string, overrides: Partial<PacedLoadConfig> = {}) =>
  runPacedLoad({ url, headers: { 'content-type': 'application/json' }, body: trackBody(), connections: 4, rate: 200, durationSeconds: 1, ...overrides });

describe('OpenLoopSchedule', () => {
  it('spaces requests evenly from the start, whatever was sent', () => {
    const schedule = new OpenLoopSchedule(1000, 200, 1);
    expect(schedule.total).toBe(200);
    expect(schedule.intendedAt(10)).toBe(1050);
    expect(schedule.dueBy(999)).toBe(0);
    expect(schedule.dueBy(1000)).toBe(1);
    expect(schedule.dueBy(1052)).toBe(11);
    expect(schedule.dueBy(5000)).toBe(200);
  });
});

describe('paced load generator', () => {
  it('sends the rate evenly over the window, over a fixed set of connections, each request with fresh messageIds', async () => {
    const target = await standIn(ok);
    const result = await run(target.url);
    expect(result).toMatchObject({ due: 200, sent: 200, answered: 200, ok: 200, non2xx: 0, errors: 0, timeouts: 0, unsent: 0, achievedRate: 200 });
    expect(result.latency.count).toBe(200);
    // Mostly idle connections: requests leave on the generator's timer, whose lateness is measured.
    expect(result.timerLateness.count).toBeGreaterThan(100);
    expect(result.timerLateness.max).toBeGreaterThanOrEqual(result.timerLateness.p99);
    expect(target.connections()).toBe(4);
    expect(new Set(target.arrivals.map((arrival) => arrival.messageId)).size).toBe(200);
    // Evenly paced: ~20 arrivals in every tenth of the second (autocannon's overallRate would send them all at once).
    const first = target.arrivals[0]!.at;
    const perTenth = Array.from({ length: 10 }, (_, tenth) => target.arrivals.filter((arrival) => Math.min(9, Math.floor((arrival.at - first) / 100)) === tenth).length);
    expect(Math.max(...perTenth)).toBeLessThanOrEqual(45);
    expect(target.arrivals.at(-1)!.at - first).toBeGreaterThan(900);
  });

  it('measures latency from the intended send time, so a slow server cannot hide behind busy connections', async () => {
    // Two connections, each request held 200 ms: 10 requests/s possible, 50/s offered.
    const target = await standIn((request, response) => setTimeout(() => ok(request, response), 200));
    const result = await run(target.url, { connections: 2, rate: 50 });
    expect(target.connections()).toBe(2);
    expect(result.sent).toBeLessThan(20);
    expect(result.ok).toBe(result.sent);
    expect(result.unsent).toBe(50 - result.sent);
    expect(result.behind).toBeGreaterThan(result.unsent);
    expect(result.maxBacklog).toBeGreaterThan(5);
    // The last answered request was due ~sent/50 s in but answered ~sent/2 × 200 ms in: far above 200 ms.
    expect(result.latency.max).toBeGreaterThan(500);
  });

  it('counts non-2xx answers and timeouts as failures, and leaves the warm-up out of every figure', async () => {
    let seen = 0;
    const target = await standIn((request, response) => {
      seen++;
      if (seen % 4 === 0) return; // never answered
      if (seen % 2 === 0) response.writeHead(503).end();
      else ok(request, response);
    });
    const result = await run(target.url, { rate: 40, durationSeconds: 0.5, warmupSeconds: 0.5, connections: 50, timeoutMs: 300 });
    expect(target.arrivals.length).toBe(40);
    expect(result.sent).toBe(20);
    expect(result.ok + result.non2xx + result.timeouts + result.errors).toBe(20);
    expect(result.timeouts).toBe(5);
    expect(result.non2xx).toBe(5);
    expect(result.latency.count).toBe(20);
    expect(result.latency.max).toBeGreaterThanOrEqual(300);
    expect(result.failureSamples).toEqual(expect.arrayContaining(['503', expect.stringMatching(/^timeout/)]));
  });
});
