/**
 * One validating pass over a `/batch` body that does the work of `JSON.parse` and of the splice index
 * (raw-json.ts) together, without building what ingest never reads.
 *
 * Why: profiles of batch ingest showed the body's `JSON.parse` as the largest single cost (~1.2–1.5 µs
 * of an event's ~8), most of it spent building `properties`, `traits` and most of `context`, which
 * validation only checks to be objects and the stored line copies as the client's bytes anyway; and
 * the index scan (~0.7 µs) walked the same bytes again. Here one scan validates the whole body as JSON
 * and builds of each event only the top-level members ingest reads (`readKeys`): scalars as JSON.parse
 * would give them; a nested object or array as a shared placeholder of the right kind
 * (`unparsedObject`, `unparsedArray`), except `context`, built as its `ip` alone (what enrichment
 * reads). Every other member is validated and indexed, not built.
 *
 * The contract is narrow, so a mistake cannot reach a stored line:
 * - Whatever this accepts, JSON.parse accepts (its fuzz test holds it to that). Whatever it cannot read
 *   (invalid JSON, nesting past its stack), it declines (`undefined`), and the caller parses the body
 *   with JSON.parse as before, which also gives invalid JSON its usual error message.
 * - It declines a request whose enrichment merges nested values (a batch-level `context` or
 *   `integrations`), and a body with a top-level `__proto__` key.
 * - An event that would reach code reading nested values is built whole, by JSON.parse of its own
 *   text: one the splice cannot take (the raw index rules of raw-json.ts), a `context.ip` of null or ""
 *   (merged), an event past `maxEventBytes` as sent (measured by serializing it).
 * - Placeholders throw if serialized, so one reaching JSON.stringify fails loudly instead of storing `{}`.
 *
 * Pure: character codes and the text they came from in, values and positions out.
 */
import { MAX_PLAIN_DIGITS, MAX_SPLICED_DEPTH, type CharCodes, type RawObject } from './raw-json.js';
import { spliceKeyNames } from './stored-line.js';

/** A nested object the shallow parse validated but did not build: only its kind is known. */
class UnparsedObject {
  toJSON(): never {
    throw new Error('An unparsed JSON object was serialized (shallow-batch.ts): this event needed a full parse.');
  }
}

/** A nested array the shallow parse validated but did not build. */
class UnparsedArray extends Array<never> {
  toJSON(): never {
    throw new Error('An unparsed JSON array was serialized (shallow-batch.ts): this event needed a full parse.');
  }
}

export const unparsedObject: object = Object.freeze(new UnparsedObject());
export const unparsedArray: readonly never[] = Object.freeze(new UnparsedArray());

export interface ShallowBatch {
  /** The body as readBatchEnvelope reads it: its `batch` holds the (shallow or whole) events. */
  readonly body: Record<string, unknown>;
  /** Aligned with `body.batch` when it is an array: where each event lies, undefined when it must be serialized. */
  readonly raw: (RawObject | undefined)[];
}

// Local constants, though raw-json.ts has some of the same: imported ones are not folded into the
// scanner's loops (sharing them measured ~6% slower per job).
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;


/** Deeper nesting than this is declined (JSON.parse reads it, or says why not). */
const MAX_DEPTH = 1024;
const kinds = new Uint8Array(MAX_DEPTH);
const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** Thrown inside the scan for anything it will not read; caught in parseBatchShallow only. */
const decline: unique symbol = Symbol('decline');

// Side results of the last scan call (module state, so the per-byte loops allocate nothing).
let spaced = false;
let deepest = 0;
let oddNumber = false;
let escaped = false;

/**
 * The body's events and index, or undefined: not valid JSON as far as this scanner reads it, not an
 * object, or a batch-level context/integrations to merge — then JSON.parse it as before.
 */
export function parseBatchShallow(codes: CharCodes, source: string, maxEventBytes: number): ShallowBatch | undefined {
  try {
    return scanBody(codes, source, maxEventBytes);
  } catch (error) {
    if (error === decline) return undefined;
    throw error;
  }
}

function scanBody(codes: CharCodes, source: string, maxEventBytes: number): ShallowBatch | undefined {
  let at = skipWhitespace(codes, 0);
  if (codes[at] !== OPEN_BRACE) return undefined;
  const body: Record<string, unknown> = {};
  let raw: (RawObject | undefined)[] = [];
  at = skipWhitespace(codes, at + 1);
  if (codes[at] !== CLOSE_BRACE) {
    for (;;) {
      const keyStart = at;
      at = expectString(codes, at);
      const key = decodeString(source, keyStart, at);
      if (key === '__proto__') return undefined;
      at = expectColon(codes, at);
      if (key === 'batch' && codes[at] === OPEN_BRACKET) {
        const events: unknown[] = [];
        raw = [];
        at = scanEvents(codes, source, at, maxEventBytes, events, raw);
        body[key] = events;
      } else {
        const valueStart = at;
        at = skipValue(codes, at);
        body[key] = JSON.parse(source.slice(valueStart, at));
      }
      at = afterMember(codes, at);
      if (objectClosed) break;
    }
  }
  if (skipWhitespace(codes, at + 1) !== codes.length) throw decline;
  if ((body.context !== undefined && body.context !== null) || (body.integrations !== undefined && body.integrations !== null)) return undefined;
  return { body, raw };
}

/** The elements of the `batch` array at `at` into `events` and `raw`; returns the position after `]`. */
function scanEvents(codes: CharCodes, source: string, at: number, maxEventBytes: number, events: unknown[], raw: (RawObject | undefined)[]): number {
  const bytesPerCode = codes.BYTES_PER_ELEMENT === 1 ? 1 : 3;
  at = skipWhitespace(codes, at + 1);
  if (codes[at] === CLOSE_BRACKET) return at + 1;
  for (;;) {
    const start = at;
    if (codes[at] === OPEN_BRACE) {
      const event = scanEvent(codes, source, at);
      at = eventEnd;
      const indexable = eventIndexable;
      // Past the limit as sent, ingest measures the event by serializing it: it needs every member.
      const whole = !indexable || eventNeedsWhole || (at - start) * bytesPerCode > maxEventBytes;
      events.push(whole ? JSON.parse(source.slice(start, at)) : event);
      raw.push(indexable ? { start, end: at, members: eventMembers, keys: eventKeys } : undefined);
    } else {
      at = skipValue(codes, at);
      events.push(JSON.parse(source.slice(start, at)));
      raw.push(undefined);
    }
    at = skipWhitespace(codes, at);
    if (codes[at] === COMMA) {
      at = skipWhitespace(codes, at + 1);
      continue;
    }
    if (codes[at] !== CLOSE_BRACKET) throw decline;
    return at + 1;
  }
}

/**
 * The top-level members ingest reads of an event (validate.ts, stored-line.ts, ingest.ts). A shallow
 * event holds these and nothing else: any other member is validated and indexed, never built, since
 * nothing reads it but the splice, which copies its bytes. Fixed fields, set by index, instead of
 * properties added by key (keyed stores cost more than the rest of the scan of a member).
 */
export const readKeys = ['type', 'messageId', 'userId', 'anonymousId', 'previousId', 'groupId', 'event', 'properties', 'traits', 'context', 'integrations', 'timestamp', 'sentAt', 'channel'] as const;

/** A member absent from the body is undefined here, as it is when read from a parsed object. */
class ShallowEvent {
  type: unknown = undefined;
  messageId: unknown = undefined;
  userId: unknown = undefined;
  anonymousId: unknown = undefined;
  previousId: unknown = undefined;
  groupId: unknown = undefined;
  event: unknown = undefined;
  properties: unknown = undefined;
  traits: unknown = undefined;
  context: unknown = undefined;
  integrations: unknown = undefined;
  timestamp: unknown = undefined;
  sentAt: unknown = undefined;
  channel: unknown = undefined;
}

const CONTEXT_KEY = readKeys.indexOf('context');

function setMember(event: ShallowEvent, key: number, value: unknown): void {
  switch (key) {
    case 0: event.type = value; break;
    case 1: event.messageId = value; break;
    case 2: event.userId = value; break;
    case 3: event.anonymousId = value; break;
    case 4: event.previousId = value; break;
    case 5: event.groupId = value; break;
    case 6: event.event = value; break;
    case 7: event.properties = value; break;
    case 8: event.traits = value; break;
    case 9: event.context = value; break;
    case 10: event.integrations = value; break;
    case 11: event.timestamp = value; break;
    case 12: event.sentAt = value; break;
    default: event.channel = value;
  }
}

/** Per quoted length, the read keys of that length (as indexes into readKeys) with their quoted character codes. */
const readKeysByLength: [number, Uint8Array][][] = [];
readKeys.forEach((key, index) => (readKeysByLength[key.length + 2] ??= []).push([index, Uint8Array.from(`"${key}"`, (character) => character.charCodeAt(0))]));

/** Each read key's number among the splice's keys (RawObject.keys), -1 when the splice does not touch it. */
const spliceKeyOfRead = Int8Array.from(readKeys, (key) => spliceKeyNames.indexOf(key));
/** The splice's keys that are not read keys, by quoted length, as splice key numbers with their quoted codes. */
const otherSpliceKeysByLength: [number, Uint8Array][][] = [];
spliceKeyNames.forEach((key, index) => {
  if (!(readKeys as readonly string[]).includes(key)) (otherSpliceKeysByLength[key.length + 2] ??= []).push([index, Uint8Array.from(`"${key}"`, (character) => character.charCodeAt(0))]);
});

// Results of scanEvent besides the event itself.
let eventEnd = 0;
/** The raw index rules of raw-json.ts hold: compact, no escaped or repeated keys, shallow enough, plain numbers. */
let eventIndexable = true;
/** Something here needs the whole event built: a context.ip to merge. */
let eventNeedsWhole = false;
let eventMembers: number[] = [];
/** Per member of the event, its splice key number or -1 (RawObject.keys). */
let eventKeys: number[] = [];

/** Builds the event object at `at` one level deep (see readKeys); sets eventEnd, eventIndexable, eventNeedsWhole, eventMembers. */
function scanEvent(codes: CharCodes, source: string, at: number): ShallowEvent {
  const event = new ShallowEvent();
  /** Bit per read key seen, to find a repeated one. */
  let seen = 0;
  const members: number[] = [];
  const keys: number[] = [];
  /** Member indexes (into members / 4) of keys not read, to find a repeated one among them. */
  let others: number[] | undefined;
  let ok = true;
  let needsWhole = false;
  at++;
  if (isSpace(codes[at])) {
    ok = false;
    at = skipWhitespace(codes, at);
  }
  if (codes[at] !== CLOSE_BRACE) {
    for (;;) {
      const keyStart = at;
      at = expectString(codes, at);
      const keyEnd = at;
      const key = escaped ? (readKeys as readonly string[]).indexOf(JSON.parse(source.slice(keyStart, keyEnd)) as string) : readKeyAt(codes, keyStart, keyEnd);
      if (escaped) ok = false;
      if (codes[at] !== COLON) ok = false;
      at = expectColon(codes, at);
      if (codes[at - 1] !== COLON) ok = false;
      const valueStart = at;
      if (key < 0) {
        at = skipValue(codes, at);
        if (spaced || oddNumber || deepest > MAX_SPLICED_DEPTH) ok = false;
        if (ok) {
          // A repeated key makes the splice keep both copies where JSON.parse keeps the last: not indexable.
          for (const other of (others ??= [])) if (sameCodes(codes, members[other * 4]!, members[other * 4 + 1]!, keyStart, keyEnd)) ok = false;
          others.push(members.length / 4);
        }
        keys.push(ok ? keyAt(otherSpliceKeysByLength, codes, keyStart, keyEnd) : -1);
      } else {
        keys.push(spliceKeyOfRead[key]!);
        if ((seen & (1 << key)) !== 0) ok = false;
        seen |= 1 << key;
        const first = codes[at];
        let value: unknown;
        if (first === QUOTE) {
          at = expectString(codes, at);
          value = decodeString(source, valueStart, at);
        } else if (first === OPEN_BRACE && key === CONTEXT_KEY) {
          const context = scanContext(codes, source, at);
          at = contextEnd;
          if (!contextOk) ok = false;
          if (context.ip === null || context.ip === '') needsWhole = true;
          value = context;
        } else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
          at = skipValue(codes, at);
          if (spaced || oddNumber || deepest > MAX_SPLICED_DEPTH) ok = false;
          value = first === OPEN_BRACE ? unparsedObject : unparsedArray;
        } else if (first === MINUS || (first !== undefined && first >= DIGIT_0 && first <= DIGIT_9)) {
          at = skipNumber(codes, at);
          if (oddNumber) ok = false;
          value = Number(source.slice(valueStart, at));
        } else {
          at = skipLiteral(codes, at);
          value = first === 0x74 ? true : first === 0x66 ? false : null;
        }
        setMember(event, key, value);
      }
      members.push(keyStart, keyEnd, valueStart, at);
      at = afterMember(codes, at);
      if (memberSpaced) ok = false;
      if (objectClosed) break;
    }
  }
  eventEnd = at + 1;
  eventIndexable = ok;
  eventNeedsWhole = needsWhole;
  eventMembers = members;
  eventKeys = keys;
  return event;
}

// Results of scanContext besides the object.
let contextEnd = 0;
/** The context value keeps the raw index rules (compact, shallow enough, plain numbers). */
let contextOk = true;

/**
 * Reads a `context` object: validated and skipped, except its `ip`, the one member enrichment reads
 * (stored-line.ts): the object returned holds `ip` alone, when the client sent one.
 */
function scanContext(codes: CharCodes, source: string, at: number): { ip?: unknown } {
  const context: { ip?: unknown } = {};
  let ok = true;
  let depth = 1;
  // The opening steps repeat scanEvent's on purpose: one shared step (like afterMember) measured 2–3%
  // slower per job in six interleaved A/B runs.
  at++;
  if (isSpace(codes[at])) {
    ok = false;
    at = skipWhitespace(codes, at);
  }
  if (codes[at] !== CLOSE_BRACE) {
    for (;;) {
      const keyStart = at;
      at = expectString(codes, at);
      const isIp = escaped ? JSON.parse(source.slice(keyStart, at)) === 'ip' : at - keyStart === 4 && codes[keyStart + 1] === 0x69 && codes[keyStart + 2] === 0x70;
      const before = at;
      at = expectColon(codes, at);
      if (at - before !== 1) ok = false;
      const valueStart = at;
      at = skipValue(codes, at);
      if (spaced || oddNumber) ok = false;
      if (deepest + 1 > depth) depth = deepest + 1;
      if (isIp) {
        const first = codes[valueStart];
        context.ip = first === OPEN_BRACE ? unparsedObject : first === OPEN_BRACKET ? unparsedArray : JSON.parse(source.slice(valueStart, at));
      }
      at = afterMember(codes, at);
      if (memberSpaced) ok = false;
      if (objectClosed) break;
    }
  }
  contextEnd = at + 1;
  contextOk = ok && depth <= MAX_SPLICED_DEPTH;
  return context;
}

/** The index in readKeys of the unescaped key at [start, end) (quotes included), or -1. */
function readKeyAt(codes: CharCodes, start: number, end: number): number {
  return keyAt(readKeysByLength, codes, start, end);
}

/** The number of the key (quoted, at start…end) among `byLength`'s, or -1. */
function keyAt(byLength: [number, Uint8Array][][], codes: CharCodes, start: number, end: number): number {
  const candidates = byLength[end - start];
  if (candidates === undefined) return -1;
  for (const [key, quoted] of candidates) {
    let index = 1;
    while (index < quoted.length - 1 && codes[start + index] === quoted[index]) index++;
    if (index === quoted.length - 1) return key;
  }
  return -1;
}

function sameCodes(codes: CharCodes, start: number, end: number, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let index = 0; index < end - start; index++) if (codes[start + index] !== codes[otherStart + index]) return false;
  return true;
}

// Results of afterMember.
/** The object ended: afterMember stopped at its closing brace. */
let objectClosed = false;
/** Whitespace was skipped before or after the comma. */
let memberSpaced = false;

/**
 * After an object member's value: optional whitespace, then a comma and optional whitespace (returns
 * the next key's position) or the closing brace (returns its position and sets objectClosed).
 */
function afterMember(codes: CharCodes, at: number): number {
  let space = false;
  if (isSpace(codes[at])) {
    space = true;
    at = skipWhitespace(codes, at);
  }
  const next = codes[at];
  objectClosed = next === CLOSE_BRACE;
  if (next === COMMA) {
    at++;
    if (isSpace(codes[at])) {
      space = true;
      at = skipWhitespace(codes, at);
    }
  } else if (!objectClosed) throw decline;
  memberSpaced = space;
  return at;
}

/** A key or string value as JSON.parse gives it: sliced when it holds no escape. */
function decodeString(source: string, start: number, end: number): string {
  return escaped ? (JSON.parse(source.slice(start, end)) as string) : source.slice(start + 1, end - 1);
}

/** After a key: optional whitespace, a colon, optional whitespace; returns the value's position. */
function expectColon(codes: CharCodes, at: number): number {
  at = skipWhitespace(codes, at);
  if (codes[at] !== COLON) throw decline;
  return skipWhitespace(codes, at + 1);
}

function expectString(codes: CharCodes, at: number): number {
  if (codes[at] !== QUOTE) throw decline;
  return skipString(codes, at);
}

/**
 * Skips (and validates) one value of any kind at `at`; sets `spaced` (whitespace inside), `deepest`
 * (nesting, 0 for a scalar) and `oddNumber`. Containers use an explicit stack, not recursion.
 */
function skipValue(codes: CharCodes, at: number): number {
  let depth = 0;
  let maxDepth = 0;
  let anySpace = false;
  let anyOdd = false;
  for (;;) {
    // At a value.
    const first = codes[at];
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      if (depth === MAX_DEPTH) throw decline;
      kinds[depth++] = first === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
      if (depth > maxDepth) maxDepth = depth;
      at++;
      if (isSpace(codes[at])) {
        anySpace = true;
        at = skipWhitespace(codes, at);
      }
      if (codes[at] === (first === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        at++;
      } else {
        if (first === OPEN_BRACE) {
          at = expectString(codes, at);
          const before = at;
          at = expectColon(codes, at);
          if (at - before !== 1) anySpace = true;
        }
        continue;
      }
    } else if (first === QUOTE) {
      at = skipString(codes, at);
    } else if (first === MINUS || (first !== undefined && first >= DIGIT_0 && first <= DIGIT_9)) {
      at = skipNumber(codes, at);
      if (oddNumber) anyOdd = true;
    } else {
      at = skipLiteral(codes, at);
    }
    // After a value: close containers, or a comma and the next value.
    for (;;) {
      if (depth === 0) {
        spaced = anySpace;
        deepest = maxDepth;
        oddNumber = anyOdd;
        return at;
      }
      if (isSpace(codes[at])) {
        anySpace = true;
        at = skipWhitespace(codes, at);
      }
      const next = codes[at];
      const kind = kinds[depth - 1];
      if (next === COMMA) {
        at++;
        if (isSpace(codes[at])) {
          anySpace = true;
          at = skipWhitespace(codes, at);
        }
        if (kind === IN_OBJECT) {
          at = expectString(codes, at);
          const before = at;
          at = expectColon(codes, at);
          if (at - before !== 1) anySpace = true;
        }
        break;
      }
      if (next !== (kind === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) throw decline;
      depth--;
      at++;
    }
  }
}

/** Skips and validates the string at `at` (a quote); sets `escaped` when it holds an escape. */
function skipString(codes: CharCodes, at: number): number {
  let anyEscape = false;
  at++;
  for (;;) {
    const code = codes[at];
    if (code === QUOTE) {
      escaped = anyEscape;
      return at + 1;
    }
    if (code === BACKSLASH) {
      anyEscape = true;
      const kind = codes[at + 1];
      if (kind === 0x75) {
        // \uXXXX: four hex digits.
        if (!isHex(codes[at + 2]) || !isHex(codes[at + 3]) || !isHex(codes[at + 4]) || !isHex(codes[at + 5])) throw decline;
        at += 6;
        continue;
      }
      if (kind === QUOTE || kind === BACKSLASH || kind === SLASH || kind === 0x62 || kind === 0x66 || kind === 0x6e || kind === 0x72 || kind === 0x74) {
        at += 2;
        continue;
      }
      throw decline;
    }
    // Control characters must be escaped; past the end reads undefined, which fails this too.
    if (!(code !== undefined && code >= 0x20)) throw decline;
    at++;
  }
}

/** Skips and validates a number; sets `oddNumber` for an exponent or a run of digits past MAX_PLAIN_DIGITS. */
function skipNumber(codes: CharCodes, at: number): number {
  let odd = false;
  if (codes[at] === MINUS) at++;
  let code = codes[at];
  if (code === DIGIT_0) code = codes[++at];
  else if (code !== undefined && code >= DIGIT_1 && code <= DIGIT_9) {
    const start = at;
    do code = codes[++at];
    while (code !== undefined && code >= DIGIT_0 && code <= DIGIT_9);
    if (at - start > MAX_PLAIN_DIGITS) odd = true;
  } else throw decline;
  if (code === DOT) {
    const start = ++at;
    code = codes[at];
    while (code !== undefined && code >= DIGIT_0 && code <= DIGIT_9) code = codes[++at];
    if (at === start) throw decline;
    if (at - start > MAX_PLAIN_DIGITS) odd = true;
  }
  if (code === LOWER_E || code === UPPER_E) {
    odd = true;
    code = codes[++at];
    if (code === PLUS || code === MINUS) code = codes[++at];
    const start = at;
    while (code !== undefined && code >= DIGIT_0 && code <= DIGIT_9) code = codes[++at];
    if (at === start) throw decline;
  }
  oddNumber = odd;
  return at;
}

/** Skips `true`, `false` or `null`. */
function skipLiteral(codes: CharCodes, at: number): number {
  const first = codes[at];
  if (first === 0x74 && codes[at + 1] === 0x72 && codes[at + 2] === 0x75 && codes[at + 3] === 0x65) return at + 4;
  if (first === 0x66 && codes[at + 1] === 0x61 && codes[at + 2] === 0x6c && codes[at + 3] === 0x73 && codes[at + 4] === 0x65) return at + 5;
  if (first === 0x6e && codes[at + 1] === 0x75 && codes[at + 2] === 0x6c && codes[at + 3] === 0x6c) return at + 4;
  throw decline;
}

/** JSON's whitespace: space, tab, LF, CR (nothing else, unlike String.prototype.trim). */
function isSpace(code: number | undefined): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipWhitespace(codes: CharCodes, at: number): number {
  while (isSpace(codes[at])) at++;
  return at;
}

function isHex(code: number | undefined): boolean {
  return code !== undefined && ((code >= DIGIT_0 && code <= DIGIT_9) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46));
}
