/** The ingest worker pool: same answers and stored bytes as inline ingest, crashes, bounds, shutdown. */
import { afterEach, describe, expect, it } from 'vitest';
import { IngestPool } from './ingest-pool.js';
import type { IngestJobFacts, IngestJobResult } from './ingest-job.js';
import { basicAuth, buildTestApp, sourceId, writeKey, type TestApp } from '../test-support/tracking-app.js';

const apps: TestApp[] = [];
const pools: IngestPool[] = [];
afterEach(async () => {
  await Promise.all([...apps.splice(0).map((t) => t.app.close()), ...pools.splice(0).map((pool) => pool.close())]);
});
const headers = { authorization: basicAuth(writeKey), 'content-type': 'application/json' };
const crashingEntry = new URL('../test-support/crashing-ingest-worker.ts', import.meta.url);

async function inlineApp(): Promise<TestApp> {
  const t = await buildTestApp({ ingestPool: { workers: 0 } });
  apps.push(t);
  return t;
}

async function pooledApp(entry?: URL): Promise<TestApp> {
  const t = await buildTestApp({ ingestPool: { workers: 1, minBodyBytes: 1, ...(entry ? { entry } : {}) } });
  apps.push(t);
  return t;
}

async function storedBytes(t: TestApp): Promise<string[]> {
  return (await t.log.read(sourceId, 0)).map((record) => Buffer.from(record.data).toString('base64'));
}

/** A batch exercising enrichment and per-event refusals; every event carries its own messageId. */
const mixedBatch = {
  sentAt: '2025-01-15T09:59:58.000Z',
  context: { library: { name: 'analytics-node', version: '1' }, ip: '' },
  integrations: { All: true },
  batch: [
    { type: 'track', messageId: 'm1', userId: 42, event: 'Ordered', timestamp: '2025-01-15T09:59:50.000Z', properties: { total: 9.5, emoji: '🚀 é' } },
    { type: 'identify', messageId: 'm2', anonymousId: 'a', traits: { name: 'Zoë' }, context: { ip: '10.0.0.9' }, channel: 'browser' },
    { type: 'bogus', messageId: 'm3', userId: 'u' },
    { type: 'track', messageId: 'm4', userId: 'u' },
    { type: 'page', messageId: 'm5', userId: 'u', properties: { blob: 'x'.repeat(40 * 1024) } },
    { type: 'group', messageId: 'm6', userId: 'u', groupId: 'g', integrations: { Mixpanel: false }, __proto__: 'kept' },
  ],
};

describe('ingest pool through the tracking routes', () => {
  it('stores byte-identical lines and answers identically to inline ingest (fixed clock, messageIds sent)', async () => {
    const [inline, pooled] = [await inlineApp(), await pooledApp()];
    const payload = JSON.stringify(mixedBatch).replace('"__proto__":"kept"', '"__proto__":{"kept":true}');
    const answers = [];
    for (const t of [inline, pooled]) {
      const response = await t.app.inject({ method: 'POST', url: '/v1/batch', headers, payload });
      answers.push([response.statusCode, response.body]);
    }
    expect(answers[0]![0]).toBe(200);
    expect(answers[0]![1]).toContain('"rejected"');
    expect(answers[1]).toEqual(answers[0]);
    const [inlineLines, pooledLines] = [await storedBytes(inline), await storedBytes(pooled)];
    expect(inlineLines).toHaveLength(3); // m3 (bad type), m4 (track without event), m5 (too large) refused
    expect(pooledLines).toEqual(inlineLines);
  });

  it('goes through the worker: events without a messageId get a UUID there', async () => {
    const pooled = await pooledApp();
    const response = await pooled.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: { batch: [{ type: 'track', userId: 'u', event: 'e' }] } });
    expect(response.statusCode).toBe(200);
    const [record] = await pooled.log.read(sourceId, 0);
    expect(JSON.parse(Buffer.from(record!.data).toString('utf8')).messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bad batches with the same status and code as inline ingest', async () => {
    const [inline, pooled] = [await inlineApp(), await pooledApp()];
    const payloads = ['{"batch":[', '[]', '{"batch":{}}', '{"batch":[],"context":3}', '{"batch":[],"sentAt":"yesterday"}', '{"batch":[{"type":"nope"}]}', 'null'];
    for (const payload of payloads) {
      const [a, b] = [inline, pooled].map((t) => t.app.inject({ method: 'POST', url: '/v1/batch', headers, payload }));
      const [ra, rb] = [await a!, await b!];
      expect([payload, rb.statusCode, rb.json()]).toEqual([payload, ra.statusCode, ra.json()]);
    }
    const tooMany = await buildTestApp({ ingestPool: { workers: 1, minBodyBytes: 1 }, limits: { maxBatchEvents: 1 } });
    apps.push(tooMany);
    const response = await tooMany.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: { batch: [{}, {}] } });
    expect([response.statusCode, response.json().code]).toEqual([400, 'too_many_events']);
  });

  it('keeps the body write key (no header) working, refusing bad keys as before', async () => {
    const pooled = await pooledApp();
    const ok = await pooled.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey, batch: [{ type: 'track', userId: 'u', event: 'e' }] }) });
    expect(ok.statusCode).toBe(200);
    const bad = await pooled.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey: 'nope', batch: [] }) });
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'invalid_write_key']);
  });

  it('answers 500 internal_error when a worker dies mid-request, replaces it and keeps serving', async () => {
    const pooled = await pooledApp(crashingEntry);
    const crash = await pooled.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: { batch: [{ type: 'track', userId: '__crash_the_ingest_worker__', event: 'e' }] } });
    expect([crash.statusCode, crash.json().code]).toEqual([500, 'internal_error']);
    for (let attempt = 0; attempt < 2; attempt++) {
      const next = await pooled.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: { batch: [{ type: 'track', userId: 'u', event: 'e' }] } });
      expect(next.statusCode).toBe(200);
    }
    const stored = await pooled.log.read(sourceId, 0);
    expect(stored).toHaveLength(2);
  });
});

describe('IngestPool', () => {
  const facts: IngestJobFacts = { sourceId: 's', receivedAtMs: 0, ip: undefined, maxBatchEvents: 10, maxEventBytes: 1024, fingerprints: false };
  const body = () => Buffer.from(JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'e', messageId: 'm' }] }));

  it('declines work beyond its per-worker bound (the caller then ingests inline) and after close', async () => {
    const pool = new IngestPool({ workers: 1, maxJobsPerWorker: 1 });
    pools.push(pool);
    const first = pool.run(body(), facts);
    expect(first).toBeDefined();
    expect(pool.run(body(), facts)).toBeUndefined();
    const result = await first!;
    expect(result.ok && result.positions.length).toBe(2);
    expect(pool.run(body(), facts)).toBeDefined();
    await pool.close();
    expect(pool.run(body(), facts)).toBeUndefined();
  });

  it('runs a declined job on the calling thread with the answer a worker gives', async () => {
    const pool = new IngestPool({ workers: 1, maxJobsPerWorker: 1 });
    pools.push(pool);
    const text = JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'e', messageId: 'm' }, { type: 'nope' }] });
    const busy = pool.run(body(), facts)!;
    const declinedBody = pool.bodyBuffer(Buffer.byteLength(text));
    declinedBody.write(text);
    expect(pool.run(declinedBody, facts)).toBeUndefined();
    const here = pool.runHere(declinedBody, facts);
    // The body went back to the pool (before the busy job's body comes back too): the next body of that size is read into the same memory.
    expect(pool.bodyBuffer(Buffer.byteLength(text)).buffer).toBe(declinedBody.buffer);
    await busy;
    const there = await pool.run(Buffer.from(text), facts)!;
    const linesOf = (result: IngestJobResult) =>
      result.ok ? { rejected: result.rejected, lines: Array.from({ length: result.positions.length / 2 }, (_, index) => Buffer.from(result.buffer, result.positions[index * 2], result.positions[index * 2 + 1]).toString('utf8')) } : result;
    expect(linesOf(here)).toEqual(linesOf(there));
  });

  it('moves bodies and output buffers round and round without mixing up results', async () => {
    const pool = new IngestPool({ workers: 1 });
    pools.push(pool);
    const batchOf = (userId: string) => JSON.stringify({ batch: Array.from({ length: 3 }, (_, index) => ({ type: 'track', userId, event: `e${index}`, messageId: `${userId}-${index}` })) });
    let previousOutput: ArrayBuffer | undefined;
    for (const userId of ['first', 'second-one', 'third', 'fourth-and-longest']) {
      const text = batchOf(userId);
      const body = pool.bodyBuffer(Buffer.byteLength(text));
      body.write(text);
      const result = await pool.run(body, facts)!;
      expect(body.byteLength).toBe(0); // moved to the worker, not copied
      if (!result.ok) throw new Error(result.message);
      const lines = Array.from({ length: result.positions.length / 2 }, (_, index) =>
        JSON.parse(Buffer.from(result.buffer, result.positions[index * 2], result.positions[index * 2 + 1]).toString('utf8')),
      );
      expect(lines.map((line) => [line.userId, line.event])).toEqual([0, 1, 2].map((index) => [userId, `e${index}`]));
      if (previousOutput) expect(previousOutput.byteLength).toBe(0); // handed back to the worker with this job
      pool.recycle(result.buffer);
      previousOutput = result.buffer;
    }
  });

  it('sends one returned output buffer with each job and keeps the rest for jobs run here', async () => {
    const pool = new IngestPool({ workers: 1 });
    pools.push(pool);
    const outputs: ArrayBuffer[] = [];
    for (let index = 0; index < 3; index++) {
      const result = await pool.run(body(), facts)!;
      if (!result.ok) throw new Error(result.message);
      outputs.push(result.buffer);
    }
    for (const output of outputs) pool.recycle(output);
    // The next worker job carries one of them (moved, so detached here); two stay with the pool.
    await pool.run(body(), facts);
    expect(outputs.filter((output) => output.byteLength === 0)).toHaveLength(1);
    // A job run on this thread writes into one that stayed instead of allocating.
    const here = pool.runHere(body(), facts);
    if (!here.ok) throw new Error(here.message);
    expect(outputs.filter((output) => output.byteLength > 0)).toContain(here.buffer);
  });

  it('finishes in-flight jobs on close, then stops its workers', async () => {
    const pool = new IngestPool({ workers: 2 });
    const jobs = [pool.run(body(), facts)!, pool.run(body(), facts)!, pool.run(body(), facts)!];
    await pool.close();
    for (const job of jobs) expect((await job).ok).toBe(true);
    expect(pool.inFlight).toBe(0);
  });
});
