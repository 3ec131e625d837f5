/**
 * Indexes a request body's events for splicing stored lines (core/raw-json.ts, core/stored-line.ts).
 * `text` is the string JSON.parse read, so spliced text is exactly what was parsed. The scanner reads
 * character codes: the body's own bytes when they are all ASCII (byte and string positions agree; the
 * common case, checked natively), else the text's UTF-16 code units, copied out once.
 */
import { isAscii } from 'node:buffer';
import { indexBatchEvents, indexSingleEvent, type CharCodes, type RawEvents } from '../core/raw-json.js';

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
