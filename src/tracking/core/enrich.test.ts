import { describe, expect, it } from 'vitest';
import { enrichEvent, type RequestFacts } from './enrich.js';
import { validateEvent, type ValidEvent } from './validate.js';

const receivedAtMs = Date.UTC(2025, 5, 1, 12, 0, 0);
const facts = (overrides: Partial<RequestFacts> = {}): RequestFacts => ({
  sourceId: 'src_1',
  receivedAtMs,
  receivedAt: new Date(receivedAtMs).toISOString(),
  ip: '203.0.113.9',
  batchSentAt: undefined,
  batchSentAtMs: undefined,
  batchContext: undefined,
  batchIntegrations: undefined,
  newMessageId: () => 'generated-id',
  ...overrides,
});
function valid(event: unknown, type?: Parameters<typeof validateEvent>[1]): ValidEvent {
  const result = validateEvent(event, type);
  if (!result.ok) throw new Error(result.message);
  return result;
}

describe('enrichEvent', () => {
  it('adds the server fields and keeps client fields untouched', () => {
    const event = { type: 'track', userId: 'u', event: 'Bought', properties: { a: 1 }, _metadata: { nodeVersion: '20' }, writeKey: 'wk', custom: [1] };
    const stored = enrichEvent(valid(event), facts());
    expect(stored).toEqual({
      ...event,
      messageId: 'generated-id',
      receivedAt: '2025-06-01T12:00:00.000Z',
      timestamp: '2025-06-01T12:00:00.000Z',
      context: { ip: '203.0.113.9' },
      projectId: 'src_1',
      version: 2,
      channel: 'server',
    });
  });

  it('never mutates the client object', () => {
    const event = { type: 'identify', userId: 7, context: { library: { name: 'x' } }, timestamp: '2025-06-01T11:00:00Z' };
    const snapshot = structuredClone(event);
    const stored = enrichEvent(valid(event), facts({ batchContext: { locale: 'fr' } }));
    expect(event).toEqual(snapshot);
    expect(stored.context).not.toBe(event.context);
  });

  it('keeps a client messageId and channel; generates when absent or empty', () => {
    expect(enrichEvent(valid({ type: 'page', userId: 'u', messageId: 'm-1', channel: 'browser' }), facts())).toMatchObject({ messageId: 'm-1', channel: 'browser' });
    expect(enrichEvent(valid({ type: 'page', userId: 'u', messageId: '' }), facts()).messageId).toBe('generated-id');
  });

  it('coerces numeric userId / anonymousId to strings', () => {
    const stored = enrichEvent(valid({ type: 'identify', userId: 42, anonymousId: 0 }), facts());
    expect(stored).toMatchObject({ userId: '42', anonymousId: '0' });
  });

  it('corrects clock skew: timestamp = receivedAt − (sentAt − originalTimestamp)', () => {
    // The client's clock is 1 hour fast; the event happened 10 s before it was sent.
    const stored = enrichEvent(
      valid({ type: 'identify', userId: 'u', timestamp: '2025-06-01T12:59:50.000Z', sentAt: '2025-06-01T13:00:00.000Z' }),
      facts(),
    );
    expect(stored).toMatchObject({
      originalTimestamp: '2025-06-01T12:59:50.000Z',
      sentAt: '2025-06-01T13:00:00.000Z',
      timestamp: '2025-06-01T11:59:50.000Z',
      receivedAt: '2025-06-01T12:00:00.000Z',
    });
  });

  it('uses the batch sentAt when the event has none, the event one when it has', () => {
    const batch = facts({ batchSentAt: '2025-06-01T12:00:10Z', batchSentAtMs: Date.UTC(2025, 5, 1, 12, 0, 10) });
    const fromBatch = enrichEvent(valid({ type: 'identify', userId: 'u', timestamp: '2025-06-01T12:00:05Z' }), batch);
    expect(fromBatch).toMatchObject({ sentAt: '2025-06-01T12:00:10Z', timestamp: '2025-06-01T11:59:55.000Z' });
    const own = enrichEvent(valid({ type: 'identify', userId: 'u', timestamp: '2025-06-01T12:00:05Z', sentAt: '2025-06-01T12:00:06Z' }), batch);
    expect(own).toMatchObject({ sentAt: '2025-06-01T12:00:06Z', timestamp: '2025-06-01T11:59:59.000Z' });
  });

  it('keeps the client timestamp as sent when there is no sentAt; receivedAt when there is no timestamp', () => {
    const noSentAt = enrichEvent(valid({ type: 'identify', userId: 'u', timestamp: '2020-01-01T00:00:00+01:00' }), facts());
    expect(noSentAt).toMatchObject({ timestamp: '2020-01-01T00:00:00+01:00', originalTimestamp: '2020-01-01T00:00:00+01:00' });
    expect(noSentAt).not.toHaveProperty('sentAt');
    const noTimestamp = enrichEvent(valid({ type: 'identify', userId: 'u', sentAt: '2025-06-01T12:00:00Z' }), facts());
    expect(noTimestamp.timestamp).toBe('2025-06-01T12:00:00.000Z');
    expect(noTimestamp).not.toHaveProperty('originalTimestamp');
  });

  it('merges batch context and integrations under the event own keys', () => {
    const stored = enrichEvent(
      valid({ type: 'track', userId: 'u', event: 'e', context: { locale: 'de', app: { v: 2 } }, integrations: { All: false } }),
      facts({ batchContext: { locale: 'fr', library: { name: 'lib' } }, batchIntegrations: { All: true, Mixpanel: true } }),
    );
    expect(stored.context).toEqual({ locale: 'de', library: { name: 'lib' }, app: { v: 2 }, ip: '203.0.113.9' });
    expect(stored.integrations).toEqual({ All: false, Mixpanel: true });
  });

  it('keeps a client-sent context.ip', () => {
    const stored = enrichEvent(valid({ type: 'identify', userId: 'u', context: { ip: '198.51.100.1' } }), facts());
    expect(stored.context).toEqual({ ip: '198.51.100.1' });
  });

  it('stores an own "__proto__" key as a plain field (no prototype change), top level and in context', () => {
    const event = JSON.parse('{"type":"identify","userId":"u","__proto__":{"admin":true},"context":{"__proto__":{"x":1}}}') as unknown;
    const stored = enrichEvent(valid(event), facts({ batchContext: { locale: 'fr' }, batchIntegrations: JSON.parse('{"__proto__":{"y":2}}') as Record<string, unknown> }));
    const line = JSON.parse(JSON.stringify(stored)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.hasOwn(line, '__proto__')).toBe(true);
    expect(JSON.stringify(stored)).toContain('"__proto__":{"admin":true}');
    expect(JSON.stringify(stored.context)).toBe('{"locale":"fr","__proto__":{"x":1},"ip":"203.0.113.9"}');
    expect(JSON.stringify(stored.integrations)).toBe('{"__proto__":{"y":2}}');
  });

  it('sets type from the route on single-event calls', () => {
    expect(enrichEvent(valid({ userId: 'u', event: 'e' }, 'track'), facts()).type).toBe('track');
  });
});
