/**
 * The stored line of an event, spliced: the text the client sent, with the enrichment of enrich.ts
 * written over the members it changes and after the last member for the ones it adds. Equivalent to
 * `JSON.stringify(enrichEvent(valid, facts))` — same keys, same order, same values (the property test
 * in stored-line.test.ts holds it to exactly that) — at a fraction of the cost, since untouched members
 * (properties, traits, most of context) are sliced out of the body's text instead of being serialized
 * again (V8 slices without copying; the line is flattened once, when it is UTF-8 encoded).
 *
 * Values the client sent stay byte-for-byte as sent (`1.0` stays `1.0`, `"\u00e9"` stays escaped):
 * JSON-equal to the serialized form, and closer to what the client sent.
 *
 * Only for events raw-json.ts could index (compact, no escaped or duplicate top-level keys); the
 * others are serialized (ingest.ts).
 */
import type { EventType, JsonObject } from './event-types.js';
import { mergeContext, mergeObjects, type RequestFacts } from './enrich.js';
import { asciiCodes, codesEqual, type CharCodes, type RawObject } from './raw-json.js';
import { formatIsoTimestamp } from './timestamps.js';
import type { ValidEvent } from './validate.js';

/**
 * The JSON texts every event of one request shares, computed once per request: each value, and each
 * member as added after the client's members (`,"key":value`), so most events add them with one
 * concatenation each instead of building the same text again.
 */
export interface SpliceFacts {
  readonly receivedAt: string;
  readonly projectId: string;
  /** The batch's sentAt as JSON, for events that send none of their own. */
  readonly batchSentAt: string | undefined;
  readonly addedReceivedAt: string;
  /** `timestamp` as added to an event that sends none: the receive time. */
  readonly addedTimestamp: string;
  readonly addedProjectId: string;
  readonly addedBatchSentAt: string | undefined;
  /** `"ip":…`, inserted into a context that has no ip; undefined when the request has no address. */
  readonly ipMember: string | undefined;
}

export function spliceFactsOf(facts: RequestFacts): SpliceFacts {
  const receivedAt = JSON.stringify(facts.receivedAt);
  const projectId = JSON.stringify(facts.sourceId);
  const batchSentAt = facts.batchSentAt === undefined ? undefined : JSON.stringify(facts.batchSentAt);
  return {
    receivedAt,
    projectId,
    batchSentAt,
    addedReceivedAt: `,"receivedAt":${receivedAt}`,
    addedTimestamp: `,"timestamp":${receivedAt}`,
    addedProjectId: `,"projectId":${projectId}`,
    addedBatchSentAt: batchSentAt === undefined ? undefined : `,"sentAt":${batchSentAt}`,
    ipMember: facts.ip === undefined ? undefined : `"ip":${JSON.stringify(facts.ip)}`,
  };
}

const quoted = (key: string): Uint8Array => asciiCodes(JSON.stringify(key));

/** The top-level keys enrichment reads or writes, in the order enrichEvent adds the missing ones. */
const enum Key {
  type,
  userId,
  anonymousId,
  messageId,
  receivedAt,
  sentAt,
  originalTimestamp,
  timestamp,
  context,
  integrations,
  projectId,
  version,
  channel,
}
const keyNames = ['type', 'userId', 'anonymousId', 'messageId', 'receivedAt', 'sentAt', 'originalTimestamp', 'timestamp', 'context', 'integrations', 'projectId', 'version', 'channel'] as const;
/** The top-level keys the splice reads or writes, by number (`RawObject.keys` holds these numbers). */
export const spliceKeyNames: readonly string[] = keyNames;
const keyTexts = keyNames.map(quoted);
const versionValue = asciiCodes('2');
const addedVersion = ',"version":2';
const addedChannel = ',"channel":"server"';
/** `,"name":` of each key, for keys added after the client's members. */
const addedPrefix = keyNames.map((name) => `,${JSON.stringify(name)}:`);
const keyCount = keyNames.length;
/** Candidates by quoted length, so most keys are compared with one or two names at most. */
const keysByLength: Key[][] = [];
keyTexts.forEach((quotedKey, key) => (keysByLength[quotedKey.length] ??= []).push(key as Key));
const typeValues = new Map<EventType, Uint8Array>((['identify', 'track', 'page', 'screen', 'group', 'alias'] as const).map((type) => [type, quoted(type)]));

/** Member index of each enrichment key in the current event, -1 when absent (reused: one event at a time). */
const memberOf = new Int32Array(keyCount);
/** The replacement JSON of each key present and changed, undefined when the client's bytes stay. */
const replacement: (string | undefined)[] = new Array<string | undefined>(keyCount).fill(undefined);

/**
 * The stored line of `valid`, whose text `raw` indexes in `source` (the body JSON.parse read; `codes`
 * its character codes, raw-json.ts). `facts` are the request's, `shared` their JSON texts.
 */
export function spliceStoredLine(valid: ValidEvent, raw: RawObject, source: string, codes: CharCodes, facts: RequestFacts, shared: SpliceFacts): string {
  const event = valid.event;
  const members = raw.members;
  memberOf.fill(-1);
  const knownKeys = raw.keys;
  if (knownKeys !== undefined) {
    for (let index = 0; index < knownKeys.length; index++) {
      const key = knownKeys[index]!;
      if (key >= 0) memberOf[key] = index * 4;
    }
  } else {
    for (let member = 0; member < members.length; member += 4) {
      const candidates = keysByLength[members[member + 1]! - members[member]!];
      if (candidates === undefined) continue;
      for (const key of candidates) {
        if (codesEqual(codes, members[member]!, members[member + 1]!, keyTexts[key]!)) {
          memberOf[key] = member;
          break;
        }
      }
    }
  }

  // What each key becomes: `replacement[key]` for present keys, `added` (in enrichEvent's order) for absent ones.
  let added = '';
  const set = (key: Key, json: string): void => {
    if (memberOf[key]! >= 0) replacement[key] = json;
    else added += `${addedPrefix[key]}${json}`;
  };
  /** `set`, for a value whose added member text (`,"key":json`) is ready made. */
  const setShared = (key: Key, json: string, addedMember: string): void => {
    if (memberOf[key]! >= 0) replacement[key] = json;
    else added += addedMember;
  };
  replacement.fill(undefined);

  const typeValue = typeValues.get(valid.type)!;
  const typeMember = memberOf[Key.type]!;
  if (typeMember < 0 || !codesEqual(codes, members[typeMember + 2]!, members[typeMember + 3]!, typeValue)) set(Key.type, `"${valid.type}"`);
  if (typeof event.userId === 'number') set(Key.userId, JSON.stringify(String(event.userId)));
  if (typeof event.anonymousId === 'number') set(Key.anonymousId, JSON.stringify(String(event.anonymousId)));
  if (typeof event.messageId !== 'string' || event.messageId === '') set(Key.messageId, JSON.stringify(facts.newMessageId()));
  setShared(Key.receivedAt, shared.receivedAt, shared.addedReceivedAt);

  let sentAtMs = valid.sentAtMs;
  if (sentAtMs === undefined && shared.batchSentAt !== undefined) {
    setShared(Key.sentAt, shared.batchSentAt, shared.addedBatchSentAt!);
    sentAtMs = facts.batchSentAtMs;
  }
  if (valid.timestampMs !== undefined) {
    // A timestamp that parsed holds only digits, letters T/Z, spaces and -+:., — nothing JSON escapes.
    set(Key.originalTimestamp, `"${event.timestamp as string}"`);
    if (sentAtMs !== undefined) set(Key.timestamp, `"${formatIsoTimestamp(facts.receivedAtMs - (sentAtMs - valid.timestampMs))}"`);
  } else {
    setShared(Key.timestamp, shared.receivedAt, shared.addedTimestamp);
  }

  const ipInsert = contextEnrichment(event, facts, shared, set);
  if (facts.batchIntegrations !== undefined) set(Key.integrations, JSON.stringify(mergeObjects(facts.batchIntegrations, event.integrations)));
  setShared(Key.projectId, shared.projectId, shared.addedProjectId);
  const versionMember = memberOf[Key.version]!;
  if (versionMember < 0 || !codesEqual(codes, members[versionMember + 2]!, members[versionMember + 3]!, versionValue)) setShared(Key.version, '2', addedVersion);
  if (event.channel === undefined || event.channel === null) setShared(Key.channel, '"server"', addedChannel);

  // Copy the client's bytes up to each changed value (in member order), write the new value, skip the old one.
  let changed = 0;
  for (let key = 0; key < keyCount; key++) {
    if (replacement[key] !== undefined || (key === Key.context && ipInsert !== undefined)) changedKeys[changed++] = key;
  }
  sortByMember(changed);
  let line = '';
  let copied = raw.start;
  for (let index = 0; index < changed; index++) {
    const key = changedKeys[index]!;
    const member = memberOf[key]!;
    const json = replacement[key];
    if (json !== undefined) {
      line += source.slice(copied, members[member + 2]!) + json;
      copied = members[member + 3]!;
    } else {
      // The context gets its ip before the closing brace; a comma unless it is `{}`.
      const closing = members[member + 3]! - 1;
      line += source.slice(copied, closing) + (closing - members[member + 2]! > 1 ? `,${ipInsert}` : ipInsert!);
      copied = closing;
    }
  }
  // `added` starts with a comma; an empty client object `{}` takes it without.
  return line + source.slice(copied, raw.end - 1) + (members.length === 0 && added !== '' ? `${added.slice(1)}}` : `${added}}`);
}

/** Keys changed in place, in the current event (reused). */
const changedKeys = new Int32Array(keyCount);

/** Insertion sort of the first `count` changed keys by member position (a handful at most). */
function sortByMember(count: number): void {
  for (let index = 1; index < count; index++) {
    const key = changedKeys[index]!;
    let at = index - 1;
    while (at >= 0 && memberOf[changedKeys[at]!]! > memberOf[key]!) {
      changedKeys[at + 1] = changedKeys[at]!;
      at--;
    }
    changedKeys[at + 1] = key;
  }
}

/**
 * Decides the stored context (mergeContext's result, enrich.ts) the cheapest way: the client's bytes as
 * they are, the client's bytes with `"ip":…` inserted (the returned text), or the merged object
 * serialized when a batch-level context or an empty `ip` must be merged.
 */
function contextEnrichment(event: JsonObject, facts: RequestFacts, shared: SpliceFacts, set: (key: Key, json: string) => void): string | undefined {
  const own = event.context;
  const ownObject = typeof own === 'object' && own !== null && !Array.isArray(own) ? (own as JsonObject) : undefined;
  if (facts.batchContext === undefined && ownObject !== undefined) {
    if (facts.ip === undefined) return undefined;
    if (!Object.hasOwn(ownObject, 'ip')) return shared.ipMember;
    const ip = ownObject.ip;
    if (ip !== null && ip !== '') return undefined;
  }
  set(Key.context, JSON.stringify(mergeContext(own, facts)));
  return undefined;
}
