/** The Tracking API's accepted inputs, storage and answers, through app.inject(). */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors/index.js';
import type { AppendRecord, EventLog } from '../../log/event-log.js';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { basicAuth, buildTestApp, expectStillServing, fixedNow, sourceId, storedEvents, writeKey, type TestApp } from '../test-support/tracking-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});
const auth = { authorization: basicAuth(writeKey) };
const json = { 'content-type': 'application/json' };

describe('routes', () => {
  it('serves every call type under its long and short path', async () => {
    t = await buildTestApp();
    const calls: Array<[string, string, Record<string, unknown>]> = [
      ['identify', 'i', { userId: 'u' }],
      ['track', 't', { userId: 'u', event: 'e' }],
      ['page', 'p', { userId: 'u' }],
      ['screen', 's', { userId: 'u' }],
      ['group', 'g', { userId: 'u', groupId: 'g' }],
      ['alias', 'a', { userId: 'u', previousId: 'p' }],
    ];
    for (const [type, short, payload] of calls) {
      for (const path of [type, short]) {
        const response = await t.app.inject({ method: 'POST', url: `/v1/${path}`, headers: { ...auth, ...json }, payload });
        expect([path, response.statusCode, response.body]).toEqual([path, 200, '{"success":true}']);
      }
    }
    expect((await storedEvents(t.log)).map((event) => event.type)).toEqual(calls.flatMap(([type]) => [type, type]));
  });

  it('serves /v1/batch, /v1/import and /v1/b alike', async () => {
    t = await buildTestApp();
    for (const path of ['batch', 'import', 'b']) {
      const response = await t.app.inject({ method: 'POST', url: `/v1/${path}`, headers: { ...auth, ...json }, payload: { batch: [{ type: 'identify', userId: path }] } });
      expect(response.statusCode).toBe(200);
    }
    expect((await storedEvents(t.log)).map((event) => event.userId)).toEqual(['batch', 'import', 'b']);
  });

  it('answers /v1/m with 200 and stores nothing, whatever the body', async () => {
    t = await buildTestApp();
    const response = await t.app.inject({ method: 'POST', url: '/v1/m', headers: { 'content-type': 'text/plain' }, payload: '{"series":[{"type":"Counter"}]}' });
    expect([response.statusCode, response.json()]).toEqual([200, { success: true }]);
    expect(t.log.streams()).toEqual([]);
  });
});

describe('bodies and auth', () => {
  it('accepts text/plain with charset, no content type, gzip, and the write key in the body', async () => {
    t = await buildTestApp();
    const event = (userId: string) => JSON.stringify({ writeKey, userId, event: 'e' });
    const requests = [
      { headers: { 'content-type': 'text/plain;charset=UTF-8' }, payload: event('text') },
      { headers: { 'content-type': 'application/json; charset=utf-8' }, payload: event('json') },
      { headers: {}, payload: Buffer.from(event('none')) },
      { headers: { ...json, 'content-encoding': 'gzip' }, payload: gzipSync(event('gzip')) },
      // what rudder-sdk-node's axios sends with its gzip Buffer
      { headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, payload: gzipSync(event('formgzip')) },
      { headers: { ...json, authorization: basicAuth(writeKey, false) }, payload: JSON.stringify({ userId: 'nocolon', event: 'e' }) },
    ];
    for (const request of requests) {
      const response = await t.app.inject({ method: 'POST', url: '/v1/track', ...request });
      expect(response.statusCode, response.body).toBe(200);
    }
    expect((await storedEvents(t.log)).map((stored) => stored.userId)).toEqual(['text', 'json', 'none', 'gzip', 'formgzip', 'nocolon']);
  });

  it('lets the Authorization header win over a body writeKey (which is stored untouched)', async () => {
    t = await buildTestApp();
    const response = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...auth, ...json }, payload: { writeKey: 'other', userId: 'u', event: 'e' } });
    expect(response.statusCode).toBe(200);
    expect((await storedEvents(t.log))[0]).toMatchObject({ writeKey: 'other', projectId: sourceId });
  });
});

describe('batches', () => {
  it('stores the valid events of a partial batch and lists the rejected ones', async () => {
    t = await buildTestApp({ limits: { maxEventBytes: 1024 } });
    const batch = [
      { type: 'identify', userId: 'first' },
      { type: 'track', userId: 'u' },
      { type: 'track', userId: 'second', event: 'e', properties: { n: 1 } },
      { type: 'track', userId: 'u', event: 'big', properties: { pad: 'x'.repeat(2000) } },
      'nonsense',
    ];
    const response = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      success: true,
      rejected: [
        { index: 1, code: 'missing_event_name', message: expect.any(String) },
        { index: 3, code: 'event_too_large', message: expect.any(String) },
        { index: 4, code: 'invalid_event', message: expect.any(String) },
      ],
    });
    expect((await storedEvents(t.log)).map((event) => event.userId)).toEqual(['first', 'second']);
  });

  it('appends all valid events of a request in one log call, and answers only after it resolves', async () => {
    const calls: AppendRecord[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const memory = new MemoryEventLog();
    const log: EventLog = Object.assign(Object.create(memory) as EventLog, {
      append: async (stream: string, records: readonly AppendRecord[]) => {
        calls.push([...records]);
        await gate;
        return memory.append(stream, records);
      },
    });
    t = await buildTestApp({}, log);
    let answered = false;
    const pending = t.app
      .inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch: Array.from({ length: 30 }, (_, i) => ({ type: 'identify', userId: `u${i}` })) } })
      .then((response) => {
        answered = true;
        return response;
      });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    expect((await pending).statusCode).toBe(200);
    expect(calls.map((records) => records.length)).toEqual([30]);
    expect(calls[0]!.every((record) => record.timestamp === fixedNow)).toBe(true);
  });
});

describe('enrichment over HTTP', () => {
  it('stores the enriched call with the connection address', async () => {
    t = await buildTestApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { ...auth, ...json },
      remoteAddress: '198.51.100.7',
      payload: {
        batch: [{ type: 'track', userId: 5, event: 'e', timestamp: '2025-01-15T10:59:00.000Z', context: { locale: 'de' } }],
        sentAt: '2025-01-15T11:00:00.000Z',
        context: { library: { name: 'x' }, locale: 'en' },
        integrations: { All: true },
      },
    });
    expect(response.statusCode).toBe(200);
    expect((await storedEvents(t.log))[0]).toEqual({
      type: 'track',
      userId: '5',
      event: 'e',
      timestamp: '2025-01-15T09:59:00.000Z',
      originalTimestamp: '2025-01-15T10:59:00.000Z',
      sentAt: '2025-01-15T11:00:00.000Z',
      receivedAt: '2025-01-15T10:00:00.000Z',
      messageId: 'generated-1',
      context: { library: { name: 'x' }, locale: 'de', ip: '198.51.100.7' },
      integrations: { All: true },
      projectId: sourceId,
      version: 2,
      channel: 'server',
    });
  });

  it('uses X-Forwarded-For only when trustProxy is set', async () => {
    for (const [trustProxy, expected] of [
      [false, '10.1.1.1'],
      [true, '203.0.113.5'],
    ] as const) {
      const app = await buildTestApp({ trustProxy });
      await app.app.inject({ method: 'POST', url: '/v1/identify', remoteAddress: '10.1.1.1', headers: { ...auth, ...json, 'x-forwarded-for': '203.0.113.5, 10.0.0.2' }, payload: { userId: 'u' } });
      expect(((await storedEvents(app.log))[0]!.context as Record<string, unknown>).ip).toBe(expected);
      await app.app.close();
    }
  });
});

describe('back-pressure', () => {
  it('answers 503 log_full with Retry-After when the log is over budget, then serves again', async () => {
    t = await buildTestApp({}, new MemoryEventLog({ maxBytes: 600 }));
    const big = { userId: 'u', event: 'e', properties: { pad: 'x'.repeat(700) } };
    const response = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...auth, ...json }, payload: big });
    expect([response.statusCode, response.json().code, response.headers['retry-after']]).toEqual([503, 'log_full', '1']);
    await expectStillServing(t.app);
  });

  it('answers 503 log_unavailable with Retry-After when the log throws anything else', async () => {
    const memory = new MemoryEventLog();
    const broken: EventLog = Object.assign(Object.create(memory) as EventLog, {
      append: async () => {
        throw new Error('disk on fire');
      },
    });
    t = await buildTestApp({}, broken);
    const response = await t.app.inject({ method: 'POST', url: '/v1/identify', headers: { ...auth, ...json }, payload: { userId: 'u' } });
    expect([response.statusCode, response.json().code, response.headers['retry-after']]).toEqual([503, 'log_unavailable', '1']);
  });

  it('keeps a Retry-After given by the log', async () => {
    const memory = new MemoryEventLog();
    const full: EventLog = Object.assign(Object.create(memory) as EventLog, {
      append: async () => {
        throw new SluiceError('log_full', undefined, { retryAfterSeconds: 30 });
      },
    });
    t = await buildTestApp({}, full);
    const response = await t.app.inject({ method: 'POST', url: '/v1/identify', headers: { ...auth, ...json }, payload: { userId: 'u' } });
    expect([response.statusCode, response.headers['retry-after']]).toEqual([503, '30']);
  });

  it('rate-limits per source when configured: 429 rate_limited with Retry-After', async () => {
    let now = fixedNow;
    t = await buildTestApp({ rateLimit: { requestsPerSecond: 2, burst: 2 }, now: () => now });
    const send = () => t!.app.inject({ method: 'POST', url: '/v1/identify', headers: { ...auth, ...json }, payload: { userId: 'u' } });
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
    const limited = await send();
    expect([limited.statusCode, limited.json().code, limited.headers['retry-after'], limited.headers['x-ratelimit-reset']]).toEqual([429, 'rate_limited', '1', '1']);
    now += 500;
    expect((await send()).statusCode).toBe(200);
    expect(await storedEvents(t.log)).toHaveLength(3);
  });
});

describe('settings and CORS', () => {
  it('serves the analytics-next settings from the request host, or from publicUrl', async () => {
    t = await buildTestApp();
    const fromHost = await t.app.inject({ method: 'GET', url: `/v1/projects/${writeKey}/settings`, headers: { host: 'events.example.com:8080' } });
    expect(fromHost.json()).toEqual({ integrations: { 'Segment.io': { apiKey: writeKey, apiHost: 'events.example.com:8080/v1', protocol: 'http' } } });
    await t.app.close();
    t = await buildTestApp({ publicUrl: 'https://track.example.org/sluice/' });
    const fromConfig = await t.app.inject({ method: 'GET', url: `/v1/projects/${writeKey}/settings` });
    expect(fromConfig.json()).toEqual({ integrations: { 'Segment.io': { apiKey: writeKey, apiHost: 'track.example.org/sluice/v1', protocol: 'https' } } });
    await t.app.close();
    t = await buildTestApp({ trustProxy: true });
    const proxied = await t.app.inject({ method: 'GET', url: `/v1/projects/${writeKey}/settings`, headers: { host: 'events.example.com', 'x-forwarded-proto': 'https' } });
    expect(proxied.json()).toEqual({ integrations: { 'Segment.io': { apiKey: writeKey, apiHost: 'events.example.com/v1', protocol: 'https' } } });
    const unknown = await t.app.inject({ method: 'GET', url: '/v1/projects/nope/settings' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([401, 'invalid_write_key']);
  });

  it('answers CORS preflight for any origin and adds CORS headers to answers', async () => {
    t = await buildTestApp();
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/t',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-site-header' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type,x-site-header');
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    const post = await t.app.inject({ method: 'POST', url: '/v1/t', headers: { origin: 'https://shop.example', 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey, anonymousId: 'a', event: 'e' }) });
    expect([post.statusCode, post.headers['access-control-allow-origin']]).toEqual([200, '*']);
    expect(String(post.headers['access-control-expose-headers']).toLowerCase()).toContain('x-ratelimit-reset');
  });
});
