import { describe, expect, it } from 'vitest';
import { readBatchEnvelope, singleEventEnvelope } from './envelope.js';
import type { RequestFacts } from './enrich.js';
import { ingestEvents, utf8ByteLength } from './ingest.js';

const facts: RequestFacts = {
  sourceId: 's',
  receivedAtMs: 1_700_000_000_000,
  receivedAt: new Date(1_700_000_000_000).toISOString(),
  ip: '10.0.0.1',
  batchSentAt: undefined,
  batchSentAtMs: undefined,
  batchContext: undefined,
  batchIntegrations: undefined,
  newMessageId: () => 'id',
};
const encoder = new TextEncoder();
const lineEncoder = () => (line: string) => encoder.encode(line);
const options = (maxEventBytes: number) => ({ maxEventBytes, encode: lineEncoder() });

describe('readBatchEnvelope', () => {
  it('needs an object with a batch array', () => {
    for (const body of [null, [], {}, { batch: {} }]) expect(readBatchEnvelope(body, 10)).toMatchObject({ ok: false, code: 'invalid_batch' });
  });
  it('enforces the batch event limit', () => {
    expect(readBatchEnvelope({ batch: [{}, {}, {}] }, 2)).toMatchObject({ ok: false, code: 'too_many_events' });
  });
  it('validates batch-level context, integrations and sentAt', () => {
    expect(readBatchEnvelope({ batch: [], context: 1 }, 2)).toMatchObject({ ok: false, code: 'invalid_context' });
    expect(readBatchEnvelope({ batch: [], integrations: [] }, 2)).toMatchObject({ ok: false, code: 'invalid_integrations' });
    expect(readBatchEnvelope({ batch: [], sentAt: 'soon' }, 2)).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(readBatchEnvelope({ batch: [], sentAt: '2024-01-01T00:00:00Z', context: { a: 1 } }, 2)).toMatchObject({
      ok: true,
      batchSentAt: '2024-01-01T00:00:00Z',
      batchSentAtMs: Date.UTC(2024, 0, 1),
      batchContext: { a: 1 },
    });
  });
});

describe('ingestEvents', () => {
  it('stores valid events and lists rejected ones by index', () => {
    const envelope = readBatchEnvelope({ batch: [{ type: 'identify', userId: 'u' }, { type: 'track', userId: 'u' }, 5] }, 10);
    if (!envelope.ok) throw new Error('envelope');
    const result = ingestEvents(envelope, undefined, facts, options(32 * 1024));
    expect(result.records).toHaveLength(1);
    expect(result.records[0]!.timestamp).toBe(facts.receivedAtMs);
    expect(JSON.parse(Buffer.from(result.records[0]!.data).toString())).toMatchObject({ type: 'identify', userId: 'u', projectId: 's' });
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'missing_event_name'],
      [2, 'invalid_event'],
    ]);
  });

  it('measures the event as sent: an event just under the limit is stored even though its stored line is over', () => {
    const base = { type: 'track', userId: 'u', event: 'e', properties: { blob: '' } };
    const overhead = JSON.stringify(base).length;
    const limit = 1000;
    const justUnder = { ...base, properties: { blob: 'x'.repeat(limit - overhead) } };
    expect(JSON.stringify(justUnder).length).toBe(limit);
    const stored = ingestEvents(singleEventEnvelope(justUnder), undefined, facts, options(limit));
    expect(stored.rejected).toEqual([]);
    expect(stored.records[0]!.data.byteLength).toBeGreaterThan(limit);

    const justOver = { ...base, properties: { blob: 'x'.repeat(limit - overhead + 1) } };
    const refused = ingestEvents(singleEventEnvelope(justOver), undefined, facts, options(limit));
    expect(refused.records).toEqual([]);
    expect(refused.rejected).toMatchObject([{ index: 0, code: 'event_too_large' }]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8ByteLength('aé€😀')).toBe(Buffer.byteLength('aé€😀'));
    const event = { type: 'track', userId: 'u', event: '€'.repeat(400) }; // ~1,2 KB of UTF-8, 440 chars
    const result = ingestEvents(singleEventEnvelope(event), undefined, facts, options(1000));
    expect(result.rejected).toMatchObject([{ code: 'event_too_large' }]);
  });
});
