/**
 * Property tests: whatever JSON a client sends, the core never throws, accounts for every event
 * (stored or rejected), never mutates the input, and stores only lines that carry the enrichment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from './enrich.js';
import { readBatchEnvelope, singleEventEnvelope } from './envelope.js';
import { ingestEvents } from './ingest.js';

const facts = (envelope: { batchSentAt: string | undefined; batchSentAtMs: number | undefined }): RequestFacts => ({
  sourceId: 'src',
  receivedAtMs: Date.UTC(2025, 0, 1),
  receivedAt: '2025-01-01T00:00:00.000Z',
  ip: '192.0.2.1',
  batchSentAt: envelope.batchSentAt,
  batchSentAtMs: envelope.batchSentAtMs,
  batchContext: undefined,
  batchIntegrations: undefined,
  newMessageId: () => 'generated',
});
const encoder = new TextEncoder();
const lineEncoder = () => (line: string) => encoder.encode(line);
const options = () => ({ maxEventBytes: 2048, encode: lineEncoder() });

/** Events that are often valid, with arbitrary JSON mixed into every field. */
const eventLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('identify', 'track', 'page', 'screen', 'group', 'alias'), fc.jsonValue()),
    userId: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()),
    anonymousId: fc.oneof(fc.string(), fc.jsonValue()),
    event: fc.oneof(fc.string(), fc.jsonValue()),
    groupId: fc.oneof(fc.string(), fc.jsonValue()),
    previousId: fc.oneof(fc.string(), fc.jsonValue()),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.jsonValue()),
    sentAt: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.jsonValue()),
    properties: fc.jsonValue(),
    context: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    messageId: fc.oneof(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('ingestEvents over arbitrary input', () => {
  it('never throws, accounts for every event and leaves the input untouched', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(eventLike, fc.jsonValue()), { maxLength: 8 }), fc.option(fc.jsonValue()), (batch, sentAt) => {
        const body = { batch, ...(sentAt === null ? {} : { sentAt }) };
        const snapshot = JSON.stringify(body);
        const envelope = readBatchEnvelope(body, 100);
        if (!envelope.ok) {
          expect(envelope.code).toBe('invalid_timestamp');
          return;
        }
        const result = ingestEvents(envelope, undefined, facts(envelope), options());
        expect(result.records.length + result.rejected.length).toBe(batch.length);
        expect(JSON.stringify(body)).toBe(snapshot);
        for (const record of result.records) {
          const stored = JSON.parse(new TextDecoder().decode(record.data)) as Record<string, unknown>;
          expect(stored).toMatchObject({ projectId: 'src', version: 2, receivedAt: '2025-01-01T00:00:00.000Z' });
          expect(typeof stored.messageId).toBe('string');
          expect(typeof stored.timestamp).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a single-event body of any JSON is either stored or rejected with a code', () => {
    fc.assert(
      fc.property(fc.oneof(eventLike, fc.jsonValue()), (event) => {
        const result = ingestEvents(singleEventEnvelope(event), 'track', facts({ batchSentAt: undefined, batchSentAtMs: undefined }), options());
        expect(result.records.length + result.rejected.length).toBe(1);
        for (const rejected of result.rejected) expect(rejected.code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
  });
});
