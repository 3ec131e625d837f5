/**
 * From a request envelope to the records to append: validate → enrich → write the stored line → size
 * check, per event, with no I/O and no per-event async work. The HTTP layer appends all `records` in one
 * call. An event whose bytes in the body were indexed (raw-json.ts) is stored by splicing the enrichment
 * into those bytes (stored-line.ts); any other is enriched and serialized (enrich.ts). Both give the
 * same JSON.
 *
 * Per-event size limit: it applies to the event *as the client sent it*, measured as its serialized
 * form so both paths agree. That measure costs a second `JSON.stringify`, so it is taken only for an
 * event whose bytes as sent (spliced) or stored line (serialized) is over the limit: enrichment adds only
 * a few hundred bytes, so the slow path runs only for events near the limit.
 */
import type { ErrorCode } from '../../errors/codes.js';
import type { EventType, JsonObject } from './event-types.js';
import { enrichEvent, type RequestFacts } from './enrich.js';
import type { Envelope } from './envelope.js';
import { validateEvent } from './validate.js';
import type { RawEvents } from './raw-json.js';
import { spliceFactsOf, spliceStoredLine } from './stored-line.js';

export interface RejectedEvent {
  readonly index: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface IngestRecord {
  readonly timestamp: number;
  readonly data: Uint8Array;
  /** The messageId as the client sent it (deduplication); undefined when Sluice generated one. */
  readonly clientMessageId?: string | undefined;
}

export interface IngestResult {
  readonly records: IngestRecord[];
  readonly rejected: RejectedEvent[];
}

export interface IngestOptions {
  readonly maxEventBytes: number;
  /** UTF-8 encoder for the stored line (a per-request LineBuffer on Node; injected to keep the core pure). */
  readonly encode: (line: string) => Uint8Array;
  /**
   * The body's text as JSON.parse read it and where each event lies in it (raw-json.ts), aligned with
   * the envelope's events: indexed events are stored by splicing (stored-line.ts), the rest serialized.
   */
  readonly raw?: RawEvents | undefined;
}

export function ingestEvents(
  envelope: Envelope,
  impliedType: EventType | undefined,
  facts: RequestFacts,
  options: IngestOptions,
): IngestResult {
  const records: IngestRecord[] = [];
  const rejected: RejectedEvent[] = [];
  const events = envelope.events;
  const { encode, raw } = options;
  const shared = raw ? spliceFactsOf(facts) : undefined;
  // An ASCII index counts bytes; a UTF-16 index counts units of up to 3 UTF-8 bytes each.
  const bytesPerCode = raw?.codes.BYTES_PER_ELEMENT === 1 ? 1 : 3;
  for (let index = 0; index < events.length; index++) {
    const valid = validateEvent(events[index], impliedType);
    if (!valid.ok) {
      rejected.push({ index, code: valid.code, message: valid.message });
      continue;
    }
    const rawEvent = raw?.events[index];
    if (rawEvent) {
      // The event as sent, at most this many bytes; only an event possibly over the limit is measured.
      const rawBytes = (rawEvent.end - rawEvent.start) * bytesPerCode;
      if (rawBytes > options.maxEventBytes) {
        const sentBytes = sentSize(valid.event, rawBytes);
        if (sentBytes > options.maxEventBytes) {
          rejected.push(tooLarge(index, sentBytes, options.maxEventBytes));
          continue;
        }
      }
      records.push(record(valid.event, facts, encode(spliceStoredLine(valid, rawEvent, raw!.source, raw!.codes, facts, shared!))));
      continue;
    }
    const line = serialize(enrichEvent(valid, facts));
    if (line === undefined) {
      rejected.push({ index, code: 'invalid_event', message: tooDeepMessage });
      continue;
    }
    const data = encode(line);
    if (data.byteLength > options.maxEventBytes) {
      const sentBytes = sentSize(valid.event, data.byteLength);
      if (sentBytes > options.maxEventBytes) {
        rejected.push(tooLarge(index, sentBytes, options.maxEventBytes));
        continue;
      }
    }
    records.push(record(valid.event, facts, data));
  }
  return { records, rejected };
}

function record(event: JsonObject, facts: RequestFacts, data: Uint8Array): IngestRecord {
  const sentId = event.messageId;
  return { timestamp: facts.receivedAtMs, data, clientMessageId: typeof sentId === 'string' && sentId !== '' ? sentId : undefined };
}

/** The size of the event as the client sent it, serialized; `fallback` when it cannot be serialized. */
function sentSize(event: JsonObject, fallback: number): number {
  const sent = serialize(event);
  return sent === undefined ? fallback : utf8ByteLength(sent);
}

function tooLarge(index: number, sentBytes: number, maxEventBytes: number): RejectedEvent {
  return { index, code: 'event_too_large', message: `The event is ${sentBytes} bytes; the per-event limit is ${maxEventBytes} bytes.` };
}

const tooDeepMessage = 'The event is nested too deeply to be stored.';

/**
 * JSON.stringify recurses: a few thousand levels of nesting (well within 32 KiB: `[[[[…]]]]`) overflow
 * the stack. Such an event is rejected on its own instead of failing the whole request with a 500.
 */
function serialize(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** UTF-8 length of a JS string without allocating (only used on the rare over-the-limit path). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
