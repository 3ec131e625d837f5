/**
 * Where each event of a request body lies in the body's text, and where each of its top-level members
 * lies inside it: the index that lets ingest store an event by splicing the enrichment into the bytes
 * the client sent (stored-line.ts) instead of serializing the enriched object again, which profiles
 * showed to cost as much as the request's one JSON.parse.
 *
 * The scanner runs only AFTER `JSON.parse` accepted the same text, so it may assume well-formed JSON
 * and only finds boundaries; it never decides validity. An event it cannot index safely is left
 * undefined and takes the serializing path: whitespace between tokens (a stored line must be one line,
 * and NDJSON readers expect no pretty-printing), a key written with an escape (`"\u0074ype"` is "type",
 * and matching keys by bytes would miss it), or more members than the parsed object has keys (duplicate
 * keys: JSON.parse keeps the last, a splice would keep both), a value nested deeper than
 * MAX_SPLICED_DEPTH, or a number JSON.parse may not have held exactly (MAX_PLAIN_DIGITS). Pure: character codes in, positions out.
 */

/**
 * The body's text as character codes: its UTF-8 bytes when it is all ASCII (then byte and string
 * positions agree), else its UTF-16 code units. Typed arrays, because V8 indexes them several times
 * faster than it runs `charCodeAt` (measured: 1.6 vs 4.5 ns per character).
 */
export type CharCodes = Uint8Array | Uint16Array;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Space, tab, LF and CR are JSON's only whitespace, all ≤ 0x20; no other byte ≤ 0x20 can appear outside a string. */
const SPACE = 0x20;

/** A request body's text as JSON.parse read it, its character codes, and where each event lies in it. */
export interface RawEvents {
  readonly source: string;
  readonly codes: CharCodes;
  /** Aligned with the parsed events; undefined for an event that must be serialized instead. */
  readonly events: readonly (RawObject | undefined)[];
}

/** One JSON object's top-level members in the text it was parsed from. */
export interface RawObject {
  /** The object's span, braces included: [start, end). */
  readonly start: number;
  readonly end: number;
  /** Per member, four positions: key start, key end (quotes included), value start, value end. */
  readonly members: readonly number[];
  /**
   * Per member, its key's index in `spliceKeyNames` (stored-line.ts), -1 for any other key: set by a
   * scanner that compared the keys already (shallow-batch.ts), so the splice need not compare them
   * again. Absent, the splice matches the keys itself.
   */
  readonly keys?: readonly number[];
}

/**
 * Indexes the events of a `/batch` body: the elements of the LAST top-level "batch" member (JSON.parse
 * keeps the last), aligned with `events` of the parsed body. Undefined when the body as a whole cannot
 * be indexed (then every event serializes); an undefined element means that one event serializes.
 */
export function indexBatchEvents(codes: CharCodes, events: readonly unknown[]): (RawObject | undefined)[] | undefined {
  // The envelope may be pretty-printed or hold odd numbers: each event is judged on its own below.
  const top = scanObjectAt(codes, skipWhitespace(codes, 0));
  let batchValue = -1;
  const members = top.raw.members;
  for (let member = 0; member < members.length; member += 4) {
    const keyStart = members[member]!;
    const keyEnd = members[member + 1]!;
    // An escaped top-level key might spell "batch": then we cannot tell which array JSON.parse used.
    if (hasByte(codes, keyStart + 1, keyEnd - 1, BACKSLASH)) return undefined;
    if (codesEqual(codes, keyStart, keyEnd, batchKey)) batchValue = members[member + 2]!;
  }
  if (batchValue < 0 || codes[batchValue]! !== OPEN_BRACKET) return undefined;

  const found: (RawObject | undefined)[] = [];
  let at = skipWhitespace(codes, batchValue + 1);
  if (codes[at]! === CLOSE_BRACKET) return events.length === 0 ? found : undefined;
  for (;;) {
    if (codes[at]! === OPEN_BRACE) {
      const element = scanObjectAt(codes, at);
      found.push(element.ok && isWhole(element.raw, events[found.length]) ? element.raw : undefined);
      at = element.end;
    } else {
      found.push(undefined);
      at = skipValue(codes, at);
    }
    at = skipWhitespace(codes, at);
    if (codes[at]! !== COMMA) break;
    at = skipWhitespace(codes, at + 1);
  }
  // The same count as the parsed array, or we misread something: trust nothing.
  return found.length === events.length ? found : undefined;
}

/** Indexes a single-event body (the body IS the event); undefined when it cannot be spliced. */
export function indexSingleEvent(codes: CharCodes, event: unknown): RawObject | undefined {
  const at = skipWhitespace(codes, 0);
  if (codes[at]! !== OPEN_BRACE) return undefined;
  const scanned = scanObjectAt(codes, at);
  return scanned.ok && isWhole(scanned.raw, event) ? scanned.raw : undefined;
}

/** True when `raw` has exactly one member per key of the parsed object (no duplicate keys). */
function isWhole(raw: RawObject, parsed: unknown): boolean {
  return typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length * 4 === raw.members.length;
}

const batchKey = asciiCodes('"batch"');

interface Scanned {
  /** False when the object holds whitespace between tokens or an escaped key. */
  readonly ok: boolean;
  readonly raw: RawObject;
  /** Position after the closing brace. */
  readonly end: number;
}

/** Scans the object starting at `start` (a `{`). */
function scanObjectAt(codes: CharCodes, start: number): Scanned {
  const members: number[] = [];
  let ok = true;
  let at = start + 1;
  if (codes[at]! <= SPACE) {
    ok = false;
    at = skipWhitespace(codes, at);
  }
  if (codes[at]! !== CLOSE_BRACE) {
    for (;;) {
      const keyStart = at;
      at = skipString(codes, at);
      if (lastStringEscaped) ok = false;
      const keyEnd = at;
      if (codes[at]! !== COLON) {
        ok = false;
        at = skipWhitespace(codes, at);
      }
      at++; // the colon
      if (codes[at]! <= SPACE) {
        ok = false;
        at = skipWhitespace(codes, at);
      }
      const valueStart = at;
      at = skipValue(codes, at);
      if (lastValueSpaced || lastValueOddNumber || lastValueDepth > MAX_SPLICED_DEPTH) ok = false;
      members.push(keyStart, keyEnd, valueStart, at);
      if (codes[at]! <= SPACE) {
        ok = false;
        at = skipWhitespace(codes, at);
      }
      if (codes[at]! !== COMMA) break;
      at++;
      if (codes[at]! <= SPACE) {
        ok = false;
        at = skipWhitespace(codes, at);
      }
    }
  }
  const end = at + 1; // past the closing brace
  return { ok, raw: { start, end, members }, end };
}

// Side results of the last skipString / skipValue call: module state instead of a result object per
// string keeps the scanner allocation-free (it runs over every byte of every batch).
let lastStringEscaped = false;
let lastValueSpaced = false;
let lastValueDepth = 0;
let lastValueOddNumber = false;

/**
 * Deeper values are left to the serializing path, which decides whether they can be stored at all (a
 * few thousand levels overflow JSON.stringify's recursion, and the event is then refused): splicing
 * must not make an event storable that serializing refuses. Real events nest a handful of levels.
 */
export const MAX_SPLICED_DEPTH = 64;

/**
 * Numbers JSON.parse cannot hold are left to the serializing path too, which stores what the parsed
 * value became (`1e400` is Infinity, stored as null): a number with an exponent (rare; JavaScript
 * writes one only below 1e-6 or from 1e21) or a run of more digits than a double can overflow with.
 * Other numbers stay as sent (`9007199254740993` keeps its last digit; JSON-equal when read by JS).
 */
export const MAX_PLAIN_DIGITS = 300;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Skips one value of any kind starting at `at`; sets `lastValueSpaced`. */
function skipValue(codes: CharCodes, at: number): number {
  lastValueSpaced = false;
  lastValueDepth = 0;
  lastValueOddNumber = false;
  const first = codes[at]!;
  if (first === QUOTE) return skipString(codes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) return skipContainer(codes, at);
  // A number, true, false or null: runs to the next delimiter.
  let end = at;
  let digits = 0;
  for (;;) {
    const byte = codes[end]!;
    if (end >= codes.length || byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || byte <= SPACE) return end;
    if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      if (++digits > MAX_PLAIN_DIGITS) lastValueOddNumber = true;
    } else {
      if ((byte === LOWER_E || byte === UPPER_E) && digits > 0) lastValueOddNumber = true;
      digits = 0;
    }
    end++;
  }
}

/** Skips a whole object or array, strings included, tracking depth only. */
function skipContainer(codes: CharCodes, at: number): number {
  let depth = 0;
  let deepest = 0;
  let spaced = false;
  let oddNumber = false;
  let digits = 0;
  for (;;) {
    const byte = codes[at]!;
    if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      if (++digits > MAX_PLAIN_DIGITS) oddNumber = true;
      at++;
      continue;
    }
    if ((byte === LOWER_E || byte === UPPER_E) && digits > 0) oddNumber = true;
    digits = 0;
    if (byte === QUOTE) {
      at = skipString(codes, at);
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (--depth === 0) {
        lastValueSpaced = spaced;
        lastValueDepth = deepest;
        lastValueOddNumber = oddNumber;
        return at + 1;
      }
    } else if (byte <= SPACE) spaced = true;
    at++;
  }
}

/** Skips the string starting at `at` (a quote); sets `lastStringEscaped` when it holds a backslash. */
function skipString(codes: CharCodes, at: number): number {
  let escaped = false;
  at++;
  for (;;) {
    const byte = codes[at]!;
    if (byte === QUOTE) {
      lastStringEscaped = escaped;
      return at + 1;
    }
    if (byte === BACKSLASH) {
      escaped = true;
      at += 2;
    } else at++;
  }
}

function skipWhitespace(codes: CharCodes, at: number): number {
  while (at < codes.length && codes[at]! <= SPACE) at++;
  return at;
}

function hasByte(codes: CharCodes, start: number, end: number, wanted: number): boolean {
  for (let at = start; at < end; at++) if (codes[at]! === wanted) return true;
  return false;
}

/** The character codes of an ASCII constant, for `codesEqual`. */
export function asciiCodes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

/** True when codes[start, end) are `expected`. */
export function codesEqual(codes: CharCodes, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let index = 0; index < expected.length; index++) if (codes[start + index] !== expected[index]) return false;
  return true;
}
