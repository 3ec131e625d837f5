/**
 * Replays exactly what `@segment/analytics-next` sends from a browser (its Segment.io plugin): single
 * events as text/plain bodies to `/v1/{t,p,i,…}` carrying `writeKey`, `_metadata`, `context.library`
 * and `sentAt`; batches to `/v1/b` (events without their own `sentAt`, one batch-level `sentAt`);
 * client metrics to `/v1/m`; the settings fetch at start-up; CORS preflight. Sent with real `fetch`
 * to a listening server, then read back from the FileEventLog.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectEnriched, findBy, readStored, startServer, writeKey, type RunningServer } from './test-support/integration-server.js';

let server: RunningServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const origin = 'https://shop.example';
const anonymousId = '6f1b3c0e-8d5a-4c1e-9a7b-2f4e6d8c0a1b';

/** The browser's clock is 5 minutes fast: Sluice must correct `timestamp` with `sentAt`. */
const browserClockSkewMs = 5 * 60_000;
const browserNow = () => new Date(Date.now() + browserClockSkewMs);

/** An event as analytics-next's normalize() leaves it (page context, library, _metadata, writeKey). */
function browserEvent(type: string, fields: Record<string, unknown>, sent = true): Record<string, unknown> {
  const timestamp = browserNow();
  return {
    timestamp: timestamp.toISOString(),
    integrations: {},
    type,
    userId: null,
    ...fields,
    context: {
      page: { path: '/products/42', referrer: 'https://search.example/', search: '?utm_source=news', title: 'Product 42', url: 'https://shop.example/products/42?utm_source=news' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      userAgentData: { brands: [{ brand: 'Chromium', version: '124' }], mobile: false, platform: 'macOS' },
      locale: 'en-US',
      library: { name: 'analytics.js', version: 'next-1.70.0' },
      timezone: 'Europe/Berlin',
      campaign: { source: 'news' },
    },
    messageId: `ajs-next-${timestamp.getTime()}-${Math.random().toString(16).slice(2)}`,
    anonymousId,
    writeKey,
    ...(sent ? { sentAt: new Date(timestamp.getTime() + 40).toISOString() } : {}),
    _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
  };
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', Origin: origin },
    body: JSON.stringify(body),
  });
}

describe('analytics-next browser traffic', () => {
  it('fetches its settings, pointing the Segment.io plugin here, with CORS', async () => {
    const response = await fetch(`${server.baseUrl}/v1/projects/${writeKey}/settings`, { headers: { Origin: origin } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const host = new URL(server.baseUrl).host;
    expect(await response.json()).toEqual({ integrations: { 'Segment.io': { apiKey: writeKey, apiHost: `${host}/v1`, protocol: 'http' } } });
  });

  it('gets its CORS preflight answered', async () => {
    const response = await fetch(`${server.baseUrl}/v1/b`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('stores single events sent to the short routes, with skew-corrected timestamps', async () => {
    const from = Date.now();
    const page = browserEvent('page', { name: null, category: null, properties: { path: '/products/42', title: 'Product 42', url: 'https://shop.example/products/42' } });
    const track = browserEvent('track', { event: 'Product Viewed', properties: { sku: 'P-42', price: 19.99 } });
    const identify = browserEvent('identify', { userId: 'browser-user', traits: { email: 'b@example.com' } });
    for (const [path, event] of [['/v1/p', page], ['/v1/t', track], ['/v1/i', identify]] as const) {
      const response = await post(path, event);
      expect([path, response.status, response.headers.get('access-control-allow-origin')]).toEqual([path, 200, '*']);
      expect(await response.json()).toEqual({ success: true });
    }
    const stored = await readStored(server.log);
    expect(stored).toHaveLength(3);
    for (const event of stored) {
      expectEnriched(event, { from, to: Date.now() });
      // Client fields untouched: writeKey, _metadata, library, the browser's own messageId.
      expect(event).toMatchObject({ writeKey, _metadata: { bundled: ['Segment.io'] }, anonymousId });
      expect(event.context.library).toEqual({ name: 'analytics.js', version: 'next-1.70.0' });
      expect(event.messageId).toMatch(/^ajs-next-/);
      // The 5-minute-fast browser clock is corrected away: the event happened ~40 ms before receipt.
      const lag = Date.parse(event.receivedAt as string) - Date.parse(event.timestamp as string);
      expect(lag).toBe(40);
    }
    expect(findBy(stored, 'type', 'track')).toMatchObject({ event: 'Product Viewed', properties: { sku: 'P-42' }, userId: null });
    expect(findBy(stored, 'type', 'identify')).toMatchObject({ userId: 'browser-user', traits: { email: 'b@example.com' } });
    expect(findBy(stored, 'type', 'page')).toMatchObject({ originalTimestamp: page.timestamp, sentAt: page.sentAt });
  });

  it('stores /v1/b batches using the batch-level sentAt', async () => {
    const from = Date.now();
    const events = [
      browserEvent('page', { name: 'Home', properties: {} }, false),
      browserEvent('track', { event: 'Added to Cart', properties: { sku: 'P-42' } }, false),
      browserEvent('group', { groupId: 'acct-7', traits: { plan: 'team' } }, false),
      browserEvent('alias', { userId: 'browser-user', previousId: anonymousId }, false),
    ];
    const sentAt = new Date(Date.parse(events[3]!.timestamp as string) + 25).toISOString();
    const response = await post('/v1/b', { writeKey, batch: events, sentAt });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    const stored = await readStored(server.log);
    expect(stored.map((event) => event.type)).toEqual(['page', 'track', 'group', 'alias']);
    for (const event of stored) {
      expectEnriched(event, { from, to: Date.now() });
      expect(event.sentAt).toBe(sentAt);
      expect(Date.parse(event.receivedAt as string) - Date.parse(event.timestamp as string)).toBeLessThan(60_000);
    }
  });

  it('answers client metrics on /v1/m and stores nothing', async () => {
    const response = await post('/v1/m', { series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: { method: 'track', library: 'analytics.js', library_version: 'web' } }] });
    expect(response.status).toBe(200);
    expect(await readStored(server.log)).toEqual([]);
  });

  it('gets a precise error for a wrong write key, and the server keeps serving', async () => {
    const bad = await post('/v1/t', { ...browserEvent('track', { event: 'x' }), writeKey: 'not-a-key' });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([401, 'invalid_write_key']);
    expect((await post('/v1/t', browserEvent('track', { event: 'after' }))).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
  });
});
