/**
 * fast-check arbitraries for Segment events (DESIGN B2): valid events of every call type, and mutations
 * of them that are invalid by construction, each carrying the rejection code(s) the contract gives it.
 * Valid events are generated WITHOUT a messageId: the property stamps a fresh one on each at send time,
 * so deduplication (a repeated messageId is dropped) never hides an event the suite expects stored.
 *
 * Strings mix ASCII, any code point (lone surrogates included: JSON.stringify escapes them) and the
 * prototype-pollution keys; numbers include the edges of doubles. Events are sent as JSON text, with
 * optional raw members in front (duplicate keys, numbers no double holds) that JSON.parse resolves.
 */
import fc from 'fast-check';
import type { ErrorCode } from '../errors/codes.js';
import { fuzzLimits } from './fuzz-server.js';

export const eventTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type CallType = (typeof eventTypes)[number];
type JsonObject = Record<string, unknown>;

const pollutionKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(...pollutionKeys, '\u0000', '\u2028\u2029', '\ud800', '\udfff\ud800', '💥', 'e\u0301', '') },
);
const nonEmptyString = anyString.filter((text) => text.length > 0);

export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 1e21, 2 ** 53 + 2),
);

const key: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: anyString }, { weight: 1, arbitrary: fc.constantFrom(...pollutionKeys) });

/** Small JSON values (bounded size), with our strings, keys and numbers. */
export const smallJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    edgeNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

export const jsonObject: fc.Arbitrary<JsonObject> = fc.dictionary(key, smallJson, { maxKeys: 4, noNullPrototype: true });

const userIdLike: fc.Arbitrary<string | number> = fc.oneof({ weight: 3, arbitrary: nonEmptyString }, { weight: 1, arbitrary: edgeNumber });
const isoDate: fc.Arbitrary<string> = fc
  .date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** The identity fields a call type needs, with optional extras. */
function identityFor(type: CallType): fc.Arbitrary<JsonObject> {
  const user = fc.record({ userId: userIdLike, anonymousId: userIdLike }, { requiredKeys: [] }).filter((ids) => ids.userId !== undefined || ids.anonymousId !== undefined);
  switch (type) {
    case 'alias':
      return fc.record({ previousId: userIdLike, userId: userIdLike });
    case 'group':
      return fc.record({ groupId: userIdLike, userId: userIdLike, traits: jsonObject }, { requiredKeys: ['groupId'] });
    case 'track':
      return fc.tuple(user, nonEmptyString, jsonObject).map(([ids, event, properties]) => ({ ...ids, event, properties }));
    case 'identify':
      return fc.tuple(user, fc.option(jsonObject, { nil: undefined })).map(([ids, traits]) => (traits === undefined ? ids : { ...ids, traits }));
    default:
      return fc.tuple(user, fc.option(anyString, { nil: undefined }), jsonObject).map(([ids, name, properties]) => ({ ...ids, properties, ...(name === undefined ? {} : { name }) }));
  }
}

/** Optional fields every call may carry. */
const commonFields: fc.Arbitrary<JsonObject> = fc.record(
  {
    timestamp: isoDate,
    sentAt: isoDate,
    context: fc.oneof(jsonObject, fc.record({ ip: fc.constantFrom('', '203.0.113.9'), library: jsonObject }, { requiredKeys: [] })),
    integrations: fc.dictionary(key, fc.oneof(fc.boolean(), jsonObject), { maxKeys: 3, noNullPrototype: true }),
    channel: fc.constantFrom('browser', 'mobile', 'server', ''),
    _metadata: jsonObject,
    writeKey: anyString,
    extra: smallJson,
  },
  { requiredKeys: [] },
);

export interface ValidEvent {
  readonly type: CallType;
  readonly event: JsonObject;
  /** Raw JSON members put before the event's own (e.g. a duplicate key the later one overrides). */
  readonly rawPrefix: string;
}

const rawPrefix: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('"fz_edge":1e400,', '"fz_edge":-1e400,', '"fz_edge":9007199254740993,', '"fz_edge":-0.0,', '"fz_edge":1E-400,') },
  // Duplicate keys: JSON.parse keeps the last, so an invalid first value is overridden by the valid one.
  { weight: 1, arbitrary: fc.constantFrom('"userId":{"a":1},', '"type":42,', '"properties":"x",', '"__proto__":{"polluted":true},', '"constructor":{"prototype":{"polluted":true}},') },
);

/** A valid event of `type` (or any type), as it will be sent (without messageId). */
export function validEvent(type?: CallType): fc.Arbitrary<ValidEvent> {
  const typeArb = type === undefined ? fc.constantFrom(...eventTypes) : fc.constant(type);
  return typeArb
    .chain((chosen) => fc.tuple(fc.constant(chosen), identityFor(chosen), commonFields, rawPrefix))
    .map(([chosen, identity, common, prefix]) => ({ type: chosen, event: { ...common, ...identity, type: chosen }, rawPrefix: prefix }))
    // A duplicate-key prefix stays valid only when the event's own (later, winning) key follows it.
    .filter((valid) => {
      const duplicated = /^"(userId|properties)":/.exec(valid.rawPrefix)?.[1];
      return duplicated === undefined || Object.hasOwn(valid.event, duplicated);
    })
    .filter((valid) => eventText(valid, 'x'.repeat(40)).length < fuzzLimits.maxEventBytes - 300);
}

/** A valid event padded to just under the per-event limit (as sent, with its messageId). */
export function nearLimitEvent(): fc.Arbitrary<ValidEvent & { readonly padTo: number }> {
  return fc.tuple(validEvent(), fc.integer({ min: 1, max: 120 })).map(([valid, gap]) => ({ ...valid, padTo: fuzzLimits.maxEventBytes - gap }));
}

/** The JSON text of a valid event with its messageId, padded when asked (padding is plain ASCII). */
export function eventText(valid: ValidEvent & { readonly padTo?: number }, messageId: string): string {
  const event = { ...valid.event, messageId };
  let text = `{${valid.rawPrefix}${JSON.stringify(event).slice(1)}`;
  if (valid.padTo !== undefined) {
    const base = Buffer.byteLength(text) + '"fz_pad":"",'.length;
    if (base < valid.padTo) text = `{"fz_pad":"${'p'.repeat(valid.padTo - base)}",${text.slice(1)}`;
  }
  return text;
}

export interface MutatedEvent {
  readonly name: string;
  /** The event's JSON text. */
  readonly text: string;
  /** The codes the contract allows for it (usually exactly one). */
  readonly codes: readonly ErrorCode[];
  /** Whether it stays invalid on a single-event route (where the route implies `type`). */
  readonly invalidOnSingleRoute: boolean;
}

const notAnObject: fc.Arbitrary<unknown> = fc.oneof(anyString, edgeNumber, fc.boolean(), fc.constant(null), fc.array(smallJson, { maxLength: 3 }));
const notAnId: fc.Arbitrary<unknown> = fc.oneof(fc.boolean(), fc.array(smallJson, { maxLength: 2 }), jsonObject);
const badTimestamp: fc.Arbitrary<unknown> = fc.oneof(
  anyString.map((text) => `x${text}`),
  fc.constantFrom('2024-13-01T00:00:00Z', '2024-02-30', 'yesterday', '1700000000', '2024-01-01T25:00:00Z'),
  edgeNumber,
  fc.boolean(),
  jsonObject,
);

const DEEP_MARK = 'fz-deep-nesting-of-';

type Mutator = (event: JsonObject, type: CallType) => fc.Arbitrary<{ name: string; value: unknown; codes: ErrorCode[]; single: boolean }>;

const set = (event: JsonObject, field: string, value: unknown): JsonObject => ({ ...event, [field]: value });
const without = (event: JsonObject, ...fields: string[]): JsonObject => Object.fromEntries(Object.entries(event).filter(([name]) => !fields.includes(name)));

const mutators: Mutator[] = [
  () => notAnObject.map((value) => ({ name: 'not an object', value, codes: ['invalid_event'], single: true })),
  (event) =>
    fc.oneof(anyString.filter((text) => !(eventTypes as readonly string[]).includes(text)), edgeNumber, notAnId, fc.constant(undefined)).map((type) => ({
      name: 'bad type',
      value: type === undefined ? without(event, 'type') : set(event, 'type', type),
      codes: ['invalid_type'],
      single: false,
    })),
  (event) =>
    fc.oneof(edgeNumber, notAnId, fc.string({ minLength: 101, maxLength: 140 })).map((messageId) => ({ name: 'bad messageId', value: set(event, 'messageId', messageId), codes: ['invalid_message_id'], single: true })),
  (event, type) =>
    notAnId.chain((bad) =>
      fc.constantFrom(
        ...(type === 'alias'
          ? [{ name: 'alias without previousId', value: without(event, 'previousId'), codes: ['missing_previous_id'] as ErrorCode[], single: true }]
          : type === 'group'
            ? [{ name: 'group without groupId', value: without(event, 'groupId'), codes: ['missing_group_id'] as ErrorCode[], single: true }]
            : [{ name: 'no user', value: without(event, 'userId', 'anonymousId'), codes: ['missing_user_id'] as ErrorCode[], single: true }]),
        { name: 'userId of a wrong type', value: set(event, 'userId', bad), codes: ['missing_user_id'] as ErrorCode[], single: true },
      ),
    ),
  (event, type) =>
    type === 'track'
      ? fc.oneof(fc.constant(''), edgeNumber, notAnId, fc.constant(null)).map((name) => ({ name: 'bad event name', value: set(event, 'event', name), codes: ['missing_event_name'], single: true }))
      : notAnObject.filter((value) => value !== null).map((value) => ({ name: 'properties not an object', value: set(event, 'properties', value), codes: ['invalid_properties'], single: true })),
  (event) =>
    fc
      .tuple(fc.constantFrom(['traits', 'invalid_traits'], ['context', 'invalid_context'], ['integrations', 'invalid_integrations']) as fc.Arbitrary<[string, ErrorCode]>, notAnObject.filter((value) => value !== null))
      .map(([[field, code], value]) => ({ name: `${field} not an object`, value: set(event, field, value), codes: [code], single: true })),
  (event) =>
    fc.tuple(fc.constantFrom('timestamp', 'sentAt'), badTimestamp).map(([field, value]) => ({ name: `bad ${field}`, value: set(event, field, value), codes: ['invalid_timestamp'], single: true })),
  (event) =>
    fc.integer({ min: 1, max: 400 }).map((over) => {
      const size = Buffer.byteLength(JSON.stringify(event));
      return { name: 'over the event limit', value: set(event, 'fz_pad', 'o'.repeat(Math.max(0, fuzzLimits.maxEventBytes - size + over))), codes: ['event_too_large'], single: true };
    }),
  (event) =>
    // At least 2 bytes per level past the event limit, so it can never be a valid event.
    fc.integer({ min: Math.ceil(fuzzLimits.maxEventBytes / 2) + 50, max: 12_000 }).map((depth) => ({
      name: 'nested very deeply',
      // Spliced in as text (see below): JSON.stringify itself overflows the stack at such depths.
      value: set(event, 'properties', { deep: `${DEEP_MARK}${depth}` }),
      // Either too deep to serialize or, measured as sent, over the size limit.
      codes: ['invalid_event', 'event_too_large'],
      single: true,
    })),
];

/** An event (of `type`, or any) made invalid by one mutation; its codes are for that type's route. */
export function mutatedEvent(type?: CallType): fc.Arbitrary<MutatedEvent> {
  return fc
    .tuple(validEvent(type), fc.integer({ min: 0, max: mutators.length - 1 }))
    .chain(([valid, which]) => mutators[which]!(valid.event, valid.type))
    .map(({ name, value, codes, single }) => {
      const text = (JSON.stringify(value) ?? 'null').replace(new RegExp(`"${DEEP_MARK}(\\d+)"`), (_, depth: string) => `${'['.repeat(Number(depth))}${']'.repeat(Number(depth))}`);
      // Counterexamples print the mutation and the start of the text, not kilobytes of padding.
      return { name, text, codes, invalidOnSingleRoute: single, [fc.toStringMethod]: () => `${name} (${codes.join('|')}): ${text.slice(0, 160)}…(${text.length} chars)` };
    });
}
