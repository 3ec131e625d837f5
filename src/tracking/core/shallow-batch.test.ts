/**
 * The shallow batch parse against the reference it replaces (JSON.parse + raw-json.ts's index): it
 * accepts only what JSON.parse accepts, reads every member ingest reads as JSON.parse does, indexes
 * events exactly as the index scan does, and ingest stores the same lines and rejections through it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from './enrich.js';
import { readBatchEnvelope } from './envelope.js';
import { isJsonObject, type JsonObject } from './event-types.js';
import { ingestEvents, type IngestResult } from './ingest.js';
import { indexBatchEvents, type CharCodes, type RawObject } from './raw-json.js';
import { spliceKeyNames } from './stored-line.js';
import { parseBatchShallow, readKeys, unparsedArray, unparsedObject } from './shallow-batch.js';

/** The character codes raw-body.ts hands the scanners: bytes when ASCII, else UTF-16 units. */
function codesOf(text: string): CharCodes {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return new Uint8Array(Buffer.from(text, 'utf8'));
  return Uint16Array.from({ length: text.length }, (_, index) => text.charCodeAt(index));
}


/** What ingest can learn of a value: a scalar itself, a container only its kind. */
function kindOf(value: unknown): unknown {
  if (value === unparsedObject) return 'object';
  if (value === unparsedArray) return 'array';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && value !== null) return 'object';
  return value;
}

/** The members of an event that ingest reads, as ingest can see them (context: whether it has an ip, and the ip). */
function readView(event: unknown): unknown {
  if (!isJsonObject(event)) return event;
  const view: Record<string, unknown> = {};
  for (const key of readKeys) view[key] = kindOf(event[key]);
  const context = event.context;
  if (isJsonObject(context)) view.contextIp = Object.hasOwn(context, 'ip') ? kindOf(context.ip) : 'absent';
  return view;
}

const isoDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('a"b', 'back\\slash', '\u2028', '\ud800', 'tab\there'));
const anyJson = fc.jsonValue({ maxDepth: 3 });
const smallObject = fc.dictionary(text, anyJson, { maxKeys: 4 });

/** Events: mostly valid, every read member sometimes odd, plus members nobody reads. */
const event = fc.record(
  {
    type: fc.oneof(fc.constantFrom('identify', 'track', 'page', 'screen', 'group', 'alias'), anyJson),
    userId: fc.oneof(text, fc.integer(), fc.double(), anyJson),
    anonymousId: fc.oneof(fc.uuid(), fc.constant(''), anyJson),
    previousId: fc.oneof(text, anyJson),
    groupId: fc.oneof(text, anyJson),
    event: fc.oneof(text, anyJson),
    messageId: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
    timestamp: fc.oneof(isoDate, anyJson),
    sentAt: fc.oneof(isoDate, anyJson),
    properties: fc.oneof(smallObject, anyJson),
    traits: fc.oneof(smallObject, anyJson),
    context: fc.oneof(smallObject, fc.record({ ip: fc.oneof(fc.constant(''), fc.constant(null), fc.ipV4(), anyJson), library: smallObject }), anyJson),
    integrations: fc.oneof(smallObject, anyJson),
    channel: fc.oneof(fc.constant(null), fc.constant('browser'), anyJson),
    version: fc.oneof(fc.constant(2), fc.constant('2')),
    receivedAt: fc.oneof(isoDate, anyJson),
    originalTimestamp: fc.oneof(isoDate, anyJson),
    projectId: fc.oneof(text, anyJson),
    unreadMember: anyJson,
    'with "quote"': anyJson,
  },
  { requiredKeys: [] },
);

/** Events ingest stores (a valid call with every read member present), so the stored lines are compared too. */
const storableEvent = fc.record({
  type: fc.constantFrom('identify', 'track', 'page', 'screen'),
  userId: fc.oneof(text, fc.integer()),
  event: fc.string({ minLength: 1, maxLength: 6 }),
  messageId: fc.string({ maxLength: 20 }),
  timestamp: isoDate,
  properties: smallObject,
  context: fc.oneof(
    fc.record({ ip: fc.constantFrom('', null, '10.1.2.3'), library: smallObject, locale: text }),
    fc.record({ library: smallObject, nested: fc.record({ ip: fc.constantFrom('', null) }) }),
  ),
  unreadMember: anyJson,
  // Members the splice overwrites or keeps without reading them as an event's fields.
  version: fc.constantFrom(2, '2', 1),
  receivedAt: isoDate,
  originalTimestamp: isoDate,
  projectId: text,
  channel: fc.constantFrom('server', 'browser', null),
}, { requiredKeys: ['type', 'userId', 'event', 'messageId', 'timestamp', 'properties', 'context', 'unreadMember'] });

/** Bodies: compact or pretty, events or anything else in the batch, odd batch-level members. */
const body = fc
  .record({
    batch: fc.array(fc.oneof({ weight: 4, arbitrary: event }, { weight: 4, arbitrary: storableEvent }, { weight: 1, arbitrary: anyJson }), { maxLength: 5 }),
    sentAt: fc.option(fc.oneof(isoDate, anyJson), { nil: undefined }),
    writeKey: fc.option(text, { nil: undefined }),
    context: fc.option(fc.constant(null), { nil: undefined }),
  })
  .chain((value) => fc.constantFrom(JSON.stringify(value), JSON.stringify(value, null, 1), JSON.stringify(value, null, '\t')));

/** Small edits that break (or keep) JSON in every way a scanner can get wrong. */
const edit = fc.record({
  // Unbiased: fc.nat() favours small numbers, which would keep every edit near the body's start.
  at: fc.noBias(fc.nat()),
  kind: fc.constantFrom('insert', 'delete', 'replace', 'after structural'),
  character: fc.constantFrom('"', '\\', '{', '}', '[', ']', ':', ',', ' ', '\n', '0', '1', '-', '+', '.', 'e', 'E', 't', 'f', 'n', 'u', 'x', '\u0001', '\u001f', '\u00e9', '\ufeff'),
});

function applyEdits(text: string, edits: readonly { at: number; kind: string; character: string }[]): string {
  let result = text;
  for (const { at, kind, character } of edits) {
    const position = at % (result.length + 1);
    if (kind === 'after structural') {
      // Whitespace or a stray character right after a brace, bracket, colon or comma: where a compact-only rule hides.
      const structural = [...result.matchAll(/[{[:,]/g)].map((match) => match.index + 1);
      const after = structural.length === 0 ? position : structural[at % structural.length]!;
      result = result.slice(0, after) + (at % 2 === 0 ? ' ' : character) + result.slice(after);
    } else if (kind === 'insert') result = result.slice(0, position) + character + result.slice(position);
    else if (kind === 'delete') result = result.slice(0, position) + result.slice(position + 1);
    else result = result.slice(0, position) + character + result.slice(position + 1);
  }
  return result;
}

/** Positions right after each brace, bracket, colon and comma outside strings (where JSON allows whitespace). */
function structuralPositions(text: string): number[] {
  const positions: number[] = [];
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if ('{[:,'.includes(character!)) positions.push(index + 1);
  }
  return positions;
}

function jsonParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Checks one body against JSON.parse and the index scan; returns whether the shallow parse took it. */
function checkAgainstReference(text: string, maxEventBytes = 32 * 1024): boolean {
  const codes = codesOf(text);
  const shallow = parseBatchShallow(codes, text, maxEventBytes);
  const reference = jsonParse(text);
  if (shallow === undefined) return false;
  // Never accept what JSON.parse refuses.
  expect(reference.ok).toBe(true);
  if (!reference.ok) return true;
  const parsed = reference.value as JsonObject;
  expect(Object.keys(shallow.body)).toEqual(Object.keys(parsed));
  for (const key of Object.keys(parsed)) if (key !== 'batch') expect(shallow.body[key]).toEqual(parsed[key]);
  if (!Array.isArray(parsed.batch)) {
    expect(shallow.body.batch).toEqual(parsed.batch);
    return true;
  }
  const events = shallow.body.batch as unknown[];
  expect(events.length).toBe(parsed.batch.length);
  parsed.batch.forEach((expected: unknown, index: number) => expect(readView(events[index])).toEqual(readView(expected)));
  const index = indexBatchEvents(codes, parsed.batch as unknown[]);
  if (index !== undefined) expect(shallow.raw.map(withoutKeys)).toEqual(index);
  for (const raw of shallow.raw) if (raw) expect(raw.keys).toEqual(spliceKeysOf(raw, text));
  return true;
}

/** The raw index as raw-json.ts builds it (it leaves key matching to the splice). */
function withoutKeys(raw: RawObject | undefined): RawObject | undefined {
  if (raw === undefined) return undefined;
  const { keys: _keys, ...rest } = raw;
  return rest;
}

/** Each member's splice key number, read from its key's text: what `RawObject.keys` must say. */
function spliceKeysOf(raw: RawObject, text: string): number[] {
  const keys: number[] = [];
  for (let member = 0; member < raw.members.length; member += 4) keys.push(spliceKeyNames.indexOf(JSON.parse(text.slice(raw.members[member], raw.members[member + 1])) as string));
  return keys;
}

describe('parseBatchShallow', () => {
  it('reads valid bodies as JSON.parse and the index scan do', () => {
    fc.assert(
      fc.property(body, (text) => {
        expect(checkAgainstReference(text)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('never accepts a body JSON.parse refuses, and agrees with it on every body it accepts', () => {
    fc.assert(
      fc.property(body, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => {
        checkAgainstReference(applyEdits(text, edits));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds whitespace wherever it is, so a spaced event is never spliced', () => {
    // Whitespace keeps the JSON valid, so every one of these bodies is compared with the index scan.
    const compact = body.filter((text) => !text.includes('\n'));
    const whitespace = fc.array(fc.record({ at: fc.noBias(fc.nat()), space: fc.constantFrom(' ', '\n', '\t', '\r') }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(compact, whitespace, (text, spaces) => {
        let spaced = text;
        for (const { at, space } of spaces) {
          const positions = structuralPositions(spaced);
          const after = positions[at % positions.length]!;
          spaced = spaced.slice(0, after) + space + spaced.slice(after);
        }
        expect(checkAgainstReference(spaced)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees with the index scan on its edge cases: repeated keys, depth, escapes, odd numbers', () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    const edgeCases = [
      '{"batch":[{"type":"track","type":"page","userId":"u"}]}',
      '{"batch":[{"type":"track","x":1,"y":2,"x":3}]}',
      '{"batch":[{"type":"track","__proto__":{"a":1},"userId":"u"}]}',
      `{"batch":[{"type":"track","context":${nested(64)}},{"type":"track","context":${nested(65)}}]}`,
      `{"batch":[{"type":"track","properties":${nested(64)}},{"type":"track","properties":${nested(65)}}]}`,
      `{"batch":[{"type":"track","context":{"a":${nested(63)}}},{"type":"track","context":{"a":${nested(64)}}}]}`,
      '{"batch":[{"type":"track","\\u0074ype":"page"},{"typ\\u0065":"track"}]}',
      `{"batch":[{"type":"track","n":1e3},{"type":"track","n":${'9'.repeat(301)}},{"type":"track","n":${'9'.repeat(300)}.${'5'.repeat(300)}}]}`,
      '{"batch":[{"type":"track","context":{"ip":"1.2.3.4","ip":null}},{"type":"track","context":{"ip":null,"ip":"1.2.3.4"}}]}',
      '{"batch":[{"type":"track","context":{"\\u0069p":""}},{"type":"track","context":{"nested":{"ip":""}}}]}',
      '{"batch":[{}, [], "x", 1, null, {"type":"track"}]}',
      '{"batch":[{"type":"track"}],"batch":[{"type":"page","userId":"u"}]}',
    ];
    for (const text of edgeCases) expect(checkAgainstReference(text), text).toBe(true);
  });

  it('declines what it does not read, so the caller parses with JSON.parse', () => {
    const declined = [
      '',
      '[]',
      '{"batch":[]} x',
      '{"batch":[{"a":01}]}',
      '{"batch":[{"a":1.}]}',
      '{"batch":[{"a":-}]}',
      '{"batch":[{"a":.5}]}',
      '{"batch":[{"a":1e}]}',
      '{"batch":[{"a":"\\x"}]}',
      '{"batch":[{"a":"\\u12g4"}]}',
      '{"batch":[{"a":"tab\there"}]}',
      '{"batch":[{"a":tru}]}',
      '{"batch":[{"a":1,}]}',
      '{"batch":[{"a" 1}]}',
      '{"batch":[{"a":[1,2}]}',
      '{"batch":[{"a":{"b":1]}]}',
      '{"batch":[{"a":"unterminated}]}',
      '\ufeff{"batch":[]}',
      '{"batch":[],"context":{"ip":"1.2.3.4"}}',
      '{"batch":[],"integrations":{"All":false}}',
      '{"__proto__":{"batch":[]}}',
      `{"batch":[${'['.repeat(2000)}${']'.repeat(2000)}]}`,
    ];
    for (const text of declined) expect(parseBatchShallow(codesOf(text), text, 32 * 1024), text).toBeUndefined();
  });

  it('builds an event whole when enrichment or the size check reads all of it', () => {
    const text = JSON.stringify({
      batch: [
        { type: 'track', context: { ip: null, library: { name: 'x' } } },
        { type: 'track', context: { ip: '' } },
        { type: 'track', properties: { big: 'x'.repeat(200) } },
        { type: 'track', properties: { small: 1 }, context: { ip: '10.0.0.1', n: [1] } },
        { type: 'track', marker: 1 },
      ],
    }).replace('"marker":1', '"\\u0074ype":"page"');
    const shallow = parseBatchShallow(codesOf(text), text, 150)!;
    const events = shallow.body.batch as JsonObject[];
    expect(events[0]).toEqual({ type: 'track', context: { ip: null, library: { name: 'x' } } });
    expect(events[1]).toEqual({ type: 'track', context: { ip: '' } });
    expect(events[2]).toEqual({ type: 'track', properties: { big: 'x'.repeat(200) } });
    expect(events[3]!.properties).toBe(unparsedObject);
    expect(events[3]!.context).toEqual({ ip: '10.0.0.1' });
    // An escaped key: built whole (JSON.parse keeps the last "type"), and left to the serializing path.
    expect(events[4]).toEqual({ type: 'page' });
    expect(shallow.raw[4]).toBeUndefined();
    expect(shallow.raw[3]).toBeDefined();
  });

  it('a placeholder that reaches JSON.stringify throws instead of storing {}', () => {
    expect(() => JSON.stringify({ properties: unparsedObject })).toThrow(/unparsed JSON object/);
    expect(() => JSON.stringify([unparsedArray])).toThrow(/unparsed JSON array/);
  });
});

describe('ingest through the shallow parse', () => {
  const factsFor = (ip: string | undefined, envelope: { batchSentAt: string | undefined; batchSentAtMs: number | undefined }): RequestFacts => ({
    sourceId: 'src',
    receivedAtMs: Date.UTC(2026, 11, 3, 12),
    receivedAt: new Date(Date.UTC(2026, 11, 3, 12)).toISOString(),
    ip,
    batchSentAt: envelope.batchSentAt,
    batchSentAtMs: envelope.batchSentAtMs,
    batchContext: undefined,
    batchIntegrations: undefined,
    newMessageId: () => 'generated',
  });
  const decoder = new TextDecoder();
  const linesOf = (result: IngestResult) => ({ lines: result.records.map((record) => decoder.decode(record.data)), ids: result.records.map((record) => record.clientMessageId), rejected: result.rejected });

  it('stores the same lines and rejects the same events as JSON.parse and the index scan', () => {
    fc.assert(
      fc.property(body, fc.option(fc.ipV4(), { nil: undefined }), fc.constantFrom(200, 32 * 1024), (text, ip, maxEventBytes) => {
        const codes = codesOf(text);
        const shallow = parseBatchShallow(codes, text, maxEventBytes);
        if (shallow === undefined) return;
        const encode = (line: string) => new Uint8Array(Buffer.from(line));
        const viaShallow = readBatchEnvelope(shallow.body, 100);
        const parsed = JSON.parse(text) as JsonObject;
        const viaParse = readBatchEnvelope(parsed, 100);
        expect(viaShallow.ok).toBe(viaParse.ok);
        if (!viaShallow.ok || !viaParse.ok) {
          expect(viaShallow).toEqual(viaParse);
          return;
        }
        const index = indexBatchEvents(codes, viaParse.events);
        const ours = ingestEvents(viaShallow, undefined, factsFor(ip, viaShallow), { maxEventBytes, encode, raw: { source: text, codes, events: shallow.raw } });
        const reference = ingestEvents(viaParse, undefined, factsFor(ip, viaParse), { maxEventBytes, encode, raw: index && { source: text, codes, events: index } });
        expect(linesOf(ours)).toEqual(linesOf(reference));
      }),
      { numRuns: 600 },
    );
  });
});
