/**
 * From a request envelope to the records to append: validate → enrich → serialize → size check, per
 * event, with no I/O and no per-event async work. The HTTP layer appends all `records` in one call.
 *
 * Per-event size limit: it applies to the event *as the client sent it*. Measuring that would cost a
 * second `JSON.stringify` per event, so we serialize the enriched event once (that string is the stored
 * line) and only when the stored line is over the limit do we serialize the client's original object to
 * decide. Enrichment only adds a few hundred bytes, so the slow path runs only for events near the limit.
 */
import type { ErrorCode } from '../../errors/codes.js';
import type { EventType } from './event-types.js';
import { enrichEvent, type RequestFacts } from './enrich.js';
import type { Envelope } from './envelope.js';
import { validateEvent } from './validate.js';

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
  /** UTF-8 encoder for the stored line (Buffer.from on Node; injected to keep the core pure). */
  readonly encode: (line: string) => Uint8Array;
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
  for (let index = 0; index < events.length; index++) {
    const valid = validateEvent(events[index], impliedType);
    if (!valid.ok) {
      rejected.push({ index, code: valid.code, message: valid.message });
      continue;
    }
    const line = serialize(enrichEvent(valid, facts));
    if (line === undefined) {
      rejected.push({ index, code: 'invalid_event', message: tooDeepMessage });
      continue;
    }
    const data = options.encode(line);
    if (data.byteLength > options.maxEventBytes) {
      const sent = serialize(valid.event);
      const sentBytes = sent === undefined ? data.byteLength : utf8ByteLength(sent);
      if (sentBytes > options.maxEventBytes) {
        rejected.push({
          index,
          code: 'event_too_large',
          message: `The event is ${sentBytes} bytes; the per-event limit is ${options.maxEventBytes} bytes.`,
        });
        continue;
      }
    }
    const sentId = valid.event.messageId;
    records.push({ timestamp: facts.receivedAtMs, data, clientMessageId: typeof sentId === 'string' && sentId !== '' ? sentId : undefined });
  }
  return { records, rejected };
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
