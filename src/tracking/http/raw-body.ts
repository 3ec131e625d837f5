/**
 * Indexes a request body's events for splicing stored lines (core/raw-json.ts, core/stored-line.ts).
 * `text` is the string JSON.parse read, so spliced text is exactly what was parsed. The scanner reads
 * character codes: the body's own bytes when they are all ASCII (byte and string positions agree; the
 * common case, checked natively), else the text's UTF-16 code units, copied out once.
 */
import { isAscii } from 'node:buffer';
import { isJsonObject } from '../core/event-types.js';
import { indexBatchEvents, indexSingleEvent, type CharCodes, type RawEvents } from '../core/raw-json.js';
import { parseBatchShallow } from '../core/shallow-batch.js';

/** A `/batch` body parsed for ingest: the body as readBatchEnvelope reads it, and its events' index. */
export type ParsedBatchBody = { readonly ok: true; readonly body: unknown; readonly raw: RawEvents | undefined } | { readonly ok: false; readonly message: string };

/**
 * Parses a `/batch` body in one validating pass that builds only what ingest reads (core/shallow-batch.ts),
 * or, when that declines, with JSON.parse and the index scan; `message` is JSON.parse's own when the
 * body is not JSON. `maxEventBytes`: events larger as sent are built whole (their size is measured).
 */
export function parseBatchBody(bytes: Uint8Array, maxEventBytes: number): ParsedBatchBody {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const codes = charCodesOf(bytes, text);
  const shallow = parseBatchShallow(codes, text, maxEventBytes);
  if (shallow) return { ok: true, body: shallow.body, raw: { source: text, codes, events: shallow.raw } };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const events = isJsonObject(body) && Array.isArray(body.batch) ? (body.batch as unknown[]) : undefined;
  const indexed = events && indexBatchEvents(codes, events);
  return { ok: true, body, raw: indexed ? { source: text, codes, events: indexed } : undefined };
}

/** The index of a `/batch` body's events (`events` as parsed), or undefined: serialize them all. */
export function rawEventsOf(bytes: Uint8Array, text: string, events: readonly unknown[]): RawEvents | undefined {
  const codes = charCodesOf(bytes, text);
  const indexed = indexBatchEvents(codes, events);
  return indexed === undefined ? undefined : { source: text, codes, events: indexed };
}

/** The index of a single-event body, or undefined: serialize it. */
export function rawSingleEventOf(bytes: Uint8Array, text: string, event: unknown): RawEvents | undefined {
  const codes = charCodesOf(bytes, text);
  const indexed = indexSingleEvent(codes, event);
  return indexed === undefined ? undefined : { source: text, codes, events: [indexed] };
}

function charCodesOf(bytes: Uint8Array, text: string): CharCodes {
  if (isAscii(bytes)) return bytes;
  // A dedicated (aligned) buffer: a Uint16Array view needs an even byte offset.
  const units = Buffer.allocUnsafeSlow(text.length * 2);
  units.write(text, 'utf16le');
  return new Uint16Array(units.buffer, units.byteOffset, text.length);
}
