/**
 * Splicing (stored-line.ts over raw-json.ts's index) must store exactly what serializing the enriched
 * event stores: for any event and any request facts, the spliced line parses to the same value with
 * the same key order (compared as re-serialized text). And events the index must not splice are left
 * to the serializing path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enrichEvent, type RequestFacts } from './enrich.js';
import type { JsonObject } from './event-types.js';
import { indexBatchEvents, indexSingleEvent, type CharCodes } from './raw-json.js';
import { spliceFactsOf, spliceStoredLine } from './stored-line.js';
import { validateEvent } from './validate.js';

/** The character codes raw-body.ts would hand the scanner: bytes when ASCII, else UTF-16 units. */
function codesOf(text: string): CharCodes {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return new Uint8Array(Buffer.from(text, 'utf8'));
  return Uint16Array.from({ length: text.length }, (_, index) => text.charCodeAt(index));
}

const isoDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
const smallObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 8 });

/** Events that are mostly valid, with every enrichment key sometimes present, null, odd or absent. */
const event = fc.record(
  {
    type: fc.constantFrom('identify', 'track', 'page', 'screen', 'group', 'alias'),
    userId: fc.oneof(unicodeText, fc.integer(), fc.constant(null)),
    anonymousId: fc.oneof(fc.uuid(), fc.integer(), fc.constant('')),
    event: unicodeText,
    groupId: fc.string({ minLength: 1 }),
    previousId: fc.string({ minLength: 1 }),
    messageId: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
    timestamp: fc.oneof(isoDate, fc.constant(null)),
    sentAt: fc.oneof(isoDate, fc.constant(null)),
    receivedAt: fc.oneof(isoDate, fc.constant('client says')),
    originalTimestamp: fc.oneof(isoDate, fc.constant(7)),
    context: fc.oneof(smallObject, fc.constant({}), fc.constant(null), fc.record({ ip: fc.oneof(fc.constant(''), fc.constant(null), fc.ipV4()) })),
    integrations: fc.oneof(smallObject, fc.constant(null)),
    properties: fc.oneof(smallObject, fc.dictionary(unicodeText, unicodeText, { maxKeys: 3 })),
    traits: smallObject,
    projectId: fc.string(),
    version: fc.oneof(fc.constant(2), fc.constant(1), fc.constant('2')),
    channel: fc.oneof(fc.constant(null), fc.constant('browser')),
    writeKey: fc.string(),
    __proto__: fc.constant({ polluted: true }),
  },
  { requiredKeys: ['type'] },
).map((record) => {
  // fc.record builds `__proto__` with a prototype setter; make it an own key as JSON.parse would.
  const { __proto__: proto, ...rest } = record as Record<string, unknown>;
  return Object.hasOwn(record, '__proto__') ? (JSON.parse(`{"__proto__":${JSON.stringify(proto)},${JSON.stringify(rest).slice(1)}`) as JsonObject) : (rest as JsonObject);
});

const requestFacts = fc.record({
  ip: fc.option(fc.ipV4(), { nil: undefined }),
  batchSentAt: fc.option(isoDate, { nil: undefined }),
  batchContext: fc.option(smallObject, { nil: undefined }),
  batchIntegrations: fc.option(smallObject, { nil: undefined }),
});

function factsOf(drawn: { ip: string | undefined; batchSentAt: string | undefined; batchContext: JsonObject | undefined; batchIntegrations: JsonObject | undefined }): RequestFacts {
  const receivedAtMs = Date.UTC(2026, 11, 3, 12, 0, 0, 123);
  return {
    sourceId: 'src_"quoted"é',
    receivedAtMs,
    receivedAt: new Date(receivedAtMs).toISOString(),
    ip: drawn.ip,
    batchSentAt: drawn.batchSentAt,
    batchSentAtMs: drawn.batchSentAt === undefined ? undefined : Date.parse(drawn.batchSentAt),
    batchContext: drawn.batchContext,
    batchIntegrations: drawn.batchIntegrations,
    newMessageId: () => 'generated-id',
  };
}

const exponent = /[0-9][eE][-+]?[0-9]/;

describe('spliceStoredLine', () => {
  it('stores exactly what serializing the enriched event stores', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), requestFacts, (events, drawn) => {
        const facts = factsOf(drawn);
        const text = JSON.stringify({ batch: events, sentAt: drawn.batchSentAt });
        const parsed = (JSON.parse(text) as { batch: unknown[] }).batch;
        const codes = codesOf(text);
        const index = indexBatchEvents(codes, parsed);
        expect(index).toBeDefined();
        parsed.forEach((candidate, position) => {
          const valid = validateEvent(candidate);
          if (!valid.ok) return;
          const raw = index![position];
          if (raw === undefined) {
            // Only numbers written with an exponent (JSON.stringify's for tiny and huge values) are left out.
            expect(JSON.stringify(candidate)).toMatch(exponent);
            return;
          }
          const spliced = spliceStoredLine(valid, raw!, text, codes, facts, spliceFactsOf(facts));
          expect(spliced).not.toMatch(/\n/);
          expect(JSON.stringify(JSON.parse(spliced))).toBe(JSON.stringify(enrichEvent(valid, facts)));
        });
      }),
      { numRuns: 400 },
    );
  });

  it('single-event bodies splice the same way, with the route type winning', () => {
    fc.assert(
      fc.property(event, requestFacts, (sent, drawn) => {
        const facts = factsOf({ ...drawn, batchSentAt: undefined, batchContext: undefined, batchIntegrations: undefined });
        const text = JSON.stringify(sent);
        const parsed: unknown = JSON.parse(text);
        const valid = validateEvent(parsed, 'identify');
        if (!valid.ok) return;
        const codes = codesOf(text);
        const raw = indexSingleEvent(codes, parsed);
        if (raw === undefined) {
          expect(text).toMatch(exponent);
          return;
        }
        const spliced = spliceStoredLine(valid, raw!, text, codes, facts, spliceFactsOf(facts));
        expect(JSON.stringify(JSON.parse(spliced))).toBe(JSON.stringify(enrichEvent(valid, facts)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the client bytes of untouched values as sent', () => {
    const text = '{"type":"track","userId":"u","event":"e","properties":{"price":1.50,"big":12345678901234567890,"name":"caf\\u00e9"}}';
    const parsed: unknown = JSON.parse(text);
    const valid = validateEvent(parsed);
    if (!valid.ok) throw new Error('fixture invalid');
    const facts = factsOf({ ip: '192.0.2.1', batchSentAt: undefined, batchContext: undefined, batchIntegrations: undefined });
    const spliced = spliceStoredLine(valid, indexSingleEvent(codesOf(text), parsed)!, text, codesOf(text), facts, spliceFactsOf(facts));
    expect(spliced).toContain('"properties":{"price":1.50,"big":12345678901234567890,"name":"caf\\u00e9"}');
    expect(JSON.parse(spliced)).toMatchObject({ context: { ip: '192.0.2.1' }, projectId: facts.sourceId, version: 2, channel: 'server' });
  });
});

describe('the raw index leaves to serializing', () => {
  const indexOne = (text: string) => indexSingleEvent(codesOf(text), JSON.parse(text));
  it('whitespace between tokens anywhere in the event', () => {
    expect(indexOne('{"type":"track", "userId":"u"}')).toBeUndefined();
    expect(indexOne('{"type":"track","p":{"a": 1}}')).toBeUndefined();
    expect(indexOne('{\n"type":"track"}')).toBeUndefined();
    expect(indexOne('{"type":"track","p":[1,2]}')).toBeDefined();
  });
  it('escaped or duplicate top-level keys', () => {
    expect(indexOne('{"\\u0074ype":"track","userId":"u"}')).toBeUndefined();
    expect(indexOne('{"type":"track","userId":"a","userId":"b"}')).toBeUndefined();
    // Nested duplicates are data the client sent; the top level is all enrichment reads.
    expect(indexOne('{"type":"track","p":{"a":1,"a":2}}')).toBeDefined();
  });
  it('values nested deeper than the serializer can be trusted with', () => {
    expect(indexOne(`{"type":"track","p":${'['.repeat(100)}${']'.repeat(100)}}`)).toBeUndefined();
    expect(indexOne(`{"type":"track","p":${'['.repeat(10)}${']'.repeat(10)}}`)).toBeDefined();
  });
  it('numbers JSON.parse may not hold exactly (exponents, overlong digit runs), at any depth', () => {
    expect(indexOne('{"type":"track","n":1e400}')).toBeUndefined();
    expect(indexOne('{"type":"track","p":{"n":[1,2.5E-400]}}')).toBeUndefined();
    expect(indexOne(`{"type":"track","p":{"n":1${'0'.repeat(400)}}}`)).toBeUndefined();
    expect(indexOne('{"type":"track","p":{"n":-0.0,"t":true,"f":false,"e":"1e400"},"n":9007199254740993}')).toBeDefined();
  });
  it('a batch whose "batch" key is escaped or repeated reads the last one, as JSON.parse does', () => {
    const repeated = '{"batch":[{"a":1}],"batch":[{"b":2},{"c":3}]}';
    const index = indexBatchEvents(codesOf(repeated), (JSON.parse(repeated) as { batch: unknown[] }).batch);
    expect(index?.map((raw) => repeated.slice(raw!.start, raw!.end))).toEqual(['{"b":2}', '{"c":3}']);
    const escaped = '{"b\\u0061tch":[{"a":1}]}';
    expect(indexBatchEvents(codesOf(escaped), [{ a: 1 }])).toBeUndefined();
  });
});
